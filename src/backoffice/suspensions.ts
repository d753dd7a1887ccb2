// Suspension (issue 12): support or an operator stops a player's stakes and withdrawals while
// the funds stay in the wallet. The refusal itself is the database's (transfers_refuse_suspended,
// migration 0019), so every path that stakes or holds money obeys it; bet placement also checks
// first so one suspended player does not fail a whole batch (betting/bet-restrictions.ts).
// Both changes are audited in their own transaction.
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { appError } from '../errors.ts';
import { recordAudit } from '../ledger/audit-log.ts';
import { idJson } from '../ledger/json.ts';

interface SuspensionRow {
  user_id: bigint;
  username: string;
  suspended_by: bigint;
  suspended_by_name: string | null;
  suspended_at: Date;
  reason: string;
}

const suspensionJson = (r: SuspensionRow) => ({
  userId: idJson(r.user_id),
  username: r.username,
  suspended: true,
  suspendedBy: r.suspended_by_name,
  suspendedAt: r.suspended_at.toISOString(),
  reason: r.reason,
});

const SELECT = `SELECT s.*, u.username, b.username AS suspended_by_name
  FROM account_suspensions s JOIN users u ON u.id = s.user_id LEFT JOIN users b ON b.id = s.suspended_by`;

async function requirePlayer(db: Queryable, userId: bigint): Promise<string> {
  const { rows } = await db.query<{ role: string; username: string }>(
    'SELECT role, username FROM users WHERE id = $1',
    [userId],
  );
  const user = rows[0];
  if (!user || user.role !== 'player') throw appError('NOT_FOUND', `No player ${userId}`);
  return user.username;
}

/** The player's suspension as an answer: suspended or not. */
export async function suspensionOf(db: Queryable, userId: bigint) {
  const username = await requirePlayer(db, userId);
  const { rows } = await db.query<SuspensionRow>(`${SELECT} WHERE s.user_id = $1`, [userId]);
  const row = rows[0];
  return row
    ? suspensionJson(row)
    : {
        userId: idJson(userId),
        username,
        suspended: false,
        suspendedBy: null,
        suspendedAt: null,
        reason: null,
      };
}

/** Suspends (already suspended: unchanged, not audited again). */
export async function suspendPlayer(pool: Pool, actorId: bigint, userId: bigint, reason: string) {
  return withTransaction(pool, async (client) => {
    await requirePlayer(client, userId);
    const { rowCount } = await client.query(
      `INSERT INTO account_suspensions (user_id, suspended_by, reason) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, actorId, reason],
    );
    if (rowCount)
      await recordAudit(client, { actorId, action: 'player.suspend', subjectUserId: userId, reason });
    return suspensionOf(client, userId);
  });
}

/** Reinstates (not suspended: unchanged, not audited). */
export async function reinstatePlayer(pool: Pool, actorId: bigint, userId: bigint, reason: string) {
  return withTransaction(pool, async (client) => {
    await requirePlayer(client, userId);
    const { rows } = await client.query<{ reason: string; suspended_at: Date }>(
      'DELETE FROM account_suspensions WHERE user_id = $1 RETURNING reason, suspended_at',
      [userId],
    );
    const was = rows[0];
    if (was) {
      await recordAudit(client, {
        actorId,
        action: 'player.reinstate',
        subjectUserId: userId,
        reason,
        detail: { suspendedAt: was.suspended_at.toISOString(), suspendedFor: was.reason },
      });
    }
    return suspensionOf(client, userId);
  });
}

const PAGE = 50;

export async function listSuspensions(db: Queryable, cursor: bigint | undefined) {
  const { rows } = await db.query<SuspensionRow>(
    `${SELECT} WHERE s.user_id < $1 ORDER BY s.user_id DESC LIMIT ${PAGE + 1}`,
    [cursor ?? BigInt(Number.MAX_SAFE_INTEGER)],
  );
  const page = rows.slice(0, PAGE);
  return {
    suspensions: page.map(suspensionJson),
    nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.user_id) : null,
  };
}
