// Accounts: one wallet per player, one escrow per round, and the singletons (house, cash,
// withdrawal_hold). Account rows never change, so their ids are cached per process.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';

export type SystemAccount = 'house' | 'cash' | 'withdrawal_hold';

const systemIds = new Map<string, bigint>();

export async function systemAccountId(db: Queryable, kind: SystemAccount): Promise<bigint> {
  const cached = systemIds.get(kind);
  if (cached !== undefined) return cached;
  const { rows } = await db.query<{ id: bigint }>('SELECT id FROM accounts WHERE kind = $1', [kind]);
  const id = rows[0]?.id;
  if (id === undefined) throw new Error(`system account ${kind} is missing: run colorbet migrate`);
  systemIds.set(kind, id);
  return id;
}

/** Creates the wallet account and its overdraft guard row; call inside the registering transaction. */
export async function openPlayerWallet(db: Queryable, userId: bigint): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `WITH account AS (INSERT INTO accounts (kind, user_id) VALUES ('player', $1) RETURNING id)
     INSERT INTO wallet_guard (account_id) SELECT id FROM account RETURNING account_id AS id`,
    [userId],
  );
  return oneRow(rows, `the wallet guard of user ${userId}`).id;
}

export async function playerWalletId(db: Queryable, userId: bigint): Promise<bigint | undefined> {
  const { rows } = await db.query<{ id: bigint }>(
    `SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1`,
    [userId],
  );
  return rows[0]?.id;
}

/**
 * The escrow account of a round, inserted when it is missing (the unique index settles races);
 * its id either way. Call it inside the transaction that moves money into or out of the round.
 */
export async function ensureRoundEscrow(db: Queryable, roundId: bigint): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `WITH created AS (
       INSERT INTO accounts (kind, round_id) VALUES ('escrow', $1)
       ON CONFLICT (round_id) WHERE kind = 'escrow' DO NOTHING RETURNING id)
     SELECT id FROM created UNION ALL
     SELECT id FROM accounts WHERE kind = 'escrow' AND round_id = $1
     LIMIT 1`,
    [roundId],
  );
  return oneRow(rows, `the escrow account of round ${roundId}`).id;
}
