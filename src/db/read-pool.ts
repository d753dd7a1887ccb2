// Where reads that may lag go (DATABASE_READ_URL): wallet history, a player's bet list, round
// lists and reports. Money decisions never come here; they read the primary (`deps.pool`).
//
// With a replica, each read goes to it; a replica that cannot be reached, or that cancels a read
// in a recovery conflict, costs a retry on the primary and never an error, since these reads
// change nothing. After a connection failure the replica is left alone for a few seconds, so
// that reads do not each wait for it while it is down.
import type { Pool } from './pool.ts';

/** What the read paths need: `query` (promise form only). The primary pool is one too. */
export type ReadPool = Pick<Pool, 'query'>;

export type ReplicaFailure = 'unreachable' | 'conflict';

// SQLSTATE class 08 (connection), 53300 (too many connections), 57P01-57P03 (shutting down,
// crashed, starting) and the socket-level ways a connection fails.
const UNREACHABLE =
  /^(08...|53300|57P0[1-3]|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)$/;
// A hot standby cancels a read whose rows replay needs to remove (serialization failure, or a
// deadlock on a buffer pin): the primary answers the same read without conflict.
const CONFLICT = /^(40001|40P01)$/;

/** Why a read failed on the replica when the primary may answer it; undefined when it would not. */
export function replicaFailure(err: unknown): ReplicaFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.test(code)) return 'unreachable';
  if (typeof code === 'string' && CONFLICT.test(code)) return 'conflict';
  if (/Connection terminated|timeout exceeded when trying to connect|connection error/i.test(err.message))
    return 'unreachable';
  return undefined;
}

export interface ReadRouting {
  /** How long the replica is skipped after it could not be reached. */
  retryAfterMs?: number;
  /** Told each time the primary answers a read meant for the replica (`skipped`: it failed lately). */
  onFallback?: (reason: ReplicaFailure | 'skipped', err?: Error) => void;
}

type AnyQuery = (...args: unknown[]) => Promise<unknown>;

export function routeReads(primary: Pool, replica: Pool, options: ReadRouting = {}): ReadPool {
  const retryAfterMs = options.retryAfterMs ?? 5000;
  let skipUntil = 0;
  const onPrimary = primary.query.bind(primary) as AnyQuery;
  const onReplica = replica.query.bind(replica) as AnyQuery;
  const query: AnyQuery = async (...args) => {
    if (Date.now() >= skipUntil) {
      try {
        return await onReplica(...args);
      } catch (err) {
        const reason = replicaFailure(err);
        if (reason === undefined) throw err;
        if (reason === 'unreachable') skipUntil = Date.now() + retryAfterMs;
        options.onFallback?.(reason, err as Error);
      }
    } else {
      options.onFallback?.('skipped');
    }
    return onPrimary(...args);
  };
  return { query: query as Pool['query'] };
}
