// A worker is a loop around one domain step: run it again at once while it finds work,
// sleep when idle, back off on errors, stop when asked.
import { describeError } from '../observability/describe-error.ts';
import type { Logger } from '../observability/logger.ts';

// SQLSTATE class 57P (the server is shutting down or starting) and the socket-level ways a
// connection ends: the database went away, which /readyz and the supervisor deal with.
const LOST = /^(57P0[1-4]|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/;

export function isConnectionLost(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && LOST.test(code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    err.message,
  );
}

export interface LoopOptions {
  idleMs: number;
  maxBackoffMs?: number;
  logger: Logger;
}

export interface Worker {
  name: string;
  stop(): Promise<void>;
  /** Wakes the loop now instead of at the end of its idle sleep. */
  nudge(): void;
}

export interface RunningWorker {
  name: string;
  /** stop() has been called; the loop ends after its current step. */
  stopping: boolean;
  stop(): Promise<void>;
}

// Every loop from start until its last step has ended: a process (or a test file) can tell which
// workers it still runs, and whether each has been asked to stop.
const registry = new Set<RunningWorker>();

/** The loops of this process that have not ended yet, oldest first. */
export function runningWorkers(): ReadonlyArray<Readonly<RunningWorker>> {
  return [...registry];
}

export function startLoop(name: string, step: () => Promise<boolean>, options: LoopOptions): Worker {
  let running = true;
  let wake: (() => void) | undefined;
  let failures = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const done = (async () => {
    while (running) {
      try {
        const didWork = await step();
        failures = 0;
        if (!didWork) await sleep(options.idleMs);
      } catch (err) {
        failures++;
        const backoff = Math.min(options.maxBackoffMs ?? 5000, 100 * 2 ** Math.min(failures, 6));
        if (!running || isConnectionLost(err)) {
          // One short line: a lost database is not this worker's bug, and while stopping it is expected.
          options.logger.warn({ worker: name, failures }, `${name}: ${describeError(err)}`);
        } else {
          options.logger.error({ err, worker: name, failures }, 'worker step failed; backing off');
        }
        await sleep(backoff);
      }
    }
  })();
  const entry: RunningWorker = {
    name,
    stopping: false,
    stop: async () => {
      entry.stopping = true;
      running = false;
      wake?.();
      await done;
    },
  };
  registry.add(entry);
  void done.finally(() => registry.delete(entry));
  return { name, nudge: () => wake?.(), stop: entry.stop };
}
