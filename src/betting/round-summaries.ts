// Totals of many rounds in one query, for the operator's round table (one page of history
// must not cost one query per round).
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
  const { rows } = await db.query<{
    round_id: bigint;
    side: string | null;
    matched: bigint;
    unmatched: bigint;
    bets: bigint;
    players: bigint;
  }>(
    `SELECT round_id, side, coalesce(sum(matched_amount), 0)::bigint AS matched,
            coalesce(sum(amount - matched_amount - cancelled_amount), 0)::bigint AS unmatched,
            count(*) AS bets, count(DISTINCT user_id) AS players
     FROM bets WHERE round_id = ANY($1::bigint[]) GROUP BY GROUPING SETS ((round_id, side), (round_id))`,
    [rounds.map((r) => r.id)],
  );
  for (const row of rows) {
    const summary = out.get(row.round_id);
    if (!summary) continue;
    // The (round_id) grouping set has side NULL and counts each player once per round.
    if (row.side === null) summary.players = row.players;
    else summary.totals[row.side] = { matched: row.matched, unmatched: row.unmatched, bets: row.bets };
  }
  return out;
}
