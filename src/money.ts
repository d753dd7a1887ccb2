// The one transaction service of the process, with every money operation it knows.
import { betHandlers, type BetLimits, type BetOperation } from './betting/bet-ops.ts';
import { roundHandlers, type RoundOperation } from './betting/round-ops.ts';
import type { SettledRound } from './betting/settle.ts';
import type { Pool } from './db/pool.ts';
import { TransactionService } from './ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from './ledger/wallet-ops.ts';
import type { Metrics } from './observability/metrics.ts';

export type MoneyOperation = WalletOperation | BetOperation | RoundOperation;
export type MoneyService = TransactionService<MoneyOperation>;

export interface MoneyHooks {
  onBetPlaced?: (roundId: bigint) => void;
  onRoundVoided?: (r: SettledRound) => void;
}

export function createMoneyService(
  pool: Pool,
  limits: BetLimits,
  metrics?: Metrics,
  hooks: MoneyHooks = {},
): MoneyService {
  return new TransactionService<MoneyOperation>(
    pool,
    { ...walletHandlers, ...betHandlers(limits, hooks.onBetPlaced), ...roundHandlers(hooks.onRoundVoided) },
    { onRetry: (err) => metrics?.txRetries.inc({ sqlstate: (err as { code?: string }).code ?? 'unknown' }) },
  );
}
