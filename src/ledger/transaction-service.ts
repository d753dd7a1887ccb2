// The transaction service: every money write goes through run() or submit(). One database
// transaction carries a whole batch of operations and answers each:
//   1. every idempotency key of the batch is claimed in one statement (claimKeys);
//   2. the operations are applied in arrival order: a run of consecutive operations of a type
//      with a batch handler (bet placement) goes to that handler in one set-based call; any
//      other operation runs under its own savepoint, so a refusal undoes only itself;
//   3. every claimed key's answer is stored in one statement (storeResponses);
//   4. after COMMIT, onCommitted gets the whole batch once: each committed operation with its
//      answer and its effect (what it did beyond the answer, e.g. a voided round's refunds).
//      It is the one path for after-commit effects: nothing runs after COMMIT but it.
// run() goes through group commit (group-commit.ts) unless the window is 0. If a batch fails
// for a reason that is not a refusal, each of its operations is retried alone, so one broken
// operation never fails its neighbours and no batch is ever half-applied.
import type { Pool, PoolClient } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { AppError, fromPgError } from '../errors.ts';
import { GroupCommit, type GroupCommitOptions } from './group-commit.ts';
import {
  claimId,
  claimKeys,
  storeResponses,
  type ClaimDay,
  type IdempotencyClaim,
  type StoredResponse,
} from './idempotency.ts';

export interface OperationContext {
  requestId?: string | undefined;
  actorId?: bigint | undefined;
}

/** `Effect` is what an operation did beyond its answer; `never` for those that say nothing more. */
export interface OperationResult<Effect = never> {
  status: number;
  body: unknown;
  /** Handed to onCommitted with the operation once the transaction committed, never before. */
  effect?: Effect;
}

export type OperationHandler<Op, Effect = never> = (
  client: PoolClient,
  op: Op,
  ctx: OperationContext,
) => Promise<OperationResult<Effect>>;

/** A committed operation, as onCommitted receives it (replays are not committed again). */
export interface Committed<Op, Effect = never> {
  op: Op;
  body: unknown;
  effect?: Effect;
}

export interface Submission<Op> {
  op: Op;
  ctx?: OperationContext;
  idempotency?: IdempotencyClaim;
}

export type Outcome =
  { ok: true; status: number; body: unknown; replayed: boolean } | { ok: false; error: AppError };

type Handlers<Op extends { type: string }, Effect> = {
  [K in Op['type']]: OperationHandler<Extract<Op, { type: K }>, Effect>;
};

/** Applies many operations of one type at once, in arrival order; a refusal is an AppError answer. */
export type BatchHandler<Op, Effect = never> = (
  client: PoolClient,
  items: readonly { op: Op; ctx: OperationContext }[],
) => Promise<(OperationResult<Effect> | AppError)[]>;

type BatchHandlers<Op extends { type: string }, Effect> = {
  [K in Op['type']]?: BatchHandler<Extract<Op, { type: K }>, Effect>;
};

export interface ServiceHooks<Op, Effect = never> {
  onRetry?: (err: unknown) => void;
  onFailure?: (err: unknown) => void;
  /**
   * Once per committed batch, after COMMIT, with every operation it committed (replays
   * excluded) and their effects: the only after-commit path (events, metrics, log lines).
   */
  onCommitted?: (committed: Committed<Op, Effect>[]) => void;
  /** Once per batch handed to the database: its size and what still waits. */
  onBatch?: (size: number, waiting: number) => void;
}

export interface ServiceOptions<Op extends { type: string }, Effect = never> {
  batchHandlers?: BatchHandlers<Op, Effect>;
  /** Group commit; without it (or with windowMs 0) every run() is its own transaction. */
  groupCommit?: GroupCommitOptions;
}

export class TransactionService<Op extends { type: string }, Effect = never> {
  private readonly group: GroupCommit<Submission<Op>, Outcome> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly handlers: Handlers<Op, Effect>,
    private readonly hooks: ServiceHooks<Op, Effect> = {},
    private readonly options: ServiceOptions<Op, Effect> = {},
  ) {
    const group = options.groupCommit;
    this.group =
      group && group.windowMs > 0
        ? new GroupCommit((batch) => this.settle(batch), group, hooks.onBatch)
        : undefined;
  }

  /** One operation, answered; batched with its neighbours in time when group commit is on. */
  async run(submission: Submission<Op>): Promise<Outcome> {
    if (this.group) return this.group.submit(submission);
    this.hooks.onBatch?.(1, 0);
    const [result] = await this.settle([submission]);
    if (!result) throw new Error('a batch of one gave no answer');
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }

  /** Many operations in one transaction, each answered; throws if the transaction fails. */
  async submit(submissions: readonly Submission<Op>[]): Promise<Outcome[]> {
    return this.together(submissions);
  }

  /** Like submit(), but a failed batch is retried one operation at a time. */
  private async settle(submissions: readonly Submission<Op>[]): Promise<PromiseSettledResult<Outcome>[]> {
    try {
      return (await this.together(submissions)).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (submissions.length === 1) return [{ status: 'rejected', reason: err }];
      // One at a time, in arrival order: a bet must still see the deposit that came before it.
      const results: PromiseSettledResult<Outcome>[] = [];
      for (const s of submissions) {
        try {
          const [outcome] = await this.together([s]);
          if (!outcome) throw new Error('a batch of one gave no answer');
          results.push({ status: 'fulfilled', value: outcome });
        } catch (reason) {
          results.push({ status: 'rejected', reason });
        }
      }
      return results;
    }
  }

  private async transact<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await withTransaction(this.pool, fn, { onRetry: this.hooks.onRetry });
    } catch (err) {
      if (!(err instanceof AppError) && !fromPgError(err)) this.hooks.onFailure?.(err);
      throw err;
    }
  }

  private async together(submissions: readonly Submission<Op>[]): Promise<Outcome[]> {
    const committed: Committed<Op, Effect>[] = [];
    const outcomes = await this.transact(async (client) => {
      committed.length = 0;
      const { answers, followers, day } = await this.claim(client, submissions);
      const stored: { claim: IdempotencyClaim; response: StoredResponse }[] = [];
      const record = (i: number, outcome: Outcome, result?: OperationResult<Effect>) => {
        answers[i] = outcome;
        const claim = submissions[i]?.idempotency;
        if (claim) {
          stored.push({
            claim,
            response: outcome.ok
              ? { status: outcome.status, body: outcome.body }
              : { status: outcome.error.status, body: outcome.error.toBody() },
          });
        }
        const op = submissions[i]?.op;
        if (result && outcome.ok && op) {
          committed.push(
            result.effect === undefined
              ? { op, body: result.body }
              : { op, body: result.body, effect: result.effect },
          );
        }
      };
      for (let i = 0; i < submissions.length;) {
        const first = submissions[i];
        if (!first || answers[i]) {
          i++;
          continue;
        }
        const type = first.op.type as Op['type'];
        const batch = this.options.batchHandlers?.[type] as BatchHandler<Op, Effect> | undefined;
        if (!batch) {
          const { outcome, result } = await this.applyOne(client, first, `op_${i}`);
          record(i, outcome, result);
          i++;
          continue;
        }
        // The run of consecutive unanswered operations of this type (replays in between are skipped).
        const run: number[] = [];
        let j = i;
        for (; j < submissions.length; j++) {
          if (answers[j]) continue;
          if (submissions[j]?.op.type !== type) break;
          run.push(j);
        }
        const results = await batch(
          client,
          run.map((k) => ({ op: submissions[k]!.op, ctx: submissions[k]!.ctx ?? {} })),
        );
        run.forEach((k, n) => {
          const r = results[n];
          if (r === undefined) throw new Error(`the ${type} batch handler gave no answer for item ${n}`);
          if (r instanceof AppError) record(k, { ok: false, error: r });
          else record(k, { ok: true, status: r.status, body: r.body, replayed: false }, r);
        });
        i = j;
      }
      await storeResponses(client, day, stored);
      for (const [i, first] of followers) {
        const a = answers[first];
        answers[i] = a?.ok ? { ...a, replayed: true } : a;
      }
      return answers.map((a, i) => {
        if (!a) throw new Error(`operation ${i} of the batch was not answered`);
        return a;
      });
    });
    // After COMMIT nothing may throw: an exception here would make settle() run a committed
    // batch again. Events are hints; a failed hook is reported and the answers stand.
    if (committed.length) {
      try {
        this.hooks.onCommitted?.(committed);
      } catch (err) {
        this.hooks.onFailure?.(err);
      }
    }
    return outcomes;
  }

  /**
   * Claims the batch's keys; a replay or a refused claim is answered here and not applied. A key
   * used twice in one batch (submit() allows it; group commit never batches it so) is claimed
   * once: a different body is a conflict, the same body follows the first use's answer.
   */
  private async claim(
    client: PoolClient,
    submissions: readonly Submission<Op>[],
  ): Promise<{ answers: (Outcome | undefined)[]; followers: Map<number, number>; day: ClaimDay }> {
    const answers: (Outcome | undefined)[] = submissions.map(() => undefined);
    const followers = new Map<number, number>();
    const firstUse = new Map<string, number>();
    const distinct: { i: number; claim: IdempotencyClaim }[] = [];
    submissions.forEach((s, i) => {
      if (!s.idempotency) return;
      const id = claimId(s.idempotency);
      const first = firstUse.get(id);
      if (first === undefined) {
        firstUse.set(id, i);
        distinct.push({ i, claim: s.idempotency });
      } else if (submissions[first]?.idempotency?.requestHash !== s.idempotency.requestHash) {
        answers[i] = { ok: false, error: new AppError('IDEMPOTENCY_CONFLICT') };
      } else {
        followers.set(i, first);
        answers[i] = { ok: false, error: new AppError('IDEMPOTENCY_IN_PROGRESS') }; // until the first is answered
      }
    });
    const { day, results: claims } = await claimKeys(
      client,
      distinct.map((k) => k.claim),
    );
    claims.forEach((c, n) => {
      const i = distinct[n]?.i;
      if (i === undefined || c.claimed) return;
      answers[i] = 'stored' in c ? replay(c.stored) : { ok: false, error: c.error };
    });
    return { answers, followers, day };
  }

  private async applyOne(
    client: PoolClient,
    { op, ctx = {} }: Submission<Op>,
    savepoint: string,
  ): Promise<{ outcome: Outcome; result?: OperationResult<Effect> }> {
    await client.query(`SAVEPOINT ${savepoint}`);
    try {
      const handler = this.handlers[op.type as Op['type']] as OperationHandler<Op, Effect>;
      const result = await handler(client, op, ctx);
      await client.query(`RELEASE SAVEPOINT ${savepoint}`);
      return { outcome: { ok: true, status: result.status, body: result.body, replayed: false }, result };
    } catch (err) {
      const error = err instanceof AppError ? err : fromPgError(err);
      if (!error || error.code === 'UNAVAILABLE') throw err;
      await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      // The first answer to a key is the answer, refusals included.
      return { outcome: { ok: false, error } };
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
