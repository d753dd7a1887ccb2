// Players' balances as of the last commit, read from their overdraft guard rows. The guard
// moves in the same transaction as every transfer, so unlike the asynchronous projection
// (GET /v1/wallet) it is never behind; a plain SELECT takes no lock on it.
import type { Queryable } from '../db/pool.ts';

export async function walletGuardBalances(
  db: Queryable,
  userIds: readonly bigint[],
): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  if (!userIds.length) return balances;
  const { rows } = await db.query<{ user_id: bigint; balance: bigint }>(
    `SELECT a.user_id, g.balance FROM accounts a JOIN wallet_guard g ON g.account_id = a.id
     WHERE a.kind = 'player' AND a.user_id = ANY($1::bigint[])`,
    [userIds],
  );
  for (const r of rows) balances.set(r.user_id.toString(), r.balance);
  return balances;
}
