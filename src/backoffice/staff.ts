// Named back-office accounts (issue 12, AGCO 1.19-1.21): one account per person, one role each.
// An operator grants or revokes roles through the API; each change is audited in its own
// transaction, and the account is then signed out everywhere (its next login carries the new
// role). A player never becomes staff nor the reverse (the users_role_side trigger), and nobody
// changes their own role, so the operator making a change always stays one.
import type { StaffRole } from '../auth/tokens.ts';
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { appError } from '../errors.ts';
import { recordAudit } from '../ledger/audit-log.ts';
import { idJson } from '../ledger/json.ts';

export type StaffRoleOrNone = StaffRole | 'none';

interface StaffRow {
  id: bigint;
  username: string;
  role: StaffRoleOrNone;
  created_at: Date;
}

const staffJson = (r: StaffRow) => ({
  userId: idJson(r.id),
  username: r.username,
  role: r.role,
  createdAt: r.created_at.toISOString(),
});

/** Every back-office account, revoked ones included (role 'none'), oldest first. */
export async function listStaff(db: Queryable) {
  const { rows } = await db.query<StaffRow>(
    `SELECT id, username, role, created_at FROM users WHERE role <> 'player' ORDER BY id LIMIT 1000`,
  );
  return { staff: rows.map(staffJson) };
}

/** Sets a back-office account's role ('none' revokes); `changed` says whether it moved. */
export async function setStaffRole(
  pool: Pool,
  actorId: bigint,
  userId: bigint,
  role: StaffRoleOrNone,
  reason: string,
): Promise<{ account: ReturnType<typeof staffJson>; changed: boolean }> {
  if (userId === actorId) throw appError('ROLE_CHANGE_REFUSED', 'Nobody changes their own role');
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<StaffRow>(
      'SELECT id, username, role, created_at FROM users WHERE id = $1 FOR UPDATE',
      [userId],
    );
    const user = rows[0];
    if (!user) throw appError('NOT_FOUND', `No user ${userId}`);
    if ((user.role as string) === 'player') {
      throw appError('ROLE_CHANGE_REFUSED', 'A player account cannot hold a back-office role');
    }
    if (user.role === role) return { account: staffJson(user), changed: false };
    await client.query('UPDATE users SET role = $2 WHERE id = $1', [userId, role]);
    await recordAudit(client, {
      actorId,
      action: role === 'none' ? 'role.revoke' : 'role.grant',
      subjectUserId: userId,
      reason,
      detail: { from: user.role, to: role },
    });
    return { account: staffJson({ ...user, role }), changed: true };
  });
}
