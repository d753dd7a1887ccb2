// The one transaction service of the process, with every money operation it knows.
import type { Pool } from './db/pool.ts';
import { TransactionService } from './ledger/transaction-service.ts';
import { walletHandlers, type WalletOperation } from './ledger/wallet-ops.ts';
import type { Metrics } from './observability/metrics.ts';

export type MoneyOperation = WalletOperation;
export type MoneyService = TransactionService<MoneyOperation>;

export function createMoneyService(pool: Pool, metrics?: Metrics): MoneyService {
  return new TransactionService<MoneyOperation>(
    pool,
    { ...walletHandlers },
    {
      onRetry: (err) => metrics?.txRetries.inc({ sqlstate: (err as { code?: string }).code ?? 'unknown' }),
    },
  );
}
