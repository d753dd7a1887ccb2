// Integrity signals for support (docs/reports.md, "Integrity signals"): each is a simple test
// statistic with a fixed threshold, listed with the evidence behind it. A signal is a reason to
// look, not a finding. Each reads a bounded window through indexes: matches and bets by the
// round range (their partition key and primary key prefix), deposits through the cash account
// (every deposit debits it: transfers_by_debit).
import type { Queryable } from '../db/pool.ts';

export const THRESHOLDS = {
  /** Pair: matched against each other at least this many times what chance gives... */
  pairRatio: 3,
  /** ...in at least this many rounds of the window. */
  pairRounds: 5,
  /** Timing: at least this many intervals between a player's bets... */
  timingIntervals: 20,
  /** ...whose coefficient of variation (stddev / mean) is below this. */
  timingCv: 0.1,
  /** Funding: one source funding at least this many accounts. */
  sourceAccounts: 3,
} as const;

export interface PairSignal {
  userA: bigint;
  userB: bigint;
  nameA: string;
  nameB: string;
  /** Rounds in which the two were matched against each other. */
  rounds: bigint;
  /** Amount matched between them (minor units). */
  observed: bigint;
  /** What chance gives: per round, A's matched stake x B's matched stake / the round's matched volume. */
  expected: number;
  ratio: number;
}

export interface TimingSignal {
  userId: bigint;
  username: string;
  bets: bigint;
  meanSeconds: number;
  stddevSeconds: number;
  cv: number;
}

export interface SourceSignal {
  source: string;
  accounts: bigint;
  deposits: bigint;
  amount: bigint;
  users: { userId: bigint; username: string }[];
}

/**
 * Pairs of players matched against each other far above chance in rounds [fromRound, toRound].
 * Under chance (a player's matched stake spread over the other side in proportion to stake),
 * the amount A and B match in a round is m_A * m_B / M, with m_X the stake X matched on
 * opposite sides and M the round's matched volume. Observed / expected summed over the window.
 */
export async function pairSignals(db: Queryable, fromRound: bigint, toRound: bigint): Promise<PairSignal[]> {
  const { rows } = await db.query<PairSignal>(
    `WITH m AS (
       SELECT m.round_id, least(a.user_id, b.user_id) AS u1, greatest(a.user_id, b.user_id) AS u2, m.amount
       FROM matches m
       JOIN bets a ON a.round_id = m.round_id AND a.id = m.bet_id
       JOIN bets b ON b.round_id = m.round_id AND b.id = m.against_bet_id
       WHERE m.round_id BETWEEN $1 AND $2
     ),
     pairs AS (
       SELECT u1, u2, count(DISTINCT round_id) AS rounds, sum(amount)::bigint AS observed
       FROM m GROUP BY u1, u2 HAVING count(DISTINCT round_id) >= $3
     ),
     volume AS (SELECT round_id, sum(amount) AS total FROM m GROUP BY round_id),
     stake AS (
       SELECT round_id, user_id, side, sum(matched_amount) AS matched
       FROM bets WHERE round_id BETWEEN $1 AND $2 AND matched_amount > 0
         AND user_id IN (SELECT u1 FROM pairs UNION SELECT u2 FROM pairs)
       GROUP BY round_id, user_id, side
     ),
     expected AS (
       SELECT p.u1, p.u2, sum(s1.matched::numeric * s2.matched / v.total) AS expected
       FROM pairs p
       JOIN stake s1 ON s1.user_id = p.u1
       JOIN stake s2 ON s2.user_id = p.u2 AND s2.round_id = s1.round_id AND s2.side <> s1.side
       JOIN volume v ON v.round_id = s1.round_id
       GROUP BY p.u1, p.u2
     )
     SELECT p.u1 AS "userA", p.u2 AS "userB", ua.username AS "nameA", ub.username AS "nameB",
            p.rounds, p.observed, e.expected::float8 AS expected,
            (p.observed / nullif(e.expected, 0))::float8 AS ratio
     FROM pairs p JOIN expected e USING (u1, u2)
     JOIN users ua ON ua.id = p.u1 JOIN users ub ON ub.id = p.u2
     WHERE p.observed >= $4 * e.expected
     ORDER BY ratio DESC, p.observed DESC LIMIT 100`,
    [fromRound, toRound, THRESHOLDS.pairRounds, THRESHOLDS.pairRatio],
  );
  return rows;
}

/**
 * Players whose bets in rounds [fromRound, toRound] come at intervals too regular for a person:
 * the coefficient of variation of the time between consecutive bets (in placement order).
 */
export async function timingSignals(
  db: Queryable,
  fromRound: bigint,
  toRound: bigint,
): Promise<TimingSignal[]> {
  const { rows } = await db.query<TimingSignal>(
    `WITH gaps AS (
       SELECT user_id,
              extract(epoch FROM placed_at - lag(placed_at) OVER (PARTITION BY user_id ORDER BY placed_at, id)) AS gap
       FROM bets WHERE round_id BETWEEN $1 AND $2
     ),
     stats AS (
       SELECT user_id, count(gap) AS intervals, avg(gap) AS mean, stddev_samp(gap) AS sd
       FROM gaps WHERE gap IS NOT NULL GROUP BY user_id HAVING count(gap) >= $3
     )
     SELECT s.user_id AS "userId", u.username, s.intervals + 1 AS bets, s.mean::float8 AS "meanSeconds",
            s.sd::float8 AS "stddevSeconds", (s.sd / s.mean)::float8 AS cv
     FROM stats s JOIN users u ON u.id = s.user_id
     WHERE s.mean > 0 AND s.sd / s.mean < $4
     ORDER BY cv, s.user_id LIMIT 100`,
    [fromRound, toRound, THRESHOLDS.timingIntervals, THRESHOLDS.timingCv],
  );
  return rows;
}

/**
 * The source of a deposit: its reference up to the first ':' (`card-4242:2026-11-29-1` comes
 * from `card-4242`), as the operator's deposit form writes it (docs/reports.md).
 */
export const SOURCE_OF_REFERENCE = `split_part(t.reference, ':', 1)`;

/** Deposit sources (since `since`) that funded at least THRESHOLDS.sourceAccounts accounts. */
export async function sourceSignals(db: Queryable, since: Date): Promise<SourceSignal[]> {
  const { rows } = await db.query<Omit<SourceSignal, 'users'> & { ids: bigint[]; names: string[] }>(
    `WITH deposits AS (
       SELECT ${SOURCE_OF_REFERENCE} AS source, t.user_id, t.amount
       FROM transfers t
       WHERE t.debit_account_id = (SELECT id FROM accounts WHERE kind = 'cash')
         AND t.kind = 'deposit' AND t.created_at >= $1 AND t.reference LIKE '%:%'
         -- The service's own references name a channel, not a payer (demo funds, the provider).
         AND ${SOURCE_OF_REFERENCE} NOT IN ('demo', 'payment')
     )
     SELECT d.source, count(DISTINCT d.user_id) AS accounts, count(*) AS deposits, sum(d.amount)::bigint AS amount,
            array_agg(DISTINCT d.user_id ORDER BY d.user_id) AS ids,
            (SELECT array_agg(u.username ORDER BY u.id) FROM users u
              WHERE u.id IN (SELECT user_id FROM deposits x WHERE x.source = d.source)) AS names
     FROM deposits d GROUP BY d.source HAVING count(DISTINCT d.user_id) >= $2
     ORDER BY accounts DESC, source LIMIT 100`,
    [since, THRESHOLDS.sourceAccounts],
  );
  return rows.map(({ ids, names, ...r }) => ({
    ...r,
    // The driver gives bigint[] as strings.
    users: ids.map((userId, i) => ({ userId: BigInt(userId), username: names[i] ?? '' })),
  }));
}
