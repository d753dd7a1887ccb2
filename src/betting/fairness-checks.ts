// A check set of one, run by src/verify-run.ts.
// The fairness check of `colorbet verify`: every round belongs to a seed chain and published the
// hash the chain commits it to (the chain's commitment for its first round, else the seed the
// round before revealed, since seed n-1 = sha256(seed n)); every revealed seed hashes to its
// round's hash and to the seed revealed one round earlier in the chain; every result is the one
// its seed gives. Triggers refuse each of these as it happens (migrations 0003 and 0016); this
// finds rows changed around them.
import { offending, type Check } from '../ledger/ledger-checks.ts';

export const seedChainsHold: Check = {
  id: 'seed-chains',
  invariant: 'F',
  name: 'every round is committed by its seed chain and reveals the seed that gives its result',
  okDetail:
    'each round publishes what its chain commits it to; each revealed seed links to the one before and gives the recorded result',
  incremental: 'the rounds in scope, each with its chain and the round before it',
  find: (s) =>
    offending(
      s.db,
      `WITH r AS (
         SELECT r.id, r.server_seed_hash, r.server_seed, r.result, r.sides, c.id AS chain_id, c.first_round_id,
                c.length, c.commitment, p.server_seed AS prev_seed
         FROM rounds r
         LEFT JOIN LATERAL (SELECT * FROM seed_chains c WHERE c.first_round_id <= r.id
                            ORDER BY c.first_round_id DESC LIMIT 1) c ON true
         LEFT JOIN rounds p ON p.id = r.id - 1
         WHERE r.id IN (${s.rounds}))
       SELECT 'round ' || id || ' is in no seed chain' AS problem
       FROM r WHERE chain_id IS NULL OR id >= first_round_id + length
       UNION ALL
       SELECT 'round ' || id || ' starts chain ' || chain_id || ' but publishes ' || server_seed_hash
         || ', not its commitment ' || commitment
       FROM r WHERE id = first_round_id AND server_seed_hash <> commitment
       UNION ALL
       SELECT 'round ' || id || ' publishes ' || server_seed_hash || ' but round ' || (id - 1) || ' revealed '
         || coalesce(prev_seed, 'no seed')
       FROM r WHERE id > first_round_id AND server_seed_hash IS DISTINCT FROM prev_seed
       UNION ALL
       SELECT 'round ' || id || ' reveals a seed that does not hash to its published hash'
       FROM r WHERE encode(sha256(decode(server_seed, 'hex')), 'hex') <> server_seed_hash
       UNION ALL
       SELECT 'chain ' || chain_id || ': sha256 of the seed of round ' || id || ' is not the seed round '
         || (id - 1) || ' revealed'
       FROM r WHERE id > first_round_id AND encode(sha256(decode(server_seed, 'hex')), 'hex') <> prev_seed
       UNION ALL
       SELECT 'round ' || id || ' recorded ' || result || ' but its seed gives '
         || coalesce(colorbet_round_result(server_seed, id, sides), 'nothing (no seed revealed)')
       FROM r WHERE result IS NOT NULL AND result IS DISTINCT FROM colorbet_round_result(server_seed, id, sides)`,
    ),
};
