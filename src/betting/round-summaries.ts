// The read model of many rounds: totals of a page of rounds in one query, for the operator's
// round table (one page of history must not cost one query per round). Reads only.
import type { Queryable } from '../db/pool.ts';
import type { SideTotals } from './rounds.ts';

export interface RoundSummary {
  totals: Record<string, SideTotals>;
  players: bigint;
}

export async function roundSummaries(
  db: Queryable,
  rounds: readonly { id: bigint; sides: readonly string[] }[],
): Promise<Map<bigint, RoundSummary>> {
  const out = new Map<bigint, RoundSummary>();
  for (const r of rounds) {
    const totals: Record<string, SideTotals> = {};
    for (const side of r.sides) totals[side] = { matched: 0n, unmatched: 0n, bets: 0n };
    out.set(r.id, { totals, players: 0n });
  }
  if (!rounds.length) return out;
  const ids = rounds.map((r) => r.id);
  const totals = await db.query<{
    round_id: bigint;
    side: string;
    matched: bigint;
    unmatched: bigint;
    bets: bigint;
  }>(
    `SELECT round_id, side, sum(matched)::bigint AS matched, sum(staked - matched - cancelled)::bigint AS unmatched,
            sum(bets)::bigint AS bets
     FROM round_totals WHERE round_id = ANY($1::bigint[]) GROUP BY round_id, side`,
    [ids],
  );
  for (const row of totals.rows) {
    const summary = out.get(row.round_id);
    if (summary)
      summary.totals[row.side] = { matched: row.matched, unmatched: row.unmatched, bets: row.bets };
  }
  // Players: a settled round has one settlement row per player; an unsettled one is counted
  // from its bets (distinct players cannot be summed from deltas).
  const players = await db.query<{ round_id: bigint; players: bigint }>(
    `SELECT r.id AS round_id,
            CASE WHEN r.status IN ('SETTLED', 'VOID')
                 THEN (SELECT count(*) FROM round_settlements s WHERE s.round_id = r.id)
                 ELSE (SELECT count(DISTINCT user_id) FROM bets b WHERE b.round_id = r.id) END AS players
     FROM rounds r WHERE r.id = ANY($1::bigint[])`,
    [ids],
  );
  for (const row of players.rows) {
    const summary = out.get(row.round_id);
    if (summary) summary.players = row.players;
  }
  return out;
}
