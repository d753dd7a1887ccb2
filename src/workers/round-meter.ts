// Exports the state of rounds (for "money flow stalled" alerts) and runs the audit
// periodically so that a failing invariant pages someone. Runs with the scheduler role.
import { allChecks, type AuditReport } from '../verify-run.ts';
import { lastFullRun } from '../verify-checkpoint.ts';
import { QUARANTINED_ROUNDS } from '../betting/quarantine.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import { createRoundMetrics, type Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';
import { oneRow } from '../db/rows.ts';

export function startRoundMeter(deps: {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  audit: (options: { full: boolean }) => Promise<AuditReport>;
  auditEverySeconds: number;
  /** Each audit proves what is new since its checkpoint; this often it re-proves everything (0: never). */
  auditFullEverySeconds: number;
  /** Only the scheduler leader measures and audits, so N schedulers do not run N audits. */
  isLeader: () => boolean;
}): Worker[] {
  const m = createRoundMetrics(deps.metrics.registry);
  // A final round's escrow takes no more transfers, so a round found empty once is not summed
  // again; only newly final rounds (and any found non-empty) are checked on each tick.
  const emptyEscrow = new Set<string>();
  const escrowCheck = async (): Promise<number> => {
    const { rows } = await deps.pool.query<{ id: bigint; left_over: bigint }>(
      `SELECT r.id, (SELECT coalesce(sum(amount), 0) FROM transfers WHERE credit_account_id = a.id)
                  - (SELECT coalesce(sum(amount), 0) FROM transfers WHERE debit_account_id = a.id) AS left_over
       FROM rounds r JOIN accounts a ON a.kind = 'escrow' AND a.round_id = r.id
       WHERE r.status IN ('SETTLED', 'VOID') AND coalesce(r.settled_at, r.voided_at) > now() - interval '24 hours'
         AND r.id <> ALL ($1::bigint[])`,
      [[...emptyEscrow]],
    );
    let nonZero = 0;
    for (const r of rows) {
      if (r.left_over === 0n) emptyEscrow.add(r.id.toString());
      else nonZero++;
    }
    if (emptyEscrow.size > 10_000) emptyEscrow.clear();
    return nonZero;
  };
  // Unknown until the first audit has run, rather than a "failing" 0.
  m.auditOk.set(Number.NaN);
  const meter = startLoop(
    'round-meter',
    async () => {
      if (!deps.isLeader()) return false;
      const { rows } = await deps.pool.query<{ status: string; n: bigint }>(
        `SELECT status, count(*) AS n FROM rounds WHERE status <> 'SETTLED' OR settled_at > now() - interval '1 hour'
         GROUP BY status`,
      );
      for (const s of ['OPEN', 'CLOSED', 'SETTLING', 'SETTLED', 'VOID']) {
        m.rounds.set({ status: s }, Number(rows.find((r) => r.status === s)?.n ?? 0));
      }
      const backlog = await deps.pool.query<{ backlog: bigint; overdue: number | null; quarantined: bigint }>(
        `SELECT (SELECT count(*) FROM rounds WHERE status IN ('CLOSED', 'SETTLING')) AS backlog,
                (SELECT count(*) FROM ${QUARANTINED_ROUNDS}) AS quarantined,
                (SELECT extract(epoch FROM now() - min(closes_at))::float8 FROM rounds
                  WHERE status IN ('OPEN', 'CLOSED', 'SETTLING') AND closes_at < now()) AS overdue`,
      );
      const b = oneRow(backlog, 'the round backlog');
      m.settlementBacklog.set(Number(b.backlog));
      m.roundsQuarantined.set(Number(b.quarantined));
      m.overdueSeconds.set(Math.max(0, b.overdue ?? 0));
      m.escrowNonZero.set(await escrowCheck());
      return false;
    },
    { idleMs: 5000, logger: deps.logger },
  );
  const auditor = startLoop(
    'audit',
    async () => {
      if (!deps.isLeader()) return false;
      // The last full run is read from the checkpoint, so restarts and new leaders keep the rhythm.
      const lastFull = deps.auditFullEverySeconds > 0 ? await lastFullRun(deps.pool, allChecks) : null;
      const full =
        deps.auditFullEverySeconds > 0 &&
        (lastFull === null || Date.now() - lastFull.getTime() >= deps.auditFullEverySeconds * 1000);
      const report = await deps.audit({ full });
      m.auditOk.set(report.ok ? 1 : 0);
      m.auditLastRun.set(Date.now() / 1000);
      if (!report.ok)
        deps.logger.error({ audit: report.checks.filter((c) => !c.ok) }, 'AUDIT FAILED: invariants violated');
      else deps.logger.debug({ mode: report.mode, proved: report.proved }, 'audit: every invariant holds');
      return false;
    },
    { idleMs: deps.auditEverySeconds * 1000, logger: deps.logger },
  );
  return [meter, auditor];
}
