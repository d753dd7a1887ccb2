// A check set, run by src/verify-run.ts.
// Invariant checks over rounds, bets, matches and settlements (I5, I6, I9 and the game's own
// consistency: M, R; docs/invariants.md). Like the ledger checks, each query returns the
// offending rows. They are scoped by round: a full run proves every round; an incremental run
// proves the rounds final since the checkpoint, the rounds still in play, and final rounds that
// fresh transfers touch (src/verify-run.ts builds that list). A final round's rows never change again
// (rounds_guard, bets_guard, the append-only triggers), so a round proved once stays proved
// until --full.

import { offending, type Check } from '../ledger/ledger-checks.ts';
import { seedChainsHold } from './fairness-checks.ts';

export const exactlyOnceSettlement: Check = {
  id: 'exactly-once',
  invariant: 'I5',
  name: 'each settlement, refund and cancellation applies once, by unique keys',
  okDetail:
    'unique keys present; every settled player paid exactly what was computed; every cancel refunded once',
  incremental: 'the catalog, and the bets and settlements of the rounds in scope',
  find: (s) =>
    offending(
      s.db,
      `SELECT want.name AS missing_unique_index FROM (VALUES ('transfer_keys_pkey'), ('round_settlements_pkey')) AS want(name)
       WHERE NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = want.name AND schemaname = current_schema())
       UNION ALL
       SELECT 'round ' || r.id || ' player ' || b.user_id || ' has bets but no settlement'
       FROM rounds r JOIN bets b ON b.round_id = r.id
       WHERE ${s.roundIn('r.id')} AND r.status IN ('SETTLED', 'VOID')
         AND NOT EXISTS (SELECT 1 FROM round_settlements s WHERE s.round_id = r.id AND s.user_id = b.user_id)
       UNION ALL
       SELECT 'round ' || s.round_id || ' player ' || s.user_id || ' received ' || s.received || ' but was paid ' || coalesce(t.paid, 0)
       FROM round_settlements s LEFT JOIN LATERAL (
         -- Through the exactly-once key (transfers is partitioned by id; check K proves the keys).
         SELECT sum(t.amount) AS paid FROM transfer_keys k JOIN transfers t ON t.id = k.transfer_id
         WHERE k.round_id = s.round_id AND k.scope = 'payout' AND k.key = s.user_id::text) t ON true
       WHERE ${s.roundIn('s.round_id')} AND s.received <> coalesce(t.paid, 0)
       UNION ALL
       SELECT 'bet ' || b.id || ' cancelled ' || b.cancelled_amount || ' but refunded ' || coalesce(t.amount, 0)
       FROM bets b LEFT JOIN LATERAL (
         SELECT t.amount FROM transfer_keys k JOIN transfers t ON t.id = k.transfer_id
         WHERE k.round_id = b.round_id AND k.scope = 'cancel' AND k.key = b.id::text) t ON true
       WHERE ${s.roundIn('b.round_id')} AND b.cancelled_amount <> coalesce(t.amount, 0)`,
    ),
};

export const escrowEmpty: Check = {
  id: 'escrow-empty',
  invariant: 'I6',
  name: 'settled and voided rounds hold nothing in escrow',
  okDetail: 'escrow balance is 0 for every SETTLED or VOID round',
  incremental:
    'the escrow of each final round in scope or touched by a fresh transfer: its carried sum plus its fresh transfers',
  find: (s) =>
    offending(
      s.db,
      `WITH touched AS (SELECT credit_account_id AS id FROM ${s.fresh} f UNION SELECT debit_account_id FROM ${s.fresh} f)
       SELECT r.id AS round_id, r.status, coalesce(c.balance, 0) + coalesce(cr.s, 0) - coalesce(db.s, 0) AS escrow_balance
       FROM rounds r JOIN accounts a ON a.kind = 'escrow' AND a.round_id = r.id
       LEFT JOIN ${s.carried} c ON c.account_id = a.id
       LEFT JOIN LATERAL (SELECT sum(amount) AS s FROM ${s.fresh} f WHERE f.credit_account_id = a.id) cr ON true
       LEFT JOIN LATERAL (SELECT sum(amount) AS s FROM ${s.fresh} f WHERE f.debit_account_id = a.id) db ON true
       WHERE r.status IN ('SETTLED', 'VOID')
         AND (${s.roundIn('r.id')}${s.full ? '' : ' OR a.id IN (SELECT id FROM touched)'})
         AND coalesce(c.balance, 0) + coalesce(cr.s, 0) - coalesce(db.s, 0) <> 0`,
    ),
};

export const matchesConsistent: Check = {
  id: 'matches',
  invariant: 'M',
  name: 'matches are even, cross-player, opposite-side and add up to each bet',
  okDetail:
    'every match pairs two players on opposite sides; matched amounts agree with the matches; each booked bet has its own place in the book',
  incremental: 'the matches and bets of the rounds in scope',
  find: (s) =>
    offending(
      s.db,
      `SELECT 'match ' || m.id || ' pairs ' || a.user_id || '/' || b.user_id || ' ' || a.side || '/' || b.side AS problem
       FROM matches m JOIN bets a ON a.id = m.bet_id JOIN bets b ON b.id = m.against_bet_id
       WHERE ${s.roundIn('m.round_id')}
         AND (a.user_id = b.user_id OR a.side = b.side OR a.round_id <> m.round_id OR b.round_id <> m.round_id)
       UNION ALL
       SELECT 'bet ' || b.id || ' matched_amount ' || b.matched_amount || ' but matches sum to ' || coalesce(x.s, 0)
       FROM bets b LEFT JOIN LATERAL (
         -- The round first: matches are partitioned by round and indexed (round_id, bet_id, ...).
         SELECT sum(amount) AS s FROM matches
         WHERE round_id = b.round_id AND (bet_id = b.id OR against_bet_id = b.id)) x ON true
       WHERE ${s.roundIn('b.round_id')} AND b.matched_amount <> coalesce(x.s, 0)
       UNION ALL
       SELECT 'round ' || b.round_id || ' gives book place ' || b.seq || ' to ' || count(*) || ' bets'
       FROM bets b WHERE ${s.roundIn('b.round_id')} AND b.seq IS NOT NULL
       GROUP BY b.round_id, b.seq HAVING count(*) > 1
       UNION ALL
       SELECT 'bet ' || b.id || ' payout ' || b.payout || ' + refund ' || b.refund || ' exceeds its stake'
       FROM bets b WHERE ${s.roundIn('b.round_id')} AND b.status = 'SETTLED' AND b.payout + b.refund > 2 * b.amount`,
    ),
};

export const acknowledgedBetsKept: Check = {
  id: 'bets-kept',
  invariant: 'I9',
  name: 'every accepted bet exists with its stake in escrow',
  okDetail:
    'each bet has exactly its stake transfer; each 202 answer has its bet; final rounds have only final bets (SETTLED, VOID or CANCELLED), and a settling round only for its paid players',
  incremental:
    'the bets of the rounds in scope; idempotency keys created since ten minutes before the last run began (kept keys are bounded by IDEMPOTENCY_RETENTION_HOURS anyway)',
  find: (s) =>
    offending(
      s.db,
      `SELECT 'bet ' || b.id || ' has stake ' || coalesce(t.amount, 0) || ' for amount ' || b.amount AS problem
       FROM bets b LEFT JOIN LATERAL (
         SELECT t.amount FROM transfer_keys k JOIN transfers t ON t.id = k.transfer_id
         WHERE k.round_id = b.round_id AND k.scope = 'stake' AND k.key = b.id::text) t ON true
       WHERE ${s.roundIn('b.round_id')} AND t.amount IS DISTINCT FROM b.amount
       UNION ALL
       SELECT 'answered 202 for bet ' || (k.response ->> 'betId') || ' which does not exist'
       FROM idempotency_keys k
       WHERE k.created_at >= ${s.keysSince} AND k.status_code = 202 AND k.response ? 'betId'
         AND NOT EXISTS (SELECT 1 FROM bets b WHERE b.id = (k.response ->> 'betId')::bigint)
         -- A bet of an archived round left with its partition (colorbet partitions detach).
         AND NOT EXISTS (SELECT 1 FROM archived_round_ranges a
                         WHERE (k.response ->> 'roundId')::bigint >= a.from_round
                           AND (k.response ->> 'roundId')::bigint < a.to_round)
       UNION ALL
       SELECT 'bet ' || b.id || ' is ' || b.status || ' in a ' || r.status || ' round'
       FROM bets b JOIN rounds r ON r.id = b.round_id
       WHERE ${s.roundIn('r.id')}
         AND ((r.status IN ('SETTLED', 'VOID') AND b.status NOT IN ('SETTLED', 'VOID', 'CANCELLED'))
          OR (r.status NOT IN ('SETTLED', 'VOID') AND b.status IN ('SETTLED', 'VOID')
              -- A round settling in chunks: its paid players' bets are SETTLED already.
              AND NOT (r.status = 'SETTLING' AND b.status = 'SETTLED' AND EXISTS (
                SELECT 1 FROM round_settlements s WHERE s.round_id = b.round_id AND s.user_id = b.user_id))))`,
    ),
};

export const roundTotalsKept: Check = {
  id: 'round-totals',
  invariant: 'R',
  name: 'round totals (the read model) agree with the bets',
  okDetail: 'bets, stakes, matched and cancelled amounts per round and side equal the sums over the bets',
  incremental: 'the totals and bets of the rounds in scope',
  find: (s) =>
    offending(
      s.db,
      `SELECT coalesce(b.round_id, t.round_id) AS round_id, coalesce(b.side, t.side) AS side,
              b.bets AS bets, t.bets AS totals_bets, b.staked, t.staked AS totals_staked,
              b.matched, t.matched AS totals_matched, b.cancelled, t.cancelled AS totals_cancelled
       FROM (SELECT round_id, side, count(*) AS bets, sum(amount) AS staked, sum(matched_amount) AS matched,
                    sum(cancelled_amount) AS cancelled FROM bets
             WHERE ${s.roundIn('round_id')} GROUP BY round_id, side) b
       FULL JOIN (SELECT round_id, side, sum(bets) AS bets, sum(staked) AS staked, sum(matched) AS matched,
                    sum(cancelled) AS cancelled FROM round_totals
                  WHERE ${s.roundIn('round_id')}
                    -- An archived round's bets left with their partition; its totals stay.
                    AND NOT EXISTS (SELECT 1 FROM archived_round_ranges a
                                    WHERE round_id >= a.from_round AND round_id < a.to_round)
                  GROUP BY round_id, side) t
         ON t.round_id = b.round_id AND t.side = b.side
       WHERE (b.bets, b.staked, b.matched, b.cancelled) IS DISTINCT FROM (t.bets, t.staked, t.matched, t.cancelled)`,
    ),
};

export const bettingChecks: Check[] = [
  exactlyOnceSettlement,
  escrowEmpty,
  matchesConsistent,
  acknowledgedBetsKept,
  roundTotalsKept,
  seedChainsHold,
];
