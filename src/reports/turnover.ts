// Turnover and gross gaming yield (docs/reports.md). A round counts on the UTC day it opened.
// Per round the figures come from its totals (round_totals, folded to one row per side once the
// round is final) and its settlement rows (round_settlements, by the primary key's round
// prefix), never from a scan of the bets or the ledger:
//   staked      every stake placed;
//   cancelled   unmatched parts the players cancelled (refunded at once);
//   voided      what a void refunded (staked - cancelled of a VOID round);
//   turnover    staked - cancelled - voided: the stakes that stood;
//   matched     the stakes matched against the other side (both sides counted);
//   commission  the house's commission: the gross gaming yield of a peer-to-peer game, where
//               players win from each other and the house keeps only its commission.
import type { Queryable } from '../db/pool.ts';

export interface RoundFigures {
  bets: bigint;
  staked: bigint;
  cancelled: bigint;
  voided: bigint;
  turnover: bigint;
  matched: bigint;
  commission: bigint;
}

export interface TurnoverDay extends RoundFigures {
  day: string;
  rounds: bigint;
  voidedRounds: bigint;
}

export interface RoundCommission extends RoundFigures {
  roundId: bigint;
  status: string;
  opensAt: Date;
  players: bigint;
}

// Per round of `scope` (a CTE of rounds: id, status, opens_at): its figures.
const PER_ROUND = `
  totals AS (
    SELECT rt.round_id, sum(rt.bets) AS bets, sum(rt.staked) AS staked, sum(rt.cancelled) AS cancelled,
           sum(rt.matched) AS matched
    FROM round_totals rt WHERE rt.round_id IN (SELECT id FROM scope) GROUP BY rt.round_id
  ),
  settled AS (
    SELECT rs.round_id, sum(rs.commission) AS commission, count(*) AS players
    FROM round_settlements rs WHERE rs.round_id IN (SELECT id FROM scope) GROUP BY rs.round_id
  ),
  per_round AS (
    SELECT s.id, s.status, s.opens_at, coalesce(t.bets, 0) AS bets, coalesce(t.staked, 0) AS staked,
           coalesce(t.cancelled, 0) AS cancelled,
           CASE WHEN s.status = 'VOID' THEN coalesce(t.staked - t.cancelled, 0) ELSE 0 END AS voided,
           coalesce(t.matched, 0) AS matched, coalesce(c.commission, 0) AS commission,
           coalesce(c.players, 0) AS players
    FROM scope s LEFT JOIN totals t ON t.round_id = s.id LEFT JOIN settled c ON c.round_id = s.id
  )`;

/** One row per UTC day in [from, to) on which a round opened. */
export async function turnoverByDay(db: Queryable, from: Date, to: Date): Promise<TurnoverDay[]> {
  const { rows } = await db.query<TurnoverDay>(
    `WITH scope AS (SELECT id, status, opens_at FROM rounds WHERE opens_at >= $1 AND opens_at < $2),
     ${PER_ROUND}
     SELECT to_char(opens_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS rounds,
            count(*) FILTER (WHERE status = 'VOID') AS "voidedRounds",
            sum(bets)::bigint AS bets, sum(staked)::bigint AS staked, sum(cancelled)::bigint AS cancelled,
            sum(voided)::bigint AS voided, sum(staked - cancelled - voided)::bigint AS turnover,
            sum(matched)::bigint AS matched, sum(commission)::bigint AS commission
     FROM per_round GROUP BY 1 ORDER BY 1`,
    [from, to],
  );
  return rows;
}

/** Rounds newest first, below `beforeRound`: each round's figures and commission. */
export async function commissionByRound(
  db: Queryable,
  opts: { beforeRound?: bigint; limit: number },
): Promise<{ rounds: RoundCommission[]; more: boolean }> {
  const { rows } = await db.query<RoundCommission>(
    `WITH scope AS (
       SELECT id, status, opens_at FROM rounds WHERE id < $1 ORDER BY id DESC LIMIT $2
     ),
     ${PER_ROUND}
     SELECT id AS "roundId", status, opens_at AS "opensAt", players, bets::bigint, staked::bigint,
            cancelled::bigint, voided::bigint, (staked - cancelled - voided)::bigint AS turnover,
            matched::bigint, commission::bigint
     FROM per_round ORDER BY id DESC`,
    [opts.beforeRound ?? BigInt(Number.MAX_SAFE_INTEGER), opts.limit + 1],
  );
  return { rounds: rows.slice(0, opts.limit), more: rows.length > opts.limit };
}
