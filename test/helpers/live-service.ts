// A real listening service for the browser tests: API and gateway on a loopback port, the
// scheduler, match, settle and projection workers, on a test database with the PostgreSQL
// NOTIFY event hub, as `colorbet start` runs them. Every answer the pages get can be checked
// against the OpenAPI document (docs/api.md).
import assert from 'node:assert/strict';
import { postgresHub } from '../../src/bus/events.ts';
import { buildDeps } from '../../src/cli/runtime.ts';
import { buildApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { listenOnLoopback, testRuntime } from './app.ts';
import { recordContract } from './contract.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startGameWorkers } from './game.ts';

export interface LiveService {
  db: TestDatabase;
  base: string;
  /** Stops the workers and the app, drops the database, then asserts the contract (if checked). */
  stop(): Promise<void>;
}

export interface LiveServiceOptions {
  /** Check every answer against the OpenAPI document; stop() fails on a violation. Default true. */
  contract?: boolean;
  /** The reveal pause between a round's result and the next round. */
  revealSeconds?: number;
  /** Runs after the dependencies are built, before the app (say, to seed the game configuration). */
  beforeApp?: (deps: AppDeps) => Promise<unknown>;
}

export async function startLiveService(
  env: Record<string, string>,
  opts: LiveServiceOptions = {},
): Promise<LiveService> {
  const db = await createTestDatabase();
  const events = await postgresHub(db.url, () => undefined);
  const deps = await buildDeps(testRuntime(db, env), events);
  await opts.beforeApp?.(deps);
  const app = await buildApp(deps);
  const contract = opts.contract === false ? undefined : recordContract(app);
  const base = `http://127.0.0.1:${await listenOnLoopback(app)}`;
  const workers = startGameWorkers(
    { db, deps },
    opts.revealSeconds === undefined ? {} : { revealSeconds: opts.revealSeconds },
  );
  return {
    db,
    base,
    stop: async () => {
      await workers.stop();
      await app.close();
      await events.close();
      await db.drop();
      if (!contract) return;
      console.log(`# contract: ${contract.checked} answer(s) to the pages checked against /docs/json`);
      assert.deepEqual(contract.violations, [], 'answers that break the API contract');
    },
  };
}
