// Hooks every test file gets: test/run.ts preloads this module into each test process (node
// --import), and test/helpers/db.ts imports it too. Two jobs:
// - remember whether a test of this file failed, so that its database is kept (db.ts);
// - fail the file when it leaks a running worker loop (src/workers/loop.ts startLoop): a loop
//   nobody stopped keeps the process alive, which used to hang the whole run with no message.
import { after, afterEach } from 'node:test';
import { runningWorkers } from '../../src/workers/loop.ts';

let failed = false;

/** True once a test of this file has failed (or the runner has set a failing exit code). */
export function testsFailedHere(): boolean {
  return failed || (process.exitCode !== undefined && process.exitCode !== 0);
}

/**
 * How long after the file's last test the leak check waits for its after hooks to stop every
 * worker before it declares the ones never asked to stop leaked. The wait costs nothing when the
 * file is clean: the timer does not keep the process alive, so a clean file exits at once.
 */
export const LEAK_GRACE_MS = Number(process.env.COLORBET_TEST_WORKER_GRACE_MS ?? 30_000);
if (!Number.isInteger(LEAK_GRACE_MS) || LEAK_GRACE_MS < 0) {
  throw new Error(
    `COLORBET_TEST_WORKER_GRACE_MS must be a whole number of milliseconds, got ${process.env.COLORBET_TEST_WORKER_GRACE_MS}`,
  );
}

/** The message for loops still running that no one asked to stop (undefined when there are none). */
export function describeLeakedWorkers(): string | undefined {
  const leaked = runningWorkers().filter((w) => !w.stopping);
  if (!leaked.length) return undefined;
  const names = leaked.map((w) => w.name).join(', ');
  return (
    `LEAKED WORKER: ${leaked.length} worker loop(s) still running ${LEAK_GRACE_MS} ms after this file's ` +
    `tests ended, never stopped: ${names}. Stop every worker a test starts (worker.stop(), or the ` +
    'service/runtime that started it) in an after hook.'
  );
}

// Inside a test process only (node --test sets NODE_TEST_CONTEXT in each file's process); the
// runner process that preloads this module too has no tests of its own.
if (process.env.NODE_TEST_CONTEXT) {
  afterEach((t) => {
    if ('passed' in t && !t.passed) failed = true;
  });
  // Root after hooks run in the order they were registered, and this one is registered first, so
  // it cannot look now (the file's own after hooks, which stop its workers, run after it). It
  // arms an unref'd timer instead: a clean file exits before it fires; a leaked loop keeps the
  // process alive, the timer fires, names the loop, fails the file and stops the loop.
  after(() => {
    setTimeout(() => {
      const message = describeLeakedWorkers();
      if (!message) return;
      console.error(`\n!!! ${message} !!!\n`);
      process.exitCode = 1;
      for (const w of runningWorkers()) void w.stop();
    }, LEAK_GRACE_MS).unref();
  });
}
