// Transaction-service handlers for rounds (*-ops.ts, docs/architecture.md "Naming"): an
// operator's void, direct or approved. A void is audited in its own
// transaction; an operator's direct void (no second operator) is refused once the round has
// closed and revealed its result, whatever the route saw before (issue 13: a void after the
// reveal needs a second operator's approval, backoffice/approval-ops.ts).
import type { PoolClient } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { recordAudit } from '../ledger/audit-log.ts';
import { amountJson, idJson } from '../ledger/json.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import { roundStateLock } from './locks.ts';
import type { SeedChains } from './seed-chains.ts';
import { voidRoundInDb, type SettledRound } from './settlement-writes.ts';

export type RoundOperation = {
  type: 'voidRound';
  roundId: bigint;
  reason?: string;
  /** Set when a second operator approved it; without it only an OPEN round may be voided. */
  approvalId?: bigint;
};

/** A voided round's refunds, for the after-commit path (metrics, log lines, live events). */
export type RoundEffect = { type: 'roundVoided'; round: SettledRound };

export function roundHandlers(seeds: SeedChains) {
  return {
    voidRound: async (
      client: PoolClient,
      op: RoundOperation,
      ctx: OperationContext,
    ): Promise<OperationResult<RoundEffect>> => {
      if (op.approvalId === undefined) {
        // The same lock the void takes next: the status cannot move between this check and it.
        await client.query('SELECT pg_advisory_xact_lock($1)', [roundStateLock(op.roundId)]);
        const { rows } = await client.query<{ status: string }>('SELECT status FROM rounds WHERE id = $1', [
          op.roundId,
        ]);
        const status = rows[0]?.status;
        if (status === 'CLOSED' || status === 'SETTLING') {
          throw appError(
            'APPROVAL_REQUIRED',
            `Round ${op.roundId} is ${status}: its result is revealed, so a void needs a second operator`,
          );
        }
      }
      const voided = await voidRoundInDb(client, op.roundId, ctx.actorId ?? null, seeds);
      await recordAudit(client, {
        actorId: ctx.actorId ?? null,
        action: 'round.void',
        roundId: op.roundId,
        approvalId: op.approvalId ?? null,
        reason: op.reason ?? null,
        detail: { players: voided.players, bets: voided.bets, refunded: voided.paid },
      });
      return {
        status: 200,
        body: {
          roundId: idJson(op.roundId),
          status: 'VOID',
          players: voided.players,
          bets: voided.bets,
          refunded: amountJson(voided.paid),
        },
        effect: { type: 'roundVoided', round: voided },
      };
    },
  };
}
