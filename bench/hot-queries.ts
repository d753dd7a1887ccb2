// The hot queries of the money path and the read API, and EXPLAIN ANALYZE of each: used by
// `bench --large` (before and after its 10^7-row preload) and bench/explain-at-scale.ts (10^8).
import type { Queryable } from '../src/db/pool.ts';

export interface HotQuery {
  name: string;
  sql: string;
  params: unknown[];
}

export interface QueryPlan {
  name: string;
  ms: number;
  /** No node scans a relation that has pages sequentially. */
  indexOnly: boolean;
  /** Sequential scans of relations with no pages at all (a partitioned table's future partitions). */
  emptySeqScans: number;
  plan: string;
}

/** "yes", "yes (N empty partitions scanned)" or a bold "no", for the benches' tables. */
export function onIndex(p: QueryPlan): string {
  if (!p.indexOnly) return '**no**';
  return p.emptySeqScans > 0 ? `yes (and ${p.emptySeqScans} empty partitions scanned)` : 'yes';
}

/**
 * EXPLAIN ANALYZE of each hot query: its time and whether any node scans a table with rows
 * sequentially. PostgreSQL scans an empty partition sequentially (there is nothing to index), so
 * each Seq Scan's relation is looked up and only one with pages counts against the query.
 */
export async function explain(pool: Queryable, queries: HotQuery[]): Promise<QueryPlan[]> {
  const out: QueryPlan[] = [];
  for (const q of queries) {
    // Twice: the first run warms the cache, the second is the figure.
    let plan = '';
    for (let i = 0; i < 2; i++) {
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, COSTS OFF) ${q.sql}`,
        q.params,
      );
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    }
    const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
    const top =
      plan
        .split('\n')
        .filter((l) => /Scan|Index/.test(l))
        .map((l) => l.trim().replace(/^->\s*/, ''))[0] ?? '';
    const seqScanned = [...plan.matchAll(/Seq Scan on (\S+)/g)].map((m) => m[1]!);
    const { rows: sizes } = await pool.query<{ bytes: string }>(
      'SELECT pg_relation_size(to_regclass(r))::text AS bytes FROM unnest($1::text[]) AS r',
      [seqScanned],
    );
    const empty = sizes.filter((r) => r.bytes === '0').length;
    out.push({
      name: q.name,
      ms,
      indexOnly: empty === seqScanned.length,
      emptySeqScans: empty,
      plan: top.replace(/\s+\(actual.*$/, ''),
    });
  }
  return out;
}

export function hotQueries(roundId: bigint, userId: bigint, accountId: bigint): HotQuery[] {
  return [
    {
      name: 'wallet balance (GET /v1/wallet)',
      sql: 'SELECT balance, last_entry_id FROM account_balance WHERE account_id = $1',
      params: [accountId],
    },
    {
      name: 'wallet history page (GET /v1/wallet/transactions)',
      sql: `SELECT * FROM ((SELECT * FROM transfers WHERE debit_account_id = $1 AND id < $2 ORDER BY id DESC LIMIT 50)
            UNION ALL (SELECT * FROM transfers WHERE credit_account_id = $1 AND id < $2 ORDER BY id DESC LIMIT 50)) t
            ORDER BY id DESC LIMIT 50`,
      params: [accountId, '9223372036854775807'],
    },
    {
      name: "player's bets page (GET /v1/bets)",
      sql: 'SELECT * FROM bets WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT 50',
      params: [userId, '9223372036854775807'],
    },
    {
      name: 'overdraft guard row (every stake)',
      sql: 'SELECT balance FROM wallet_guard WHERE account_id = $1',
      params: [accountId],
    },
    {
      name: 'stake once per bet (I5 key probe, transfer_keys)',
      sql: `SELECT 1 FROM transfer_keys WHERE round_id = $1 AND scope = 'stake' AND key = $2`,
      params: [roundId, '1'],
    },
    {
      name: 'settlement once per (round, player) (I5 key probe, transfer_keys)',
      sql: `SELECT 1 FROM transfer_keys WHERE round_id = $1 AND scope = 'payout' AND key = $2`,
      params: [roundId, String(userId)],
    },
    {
      name: 'a bet by its id alone (GET /v1/bets/:id, cancel)',
      sql: 'SELECT * FROM bets WHERE id = $1',
      params: [1],
    },
    {
      name: 'unbooked bets of a round (matching pass)',
      sql: 'SELECT bet_id FROM unbooked_bets WHERE round_id = $1 ORDER BY bet_id LIMIT 10000',
      params: [roundId],
    },
    {
      name: 'projection: next ledger entries',
      sql: 'SELECT id FROM transfers WHERE txid >= $1::xid8 ORDER BY txid, id LIMIT 5000',
      params: ['0'],
    },
  ];
}
