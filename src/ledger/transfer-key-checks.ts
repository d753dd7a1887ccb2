// A check set of one, run by src/verify-run.ts.
// Check K: I5 on a partitioned ledger (migration 0015). The exactly-once keys of transfers live in
// transfer_keys, written by the statement trigger transfers_claim_keys; this proves the trigger is
// in force, every transfer holds the key its kind claims (colorbet_transfer_key, the one
// definition shared with the trigger), every key names a transfer, and a stake or cancel refund is
// keyed under its bet's own round. Keys of rounds archived by `colorbet partitions detach` left
// with their partitions and are not looked for.
import { offending, triggersNotInForce, type Check } from './ledger-checks.ts';

export const transferKeysComplete: Check = {
  id: 'transfer-keys',
  invariant: 'K',
  name: 'every transfer holds its exactly-once key, and every key names its transfer',
  okDetail:
    "a key row per transfer (archived rounds aside), a transfer per key row, stakes keyed under their bet's round",
  incremental:
    'the fresh transfers, each with one primary-key probe of transfer_keys; the keys-to-transfers direction only in a full run',
  find: (s) =>
    offending(
      s.db,
      `${triggersNotInForce([{ table: 'transfers', name: 'transfers_claim_keys' }])}
       UNION ALL
       SELECT 'transfer ' || t.id || ' (' || t.kind || ') does not hold its key'
       FROM ${s.fresh} t
       CROSS JOIN LATERAL colorbet_transfer_key(t.kind, t.round_id, t.bet_id, t.user_id, t.withdrawal_id, t.reference) k
       LEFT JOIN transfer_keys x ON x.round_id = k.key_round AND x.scope = k.scope AND x.key = k.key
       WHERE x.transfer_id IS DISTINCT FROM t.id
         AND NOT EXISTS (SELECT 1 FROM archived_round_ranges a
                         WHERE k.key_round >= a.from_round AND k.key_round < a.to_round)
       UNION ALL
       SELECT 'key ' || x.scope || '/' || x.round_id || '/' || x.key || ' names transfer ' || x.transfer_id
         || ', which is missing'
       FROM transfer_keys x WHERE ${s.full ? 'true' : 'false'}
         AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = x.transfer_id)
       UNION ALL
       SELECT 'transfer ' || t.id || ' (' || t.kind || ') is keyed under round ' || t.round_id
         || ' but bet ' || b.id || ' is of round ' || b.round_id
       FROM ${s.fresh} t JOIN bets b ON b.id = t.bet_id
       WHERE t.kind IN ('stake', 'cancel_refund') AND t.round_id <> b.round_id`,
    ),
};
