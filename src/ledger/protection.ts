// Player protection at the moment money moves (migration 0021, docs/player-protection.md):
// a stake or deposit of a player with a protection row is refused while they are self-excluded
// or timed out, or when it would take them past a deposit, stake or loss limit. The caller holds
// the players' wallet guard locks, so the room read here cannot change before the transfer is
// written; the transfer's statement trigger checks the same function again (the backstop).
//
// Cost: players without a protection row pay nothing here (placement reads a flag in its
// existing statement); a batch with protected players pays one more statement, which sums at
// most 25 + 169 + 721 hourly usage rows per protected player (three index range scans).
import type { PoolClient } from '../db/pool.ts';
import { appError, type AppError } from '../errors.ts';

export interface ProtectionRoom {
  excludedUntil: Date | null;
  timeoutUntil: Date | null;
  /** How much more may be deposited now; null: no deposit limit. */
  depositRoom: bigint | null;
  /** How much more may be staked now (the least of the stake and loss limits' room); null: none. */
  betRoom: bigint | null;
  /** The database's clock when the room was read. */
  now: Date;
}

const READ_ROOM = `
  SELECT r.user_id, r.excluded_until, r.timeout_until, r.deposit_room, r.bet_room, now() AS now
  FROM colorbet_protection_room($1::bigint[]) r`;

/** The room of each protected player among `userIds`; players without a protection row are absent. */
export async function readProtectionRoom(
  client: PoolClient,
  userIds: readonly bigint[],
): Promise<Map<bigint, ProtectionRoom>> {
  const { rows } = await client.query<{
    user_id: bigint;
    excluded_until: Date | null;
    timeout_until: Date | null;
    deposit_room: bigint | null;
    bet_room: bigint | null;
    now: Date;
  }>({ name: 'protection-room', text: READ_ROOM, values: [userIds] });
  return new Map(
    rows.map((r) => [
      r.user_id,
      {
        excludedUntil: r.excluded_until,
        timeoutUntil: r.timeout_until,
        depositRoom: r.deposit_room,
        betRoom: r.bet_room,
        now: r.now,
      },
    ]),
  );
}

/**
 * Why a stake or deposit of `amount` is refused, in this order: SELF_EXCLUDED, TIMED_OUT,
 * LIMIT_REACHED; undefined when it may go ahead. `used` is what earlier operations of the same
 * batch already took from the room.
 */
export function protectionRefusal(
  room: ProtectionRoom | undefined,
  kind: 'bet' | 'deposit',
  amount: bigint,
  used = 0n,
): AppError | undefined {
  if (!room) return undefined;
  if (room.excludedUntil && room.excludedUntil > room.now) {
    return appError('SELF_EXCLUDED', undefined, { until: room.excludedUntil.toISOString() });
  }
  if (room.timeoutUntil && room.timeoutUntil > room.now) {
    return appError('TIMED_OUT', undefined, { until: room.timeoutUntil.toISOString() });
  }
  const limit = kind === 'bet' ? room.betRoom : room.depositRoom;
  if (limit !== null && amount + used > limit) {
    const left = limit - used > 0n ? limit - used : 0n;
    return appError(
      'LIMIT_REACHED',
      kind === 'bet'
        ? `This bet would pass one of your stake or loss limits; you can stake ${left} more now`
        : `This deposit would pass one of the player's deposit limits; ${left} more is allowed now`,
      { kind, remaining: Number(left) },
    );
  }
  return undefined;
}

/** Locks the wallet's guard row (the transfer would take it anyway) and refuses a deposit the player ruled out. */
export async function checkDeposit(
  client: PoolClient,
  userId: bigint,
  walletId: bigint,
  amount: bigint,
): Promise<void> {
  await client.query({
    name: 'protection-lock-wallet',
    text: 'SELECT 1 FROM wallet_guard WHERE account_id = $1 FOR UPDATE',
    values: [walletId],
  });
  const room = (await readProtectionRoom(client, [userId])).get(userId);
  const refused = protectionRefusal(room, 'deposit', amount);
  if (refused) throw refused;
}
