// Account restrictions on bet placement (issue 12 item 5), decided per bet inside the batch's
// transaction, after the wallets are locked:
//   SUSPENDED     the player is suspended (account_suspensions, read with the wallet guards).
//                 The database refuses the stake anyway (transfers_refuse_suspended); checking
//                 first keeps one suspended player from failing a whole batch.
//   EXPOSURE_CAP  the player's stakes in the round (placed less cancelled, plus this bet and
//                 their earlier bets of the batch) would pass MAX_EXPOSURE_PER_ROUND.
// No statement at all without a cap; with one, one statement per batch (bets_by_round_user).
// It runs after the wallet locks, which serialise a player's batches, so it sees every earlier
// bet of the player that committed.
import type { PoolClient } from '../db/pool.ts';
import { appError, type AppError } from '../errors.ts';

const STAKED = `
  SELECT user_id, round_id, sum(amount - cancelled_amount)::bigint AS staked
    FROM bets WHERE round_id = ANY ($2::bigint[]) AND user_id = ANY ($1::bigint[])
   GROUP BY user_id, round_id`;

type Bet = { userId: bigint; roundId: bigint; amount: bigint };

export interface BetRestrictions {
  /** The refusal for this bet, or undefined. */
  check(op: Bet): AppError | undefined;
  /** Counts an accepted bet towards its player's stakes in the round. */
  accept(op: Bet): void;
}

export async function betRestrictions(
  client: PoolClient,
  suspended: ReadonlySet<bigint>,
  userIds: bigint[],
  roundIds: bigint[],
  maxExposurePerRound: bigint | undefined,
): Promise<BetRestrictions> {
  const cap = maxExposurePerRound ?? 0n;
  const staked = new Map<string, bigint>();
  const key = (op: { userId: bigint; roundId: bigint }) => `${op.userId}:${op.roundId}`;
  if (cap > 0n) {
    const { rows } = await client.query<{ user_id: bigint; round_id: bigint; staked: bigint }>({
      name: 'bets-staked',
      text: STAKED,
      values: [userIds, roundIds],
    });
    for (const r of rows) staked.set(key({ userId: r.user_id, roundId: r.round_id }), r.staked);
  }
  return {
    check(op) {
      if (suspended.has(op.userId)) return appError('SUSPENDED');
      if (cap > 0n) {
        const already = staked.get(key(op)) ?? 0n;
        if (already + op.amount > cap) {
          return appError(
            'EXPOSURE_CAP',
            `Stakes in one round are at most ${cap}; you have ${already} in this round`,
            { maxExposurePerRound: Number(cap), staked: Number(already) },
          );
        }
      }
      return undefined;
    },
    accept(op) {
      if (cap > 0n) staked.set(key(op), (staked.get(key(op)) ?? 0n) + op.amount);
    },
  };
}
