// Prometheus metrics (prom-client). One registry per process; labels stay bounded (routes,
// statuses, reasons, partitions: never user, bet or round ids).
import client from 'prom-client';

export function createMetrics(role = 'all') {
  const registry = new client.Registry();
  registry.setDefaultLabels({ role });
  client.collectDefaultMetrics({ register: registry, prefix: 'colorbet_' });
  const m = {
    registry,
    httpDuration: new client.Histogram({
      name: 'colorbet_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    betsAccepted: new client.Counter({
      name: 'colorbet_bets_accepted_total',
      help: 'Bets accepted (answered 202)',
      registers: [registry],
    }),
    betsRejected: new client.Counter({
      name: 'colorbet_bets_rejected_total',
      help: 'Bets refused, by error code',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    moneyOps: new client.Counter({
      name: 'colorbet_money_operations_total',
      help: 'Operations through the transaction service by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    settlementFailures: new client.Counter({
      name: 'colorbet_settlement_failures_total',
      help: 'Settlements of a round that failed and rolled back (each counted against its round)',
      registers: [registry],
    }),
    batchSize: new client.Histogram({
      name: 'colorbet_batch_operations',
      help: 'Money operations per group-commit batch (one transaction)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    batchWaiting: new client.Gauge({
      name: 'colorbet_batch_waiting_operations',
      help: 'Money operations waiting for a batch when the last batch left',
      registers: [registry],
    }),
    txRetries: new client.Counter({
      name: 'colorbet_db_transaction_retries_total',
      help: 'Database transactions retried, by SQLSTATE',
      labelNames: ['sqlstate'] as const,
      registers: [registry],
    }),
    txFailures: new client.Counter({
      name: 'colorbet_db_transaction_failures_total',
      help: 'Database transactions failed with an unexpected error, by SQLSTATE',
      labelNames: ['sqlstate'] as const,
      registers: [registry],
    }),
    matches: new client.Counter({
      name: 'colorbet_matches_total',
      help: 'Match fills recorded',
      registers: [registry],
    }),
    matchedVolume: new client.Counter({
      name: 'colorbet_matched_volume_minor_total',
      help: 'Matched amount in minor units',
      registers: [registry],
    }),
    settlements: new client.Counter({
      name: 'colorbet_rounds_settled_total',
      help: 'Rounds settled or voided',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    settlementDuration: new client.Histogram({
      name: 'colorbet_settlement_duration_seconds',
      help: "Time from a round's settlement plan to SETTLED",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    idempotencyKeysPruned: new client.Counter({
      name: 'colorbet_idempotency_keys_pruned_total',
      help: 'Idempotency key rows (real and shadow, the planner estimate) dropped with their day partitions after IDEMPOTENCY_RETENTION_HOURS',
      registers: [registry],
    }),
    idempotencyDaysDropped: new client.Counter({
      name: 'colorbet_idempotency_days_dropped_total',
      help: 'Day partitions of idempotency keys dropped after IDEMPOTENCY_RETENTION_HOURS',
      registers: [registry],
    }),
    partitionsCreated: new client.Counter({
      name: 'colorbet_partitions_created_total',
      help: 'Partitions created ahead of need by the scheduler leader',
      registers: [registry],
    }),
    partitionSpansAhead: new client.Gauge({
      name: 'colorbet_partition_spans_ahead',
      help: 'Whole partition spans ready beyond the one being written, per partitioned table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    settlementChunks: new client.Counter({
      name: 'colorbet_settlement_chunks_total',
      help: 'Settlement chunks paid (each a bounded transaction over a range of players)',
      registers: [registry],
    }),
    settlementChunkDuration: new client.Histogram({
      name: 'colorbet_settlement_chunk_duration_seconds',
      help: 'Time of one settlement chunk transaction',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    commission: new client.Counter({
      name: 'colorbet_commission_minor_total',
      help: 'Commission charged in minor units',
      registers: [registry],
    }),
    outboxBacklog: new client.Gauge({
      name: 'colorbet_outbox_backlog',
      help: 'Outbox events not yet consumed or relayed',
      registers: [registry],
    }),
    outboxOldestSeconds: new client.Gauge({
      name: 'colorbet_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox event not yet consumed or relayed',
      registers: [registry],
    }),
    projectionLagEntries: new client.Gauge({
      name: 'colorbet_projection_lag_entries',
      help: 'Ledger entries not yet applied to the balance projection',
      registers: [registry],
    }),
    projectionLagSeconds: new client.Gauge({
      name: 'colorbet_projection_lag_seconds',
      help: 'Age of the oldest ledger entry not yet applied to the balance projection',
      registers: [registry],
    }),
    // 0 without DATABASE_READ_URL: lag-tolerant reads then go to the primary.
    replicaLagSeconds: new client.Gauge({
      name: 'colorbet_replica_lag_seconds',
      help: 'How far the read replica is behind the primary (also counts while it is cut off or unreachable)',
      registers: [registry],
    }),
    replicaFallbacks: new client.Counter({
      name: 'colorbet_replica_fallbacks_total',
      help: 'Reads meant for the replica that the primary answered, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    relayed: new client.Counter({
      name: 'colorbet_outbox_relayed_total',
      help: 'Outbox events relayed to the bus',
      registers: [registry],
    }),
    busLag: new client.Gauge({
      name: 'colorbet_bus_lag',
      help: 'Bus messages not yet delivered to the consumer group, by partition and group',
      labelNames: ['partition', 'group'] as const,
      registers: [registry],
    }),
    busPending: new client.Gauge({
      name: 'colorbet_bus_pending',
      help: 'Bus messages delivered but not acknowledged, by partition and group',
      labelNames: ['partition', 'group'] as const,
      registers: [registry],
    }),
    busRedeliveries: new client.Counter({
      name: 'colorbet_bus_redeliveries_total',
      help: 'Bus messages reclaimed from dead consumers and delivered again',
      registers: [registry],
    }),
    sweptBets: new client.Counter({
      name: 'colorbet_match_swept_bets_total',
      help: 'Bets matched by the PostgreSQL sweep because no bus event arrived for them',
      registers: [registry],
    }),
    wsClients: new client.Gauge({
      name: 'colorbet_websocket_clients',
      help: 'Connected WebSocket clients',
      registers: [registry],
    }),
    poolClients: new client.Gauge({
      name: 'colorbet_db_pool_clients',
      help: 'Database pool clients by state',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Gauges about the state of rounds and the audit, exported by the scheduler role. */
export function createRoundMetrics(registry: client.Registry) {
  return {
    rounds: new client.Gauge({
      name: 'colorbet_rounds',
      help: 'Rounds by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    roundsQuarantined: new client.Gauge({
      name: 'colorbet_rounds_quarantined',
      help: 'SETTLING rounds set aside after repeated settlement failures, waiting for an operator',
      registers: [registry],
    }),
    settlementBacklog: new client.Gauge({
      name: 'colorbet_settlement_backlog_rounds',
      help: 'Rounds closed but not yet settled (CLOSED or SETTLING)',
      registers: [registry],
    }),
    overdueSeconds: new client.Gauge({
      name: 'colorbet_round_overdue_seconds',
      help: 'Longest time any round has been past its closes_at without being settled or voided',
      registers: [registry],
    }),
    escrowNonZero: new client.Gauge({
      name: 'colorbet_escrow_nonzero_rounds',
      help: 'Settled or voided rounds (last 24 h) whose escrow is not zero; must always be 0',
      registers: [registry],
    }),
    auditOk: new client.Gauge({
      name: 'colorbet_audit_ok',
      help: '1 when the last colorbet verify run found every invariant holding, else 0',
      registers: [registry],
    }),
    auditLastRun: new client.Gauge({
      name: 'colorbet_audit_last_run_timestamp_seconds',
      help: 'When the periodic audit last ran',
      registers: [registry],
    }),
  };
}
