// The one transaction service of the process, with every money operation it knows.
import { betHandlers, type BetLimits, type BetOperation } from './betting/bet-ops.ts';
import { roundHandlers, type RoundOperation } from './betting/round-ops.ts';
import type { SettledRound } from './betting/settle.ts';
import type { Pool } from './db/pool.ts';
import { TransactionService, type OperationHandler } from './ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from './ledger/wallet-ops.ts';
import type { Metrics } from './observability/metrics.ts';

export type MoneyOperation = WalletOperation | BetOperation | RoundOperation;
export type MoneyService = TransactionService<MoneyOperation>;

export interface MoneyHooks {
  onRoundVoided?: (r: SettledRound) => void;
  /** After each operation commits (not on replays), with its answer: live events for the gateway. */
  onCommitted?: (op: MoneyOperation, body: unknown) => void;
}

export function createMoneyService(
  pool: Pool,
  limits: BetLimits,
  metrics?: Metrics,
  hooks: MoneyHooks = {},
): MoneyService {
  const handlers = {
    ...walletHandlers,
    ...betHandlers(limits),
    ...roundHandlers(hooks.onRoundVoided),
  };
  return new TransactionService<MoneyOperation>(
    pool,
    hooks.onCommitted ? reportingCommits(handlers, hooks.onCommitted) : handlers,
    {
      onRetry: (err) => metrics?.txRetries.inc({ sqlstate: sqlstate(err) }),
      onFailure: (err) => metrics?.txFailures.inc({ sqlstate: sqlstate(err) }),
    },
  );
}

const sqlstate = (err: unknown): string => (err as { code?: string }).code ?? 'none';

// Chains the hook onto each handler's afterCommit, so it runs only for committed operations.
function reportingCommits<H extends object>(
  handlers: H,
  hook: (op: MoneyOperation, body: unknown) => void,
): H {
  const wrapped: Record<string, OperationHandler<MoneyOperation>> = {};
  for (const [type, handler] of Object.entries(handlers) as [string, OperationHandler<MoneyOperation>][]) {
    wrapped[type] = async (client, op, ctx) => {
      const result = await handler(client, op, ctx);
      return { ...result, afterCommit: () => (result.afterCommit?.(), hook(op, result.body)) };
    };
  }
  return wrapped as H;
}
