// Users: registration opens a wallet in the same transaction; login checks the scrypt hash.
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { appError } from '../errors.ts';
import { openPlayerWallet } from '../ledger/accounts.ts';
import { assertNotThrottled, clearLoginFailures, recordLoginFailure } from './login-throttle.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { Principal, Role } from './tokens.ts';
import { oneRow } from '../db/rows.ts';

export async function createUser(
  pool: Pool,
  username: string,
  password: string,
  role: Role,
  options: { demo?: boolean } = {},
): Promise<Principal> {
  const passwordHash = await hashPassword(password);
  try {
    return await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: bigint }>(
        'INSERT INTO users (username, password_hash, role, demo) VALUES ($1, $2, $3, $4) RETURNING id',
        [username, passwordHash, role, options.demo === true],
      );
      const userId = oneRow(rows, 'the id of the user just inserted').id;
      if (role === 'player') await openPlayerWallet(client, userId);
      return { userId, role, username };
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw appError('USERNAME_TAKEN');
    throw err;
  }
}

export async function authenticate(db: Queryable, username: string, password: string): Promise<Principal> {
  await assertNotThrottled(db, username);
  const { rows } = await db.query<{ id: bigint; password_hash: string; role: Role; username: string }>(
    'SELECT id, password_hash, role, username FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  const user = rows[0];
  // Hash even for unknown users so timing does not reveal which usernames exist.
  const { ok, needsRehash } = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
  if (!user || !ok) {
    await recordLoginFailure(db, username);
    throw appError('INVALID_CREDENTIALS');
  }
  await clearLoginFailures(db, username);
  // Stored with older, weaker parameters: today's hash replaces it while we know the password.
  if (needsRehash) {
    await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      user.id,
      await hashPassword(password),
    ]);
  }
  return { userId: user.id, role: user.role, username: user.username };
}

export async function userExists(db: Queryable, userId: bigint): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [userId]);
  return rowCount === 1;
}
