// Group commit: operations that arrive within a short window are handed to the database as
// one batch (one transaction, a handful of set-based statements), so the cost of a commit and
// of each round trip is shared by every operation in it. The queue is bounded: beyond
// `maxQueue` waiting operations a request is refused at once (503 OVERLOADED, Retry-After)
// instead of holding memory without limit. Two operations with the same idempotency key never
// share a batch: the later one goes in another batch (possibly one in flight at the same time),
// whose key claim waits for the first batch to commit and then replays the first's answer.
import { appError } from '../errors.ts';
import { claimId } from './idempotency.ts';

export interface GroupCommitOptions {
  /** How long the first operation of a batch waits for company. */
  windowMs: number;
  /** Most operations in one batch. */
  maxBatch: number;
  /** Most operations waiting for a batch. */
  maxQueue: number;
  /** Most batches in the database at once. */
  maxInFlight: number;
}

export interface Batchable {
  idempotency?: { scope: string; key: string } | undefined;
}

interface Waiting<S, R> {
  submission: S;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<S extends Batchable, R> {
  private queue: Waiting<S, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;

  constructor(
    private readonly runBatch: (batch: S[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly options: GroupCommitOptions,
    private readonly observe: (size: number, waitingAfter: number) => void = () => undefined,
  ) {}

  submit(submission: S): Promise<R> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(appError('OVERLOADED'));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length && this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      this.inFlight++;
      try {
        this.observe(batch.length, this.queue.length);
      } catch {
        // a metric must never strand a batch
      }
      void this.runBatch(batch.map((w) => w.submission))
        .then(
          (results) =>
            results.forEach((r, i) => {
              const w = batch[i];
              if (!w) return;
              if (r.status === 'fulfilled') w.resolve(r.value);
              else w.reject(r.reason);
            }),
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          // Whatever gathered while this batch was in the database goes at once.
          if (this.queue.length) this.flush();
        });
    }
  }

  /** Up to maxBatch waiting operations in arrival order, never two with one idempotency key. */
  private take(): Waiting<S, R>[] {
    const batch: Waiting<S, R>[] = [];
    const rest: Waiting<S, R>[] = [];
    const keys = new Set<string>();
    for (const w of this.queue) {
      const key = w.submission.idempotency ? claimId(w.submission.idempotency) : undefined;
      if (batch.length >= this.options.maxBatch || (key !== undefined && keys.has(key))) {
        rest.push(w);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(w);
    }
    this.queue = rest;
    return batch;
  }
}
