// withTransaction: one short transaction, retried on serialization failures and deadlocks.
import { isRetryable } from '../errors.ts';
import type { Pool, PoolClient } from './pool.ts';

export interface TransactionOptions {
  retries?: number;
  isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
  onRetry?: (err: unknown) => void;
}

export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation}` : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (attempt < retries && isRetryable(err)) {
        options.onRetry?.(err);
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
        continue;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
