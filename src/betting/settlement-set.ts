// One chunk of a round's settlement as a single set-based statement: the settlement rule of
// settlement-rule.ts (settleBooked) computed by PostgreSQL over the chunk's bets, and its
// writes (per-player rows, payout and commission transfers, per-bet results) in the same
// statement. Nothing per bet or per player crosses to Node and back: at a million players the
// round trip of the chunk's rows cost as much CPU as the database's writes (issue 10).
// The pure rule stays the reference: test/settlement-set.test.ts holds the two equal on the
// shared vectors and on random rounds. Unique keys (round_settlements, transfer_keys) still
// make a second settlement of the same (round, player) fail, whoever tries it.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';
import { ensureRoundEscrow, systemAccountId } from '../ledger/accounts.ts';
import type { SettledRound } from './settlement-writes.ts';

export interface ChunkTerms {
  roundId: bigint;
  firstUserId: bigint;
  lastUserId: bigint;
  result: string;
  rakeBps: bigint;
  /** Return each bet's result too (for the per-bet debug log lines). */
  withBets: boolean;
}

// Parameters: $1 round, $2..$3 the chunk's user ids (inclusive), $4 the result (a side), $5 the
// rake in basis points, $6 the round's escrow account, $7 the house account, $8 return per-bet
// results. Writes: round_settlements (one row per player of the range), transfers (a payout
// escrow -> wallet when received > 0, a commission escrow -> house when commission > 0), bets
// (status SETTLED, payout, refund, settled_at; CANCELLED bets untouched). Returns one row: players,
// bets, commission, paid, the players' user ids, and the bets' results when $8. Refusals (the whole
// chunk rolls back): round_settlements_pkey as the rows are written (the player is already
// settled); then, at the end of the statement, the ledger's statement triggers on transfers
// (transfer_keys_pkey through transfers_claim_keys: a payout or commission already made;
// account_suspended; the protection limits) and bets_guard on the bets' results. The escrow
// reaching exactly 0 is checked when the round is set SETTLED (rounds_escrow_empty_when_final, I6).
//
// Per bet: a matched portion on the winning side pays 2m gross; the unmatched remainder
// (amount - cancelled - matched) is refunded. Per player: net = m won - m lost, commission
// floor(max(0, net) * rake / 10000), received = payouts + refunds - commission. A bet fully
// cancelled keeps its status; its player still gets a (zero) settlement row, as in the rule.
// Payouts go to wallets in account order, so two statements lock shared wallets alike; each
// wallet is found by its index (a scalar subquery), never by hashing every wallet.
const SETTLE_CHUNK = `
  WITH b AS MATERIALIZED (
    SELECT id, user_id, status, amount - cancelled_amount AS open, matched_amount AS m, side = $4 AS won
    FROM bets WHERE round_id = $1 AND user_id BETWEEN $2 AND $3),
  p AS MATERIALIZED (
    SELECT user_id AS u, sum(open)::bigint AS staked,
      sum(CASE WHEN won THEN m ELSE -m END)::bigint AS net,
      sum(CASE WHEN won THEN 2 * m ELSE 0 END + open - m)::bigint AS gross
    FROM b GROUP BY user_id),
  pc AS MATERIALIZED (
    SELECT u, staked, net, gross, CASE WHEN net > 0 THEN net * $5::bigint / 10000 ELSE 0 END AS c FROM p),
  rs AS (
    INSERT INTO round_settlements (round_id, user_id, outcome, staked, net, commission, received)
    SELECT $1, u, 'SETTLED', staked, net, c, gross - c FROM pc),
  tr AS (
    INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id)
    (SELECT $6::bigint, w.wallet, w.r, 'settlement', w.u, $1::bigint FROM (
       SELECT pc.u, pc.gross - pc.c AS r,
         (SELECT a.id FROM accounts a WHERE a.kind = 'player' AND a.user_id = pc.u) AS wallet
       FROM pc WHERE pc.gross - pc.c > 0) w
     ORDER BY w.wallet)
    UNION ALL
    SELECT $6, $7::bigint, c, 'commission', u, $1 FROM pc WHERE c > 0),
  bu AS (
    UPDATE bets x SET status = 'SETTLED', payout = CASE WHEN b.won THEN 2 * b.m ELSE 0 END,
      refund = b.open - b.m, settled_at = now()
    FROM b WHERE x.round_id = $1 AND x.user_id BETWEEN $2 AND $3 AND x.id = b.id AND b.status <> 'CANCELLED'
    RETURNING x.id, x.user_id, x.request_id, x.payout, x.refund)
  SELECT (SELECT count(*) FROM pc)::int AS players, (SELECT count(*) FROM b)::int AS bets,
    (SELECT coalesce(sum(c), 0) FROM pc)::bigint AS commission,
    (SELECT coalesce(sum(gross - c), 0) FROM pc)::bigint AS paid,
    ARRAY(SELECT u::text FROM pc ORDER BY u) AS user_ids,
    CASE WHEN $8 THEN (SELECT coalesce(json_agg(json_build_array(id::text, user_id::text, request_id,
      payout::text, refund::text) ORDER BY id), '[]') FROM bu) END AS bet_results`;

/** Settles the players of one chunk (user ids first..last) of a SETTLING round, in the caller's transaction. */
export async function settleChunkSet(db: Queryable, t: ChunkTerms): Promise<SettledRound> {
  const escrow = await ensureRoundEscrow(db, t.roundId);
  const house = await systemAccountId(db, 'house');
  const { rows } = await db.query<{
    players: number;
    bets: number;
    commission: bigint;
    paid: bigint;
    user_ids: string[];
    bet_results: [string, string, string | null, string, string][] | null;
  }>(SETTLE_CHUNK, [t.roundId, t.firstUserId, t.lastUserId, t.result, t.rakeBps, escrow, house, t.withBets]);
  const r = oneRow(rows, `the settlement summary of round ${t.roundId}`);
  return {
    roundId: t.roundId,
    outcome: 'SETTLED',
    players: r.players,
    bets: r.bets,
    commission: r.commission,
    paid: r.paid,
    userIds: r.user_ids.map((u) => BigInt(u)),
    betResults: (r.bet_results ?? []).map(([betId, userId, requestId, payout, refund]) => ({
      betId,
      userId,
      requestId,
      payout: BigInt(payout),
      refund: BigInt(refund),
    })),
  };
}
