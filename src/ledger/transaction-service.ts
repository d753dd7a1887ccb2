// The transaction service: every money write goes through submit(). It takes a list of
// operations and answers each; one database transaction carries the whole list, with a
// savepoint per operation so that one refused operation does not undo the others. Routes
// never open transactions, so batching many requests into one commit changes nothing above.
import type { Pool, PoolClient } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { AppError, fromPgError } from '../errors.ts';
import { claimKey, storeResponse, type IdempotencyClaim, type StoredResponse } from './idempotency.ts';

export interface OperationContext {
  requestId?: string | undefined;
  actorId?: bigint | undefined;
}

export interface OperationResult {
  status: number;
  body: unknown;
  /** Runs after the transaction committed (events to notify, metrics). */
  afterCommit?: () => void;
}

export type OperationHandler<Op> = (
  client: PoolClient,
  op: Op,
  ctx: OperationContext,
) => Promise<OperationResult>;

export interface Submission<Op> {
  op: Op;
  ctx?: OperationContext;
  idempotency?: IdempotencyClaim;
}

export type Outcome =
  { ok: true; status: number; body: unknown; replayed: boolean } | { ok: false; error: AppError };

type Handlers<Op extends { type: string }> = {
  [K in Op['type']]: OperationHandler<Extract<Op, { type: K }>>;
};

export class TransactionService<Op extends { type: string }> {
  constructor(
    private readonly pool: Pool,
    private readonly handlers: Handlers<Op>,
    private readonly hooks: { onRetry?: (err: unknown) => void; onFailure?: (err: unknown) => void } = {},
  ) {}

  async run(submission: Submission<Op>): Promise<Outcome> {
    const [outcome] = await this.submit([submission]);
    return outcome!;
  }

  private async transact<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withTransaction(this.pool, fn, { onRetry: this.hooks.onRetry });
    } catch (err) {
      if (!(err instanceof AppError) && !fromPgError(err)) this.hooks.onFailure?.(err);
      throw err;
    }
  }

  /** Many operations in one transaction, each under its own savepoint, each answered. */
  async submit(submissions: readonly Submission<Op>[]): Promise<Outcome[]> {
    const after: (() => void)[] = [];
    const outcomes = await this.transact(async (client) => {
      after.length = 0;
      const answers: Outcome[] = [];
      for (const [i, submission] of submissions.entries()) {
        answers.push(await this.apply(client, submission, `op_${i}`, after));
      }
      return answers;
    });
    for (const fn of after) fn();
    return outcomes;
  }

  private async apply(
    client: PoolClient,
    { op, ctx = {}, idempotency }: Submission<Op>,
    savepoint: string,
    after: (() => void)[],
  ): Promise<Outcome> {
    // The key is claimed outside the operation's savepoint, so that a refused operation keeps
    // its key row: a concurrent request with the same key waits on it and then replays this
    // answer instead of running the operation a second time.
    if (idempotency) {
      try {
        const stored = await claimKey(client, idempotency);
        if (stored) return replay(stored);
      } catch (err) {
        if (err instanceof AppError) return { ok: false, error: err };
        throw err;
      }
    }
    await client.query(`SAVEPOINT ${savepoint}`);
    try {
      const handler = this.handlers[op.type as Op['type']] as OperationHandler<Op>;
      const result = await handler(client, op, ctx);
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      if (idempotency) await storeResponse(client, idempotency, result);
      if (result.afterCommit) after.push(result.afterCommit);
      return { ok: true, status: result.status, body: result.body, replayed: false };
    } catch (err) {
      const error = err instanceof AppError ? err : fromPgError(err);
      if (!error || error.code === 'UNAVAILABLE') throw err;
      await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      // The first answer to a key is the answer, refusals included.
      if (idempotency)
        await storeResponse(client, idempotency, { status: error.status, body: error.toBody() });
      return { ok: false, error };
    }
  }
}

function replay(stored: StoredResponse): Outcome {
  if (stored.status >= 400) {
    const body = stored.body as { error?: { code?: string; message?: string; details?: unknown } };
    const code = (body.error?.code ?? 'INTERNAL') as ConstructorParameters<typeof AppError>[0];
    return { ok: false, error: new AppError(code, body.error?.message, body.error?.details) };
  }
  return { ok: true, status: stored.status, body: stored.body, replayed: true };
}
