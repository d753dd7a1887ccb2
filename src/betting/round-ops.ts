// Operator round actions for the transaction service.
import type { PoolClient } from '../db/pool.ts';
import { amountJson, idJson } from '../ledger/json.ts';
import type { OperationContext, OperationResult } from '../ledger/transaction-service.ts';
import type { SeedChains } from './seed-chains.ts';
import { voidRoundInDb, type SettledRound } from './settle.ts';

export type RoundOperation = { type: 'voidRound'; roundId: bigint };

export function roundHandlers(seeds: SeedChains, onVoided?: (r: SettledRound) => void) {
  return {
    voidRound: async (
      client: PoolClient,
      op: RoundOperation,
      ctx: OperationContext,
    ): Promise<OperationResult> => {
      const voided = await voidRoundInDb(client, op.roundId, ctx.actorId ?? null, seeds);
      return {
        status: 200,
        body: {
          roundId: idJson(op.roundId),
          status: 'VOID',
          players: voided.players,
          bets: voided.bets,
          refunded: amountJson(voided.paid),
        },
        afterCommit: () => onVoided?.(voided),
      };
    },
  };
}
