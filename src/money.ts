// The one transaction service of the process, with every money operation it knows.
import { approvalHandlers, type ApprovalOperation } from './backoffice/approval-ops.ts';
import { betBatchHandlers, betHandlers, type BetLimits, type BetOperation } from './betting/bet-ops.ts';
import { roundHandlers, type RoundEffect, type RoundOperation } from './betting/round-ops.ts';
import type { SeedChains } from './betting/seed-chains.ts';
import type { Pool } from './db/pool.ts';
import type { GroupCommitOptions } from './ledger/group-commit.ts';
import { TransactionService, type Committed } from './ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from './ledger/wallet-ops.ts';
import type { Metrics } from './observability/metrics.ts';

export type MoneyOperation = WalletOperation | BetOperation | RoundOperation | ApprovalOperation;
/** What a money operation did beyond its answer: only a void says more (its refunds). */
export type MoneyEffect = RoundEffect;
export type MoneyService = TransactionService<MoneyOperation, MoneyEffect>;
export type CommittedMoney = Committed<MoneyOperation, MoneyEffect>;

export interface MoneyHooks {
  /**
   * Once per committed batch (replays excluded), after COMMIT, with each operation's answer and
   * effect: the one after-commit path (cli/money-effects.ts: metrics, log lines, live events).
   */
  onCommitted?: (committed: CommittedMoney[]) => void;
}

export function createMoneyService(
  pool: Pool,
  limits: BetLimits & { groupCommit?: GroupCommitOptions },
  seeds: SeedChains,
  metrics?: Metrics,
  hooks: MoneyHooks = {},
): MoneyService {
  const rounds = roundHandlers(seeds);
  const handlers = {
    ...walletHandlers,
    ...betHandlers(limits),
    ...rounds,
    // A second operator carries out a waiting deposit or void with the same handlers.
    ...approvalHandlers({ deposit: walletHandlers.deposit, voidRound: rounds.voidRound }),
  };
  return new TransactionService<MoneyOperation, MoneyEffect>(
    pool,
    handlers,
    {
      onRetry: (err) => metrics?.txRetries.inc({ sqlstate: sqlstate(err) }),
      onFailure: (err) => metrics?.txFailures.inc({ sqlstate: sqlstate(err) }),
      onBatch: (size, waiting) => {
        metrics?.batchSize.observe(size);
        metrics?.batchWaiting.set(waiting);
      },
      ...(hooks.onCommitted ? { onCommitted: hooks.onCommitted } : {}),
    },
    {
      batchHandlers: betBatchHandlers(limits),
      ...(limits.groupCommit ? { groupCommit: limits.groupCommit } : {}),
    },
  );
}

const sqlstate = (err: unknown): string => (err as { code?: string }).code ?? 'none';
