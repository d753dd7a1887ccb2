// The one transaction service of the process, with every money operation it knows.
import { approvalHandlers, type ApprovalOperation } from './backoffice/approval-ops.ts';
import { betBatchHandlers, betHandlers, type BetLimits, type BetOperation } from './betting/bet-ops.ts';
import { roundHandlers, type RoundOperation } from './betting/round-ops.ts';
import type { SeedChains } from './betting/seed-chains.ts';
import type { SettledRound } from './betting/settle.ts';
import type { Pool } from './db/pool.ts';
import type { GroupCommitOptions } from './ledger/group-commit.ts';
import { TransactionService } from './ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from './ledger/wallet-ops.ts';
import type { Metrics } from './observability/metrics.ts';

export type MoneyOperation = WalletOperation | BetOperation | RoundOperation | ApprovalOperation;
export type MoneyService = TransactionService<MoneyOperation>;

export interface MoneyHooks {
  onRoundVoided?: (r: SettledRound) => void;
  /** Once per committed batch (replays excluded), with each operation's answer: live events. */
  onCommitted?: (committed: { op: MoneyOperation; body: unknown }[]) => void;
}

export function createMoneyService(
  pool: Pool,
  limits: BetLimits & { groupCommit?: GroupCommitOptions },
  seeds: SeedChains,
  metrics?: Metrics,
  hooks: MoneyHooks = {},
): MoneyService {
  const rounds = roundHandlers(seeds, hooks.onRoundVoided);
  const handlers = {
    ...walletHandlers,
    ...betHandlers(limits),
    ...rounds,
    // A second operator carries out a waiting deposit or void with the same handlers.
    ...approvalHandlers({ deposit: walletHandlers.deposit, voidRound: rounds.voidRound }),
  };
  return new TransactionService<MoneyOperation>(
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
