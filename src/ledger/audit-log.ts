// The back-office audit log (migration 0019): one append-only row per action a person took
// (grants, approvals, voids, suspensions), written in the same transaction as the action, so
// an action without its row cannot commit. The database refuses any change to a row.
import type { Queryable } from '../db/pool.ts';
import { idJson } from './json.ts';

export interface AuditEntry {
  /** Who acted; null for the service itself. */
  actorId: bigint | null;
  /** What happened, dotted lowercase: 'role.grant', 'approval.request', 'round.void', ... */
  action: string;
  subjectUserId?: bigint | null;
  roundId?: bigint | null;
  approvalId?: bigint | null;
  reason?: string | null;
  detail?: Record<string, unknown>;
}

/** Appends one entry; returns its id. */
export async function recordAudit(db: Queryable, e: AuditEntry): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO audit_log (actor_id, action, subject_user_id, round_id, approval_id, reason, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      e.actorId,
      e.action,
      e.subjectUserId ?? null,
      e.roundId ?? null,
      e.approvalId ?? null,
      e.reason ?? null,
      JSON.stringify(e.detail ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('audit_log insert returned no id');
  return row.id;
}

const PAGE = 50;

/** Newest first, optionally one subject's or one action's entries, cursor-paginated. */
export async function listAuditLog(
  db: Queryable,
  filter: { subjectUserId?: bigint; action?: string; cursor?: bigint },
) {
  const { rows } = await db.query<{
    id: bigint;
    at: Date;
    actor_id: bigint | null;
    actor: string | null;
    action: string;
    subject_user_id: bigint | null;
    subject: string | null;
    round_id: bigint | null;
    approval_id: bigint | null;
    reason: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT l.*, a.username AS actor, s.username AS subject
       FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users s ON s.id = l.subject_user_id
      WHERE l.id < $1 AND ($2::bigint IS NULL OR l.subject_user_id = $2) AND ($3::text IS NULL OR l.action = $3)
      ORDER BY l.id DESC LIMIT ${PAGE + 1}`,
    [filter.cursor ?? BigInt(Number.MAX_SAFE_INTEGER), filter.subjectUserId ?? null, filter.action ?? null],
  );
  const page = rows.slice(0, PAGE);
  return {
    entries: page.map((r) => ({
      id: idJson(r.id),
      at: r.at.toISOString(),
      actorId: r.actor_id === null ? null : idJson(r.actor_id),
      actor: r.actor,
      action: r.action,
      subjectUserId: r.subject_user_id === null ? null : idJson(r.subject_user_id),
      subject: r.subject,
      roundId: r.round_id === null ? null : idJson(r.round_id),
      approvalId: r.approval_id === null ? null : idJson(r.approval_id),
      reason: r.reason,
      detail: r.detail,
    })),
    nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
  };
}
