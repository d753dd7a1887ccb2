// A worker is a loop around one domain step: run it again at once while it finds work,
// sleep when idle, back off on errors, stop when asked.
import type { Logger } from '../observability/logger.ts';

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
        options.logger.error({ err, worker: name, failures }, 'worker step failed; backing off');
        await sleep(backoff);
      }
    }
  })();
  return {
    name,
    nudge: () => wake?.(),
    stop: async () => {
      running = false;
      wake?.();
      await done;
    },
  };
}
