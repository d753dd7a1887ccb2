// One pg.Pool per process. BIGINT columns arrive as bigint so money never passes
// through a JavaScript number by accident (I1).
import pg from 'pg';

pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => BigInt(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** How long to wait for a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** SET ROLE at connect (the service's least-privilege role); a plain SQL identifier. */
  role?: string;
  /** Told once per idle connection the server drops (restart, shutdown, network). */
  onConnectionLost?: (err: Error) => void;
}

function sqlIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

export function createPool(connectionString: string, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    application_name: options.applicationName ?? 'colorbet',
    // Short transactions only: a stuck statement must not hold wallet locks for long.
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(options.role ? { options: `-c role=${sqlIdentifier(options.role)}` } : {}),
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => options.onConnectionLost?.(err));
  // A checked-out client has no 'error' listener of the pool's, and pg emits 'error' when its
  // connection ends (server shutdown, crash) even though the running query already rejected
  // with the same error. The caller sees that rejection; the event must not crash the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
