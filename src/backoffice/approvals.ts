// Four eyes (issue 12): a deposit or void above the configured threshold, and any void after
// the result is revealed, is not carried out but recorded here as WAITING with who asked and
// why; a second, different operator carries it out (approval-ops.ts). Asking twice for the
// same deposit reference, or for a void of a round that already has one waiting, answers the
// same approval.
import type { Pool, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { appError } from '../errors.ts';
import { recordAudit } from '../ledger/audit-log.ts';
import { amountJson, idJson } from '../ledger/json.ts';

export interface ApprovalRow {
  id: bigint;
  kind: 'deposit' | 'void';
  status: 'WAITING' | 'APPROVED' | 'REJECTED';
  requested_by: bigint;
  requested_at: Date;
  reason: string | null;
  user_id: bigint | null;
  round_id: bigint | null;
  amount: bigint;
  reference: string | null;
  decided_by: bigint | null;
  decided_at: Date | null;
  result: unknown;
}

export type ApprovalRequest =
  | { kind: 'deposit'; userId: bigint; amount: bigint; reference: string; reason?: string }
  | { kind: 'void'; roundId: bigint; amount: bigint; reason: string };

export function approvalJson(r: ApprovalRow & { requester?: string | null; decider?: string | null }) {
  return {
    approvalId: idJson(r.id),
    kind: r.kind,
    status: r.status,
    requestedBy: idJson(r.requested_by),
    requester: r.requester ?? null,
    requestedAt: r.requested_at.toISOString(),
    reason: r.reason,
    userId: r.user_id === null ? null : idJson(r.user_id),
    roundId: r.round_id === null ? null : idJson(r.round_id),
    amount: amountJson(r.amount),
    reference: r.reference,
    decidedBy: r.decided_by === null ? null : idJson(r.decided_by),
    decider: r.decider ?? null,
    decidedAt: r.decided_at ? r.decided_at.toISOString() : null,
    result: r.result ?? null,
  };
}

/** Records a request (or finds the same one already made); moves no money. */
export async function requestApproval(
  pool: Pool,
  actorId: bigint,
  req: ApprovalRequest,
): Promise<{ approval: ApprovalRow; created: boolean }> {
  return withTransaction(pool, async (client) => {
    const inserted = await client.query<ApprovalRow>(
      req.kind === 'deposit'
        ? `INSERT INTO approvals (kind, requested_by, user_id, amount, reference, reason)
           VALUES ('deposit', $1, $2, $3, $4, $5)
           ON CONFLICT (reference) WHERE kind = 'deposit' DO NOTHING RETURNING *`
        : `INSERT INTO approvals (kind, requested_by, round_id, amount, reason)
           VALUES ('void', $1, $2, $3, $4)
           ON CONFLICT (round_id) WHERE kind = 'void' AND status = 'WAITING' DO NOTHING RETURNING *`,
      req.kind === 'deposit'
        ? [actorId, req.userId, req.amount, req.reference, req.reason ?? null]
        : [actorId, req.roundId, req.amount, req.reason],
    );
    const fresh = inserted.rows[0];
    if (fresh) {
      await recordAudit(client, {
        actorId,
        action: 'approval.request',
        approvalId: fresh.id,
        subjectUserId: fresh.user_id,
        roundId: fresh.round_id,
        reason: fresh.reason,
        detail: { kind: fresh.kind, amount: fresh.amount, reference: fresh.reference },
      });
      return { approval: fresh, created: true };
    }
    const { rows } = await client.query<ApprovalRow>(
      req.kind === 'deposit'
        ? `SELECT * FROM approvals WHERE kind = 'deposit' AND reference = $1`
        : `SELECT * FROM approvals WHERE kind = 'void' AND status = 'WAITING' AND round_id = $1`,
      [req.kind === 'deposit' ? req.reference : req.roundId],
    );
    const existing = rows[0];
    if (!existing) throw appError('UNAVAILABLE', 'The approval being requested changed meanwhile; retry');
    if (req.kind === 'deposit' && (existing.user_id !== req.userId || existing.amount !== req.amount)) {
      throw appError('DEPOSIT_REFERENCE_CONFLICT');
    }
    return { approval: existing, created: false };
  });
}

const PAGE = 50;

/** Newest first; `status` WAITING lists what a second operator can carry out. */
export async function listApprovals(db: Queryable, status: string | undefined, cursor: bigint | undefined) {
  const { rows } = await db.query<ApprovalRow & { requester: string | null; decider: string | null }>(
    `SELECT a.*, r.username AS requester, d.username AS decider
       FROM approvals a JOIN users r ON r.id = a.requested_by LEFT JOIN users d ON d.id = a.decided_by
      WHERE ($1::text IS NULL OR a.status = $1) AND a.id < $2 ORDER BY a.id DESC LIMIT ${PAGE + 1}`,
    [status ?? null, cursor ?? BigInt(Number.MAX_SAFE_INTEGER)],
  );
  const page = rows.slice(0, PAGE);
  return {
    approvals: page.map(approvalJson),
    nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
  };
}
