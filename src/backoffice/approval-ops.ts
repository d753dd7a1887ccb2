// Carrying out (or rejecting) a waiting approval, as one money operation of the transaction
// service: the approval row is locked, the deposit or void it names runs in the same
// transaction, and the row records the decision and the operation's answer. So the money
// moves exactly once: a second approval finds the row decided and answers the stored result.
// The requester can never decide their own request (FOUR_EYES_OWN_REQUEST here, and the
// approval_second_operator CHECK in the database).
import type { PoolClient } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { recordAudit } from '../ledger/audit-log.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import type { WalletOperation } from '../ledger/wallet-ops.ts';
import type { RoundEffect, RoundOperation } from '../betting/round-ops.ts';
import { approvalJson, type ApprovalRow } from './approvals.ts';
import { oneRow } from '../db/rows.ts';

export type ApprovalOperation = {
  type: 'decideApproval';
  approvalId: bigint;
  approve: boolean;
  /** The second operator's note, kept in the audit log. */
  reason?: string;
};

type Handler<Op, Effect = never> = (
  client: PoolClient,
  op: Op,
  ctx: OperationContext,
) => Promise<OperationResult<Effect>>;

export function approvalHandlers(run: {
  deposit: Handler<Extract<WalletOperation, { type: 'deposit' }>>;
  voidRound: Handler<RoundOperation, RoundEffect>;
}) {
  return {
    decideApproval: async (
      client: PoolClient,
      op: ApprovalOperation,
      ctx: OperationContext,
    ): Promise<OperationResult<RoundEffect>> => {
      const { rows } = await client.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [
        op.approvalId,
      ]);
      const a = rows[0];
      if (!a) throw appError('NOT_FOUND', `No approval ${op.approvalId}`);
      if (ctx.actorId === undefined || a.requested_by === ctx.actorId) {
        throw appError('FOUR_EYES_OWN_REQUEST');
      }
      if (a.status !== 'WAITING') {
        // Already carried out: the same answer again, nothing moves a second time.
        if (op.approve && a.status === 'APPROVED') return { status: 200, body: approvalJson(a) };
        throw appError('APPROVAL_DECIDED', `Approval ${a.id} is already ${a.status}`);
      }
      let done: OperationResult<RoundEffect> | undefined;
      if (op.approve) {
        done =
          a.kind === 'deposit'
            ? await run.deposit(
                client,
                { type: 'deposit', userId: a.user_id!, amount: a.amount, reference: a.reference! },
                ctx,
              )
            : await run.voidRound(
                client,
                { type: 'voidRound', roundId: a.round_id!, reason: a.reason ?? '', approvalId: a.id },
                ctx,
              );
      }
      const decided = await client.query<ApprovalRow>(
        `UPDATE approvals SET status = $2, decided_by = $3, decided_at = now(), result = $4
          WHERE id = $1 RETURNING *`,
        [a.id, op.approve ? 'APPROVED' : 'REJECTED', ctx.actorId, done ? JSON.stringify(done.body) : null],
      );
      await recordAudit(client, {
        actorId: ctx.actorId,
        action: op.approve ? 'approval.approve' : 'approval.reject',
        approvalId: a.id,
        subjectUserId: a.user_id,
        roundId: a.round_id,
        reason: op.reason ?? null,
        detail: { kind: a.kind, amount: a.amount, requestedBy: a.requested_by },
      });
      return {
        status: 200,
        body: approvalJson(oneRow(decided, 'the approval just decided')),
        // An approved void's refunds reach the after-commit path like a direct void's.
        ...(done?.effect ? { effect: done.effect } : {}),
      };
    },
  };
}
