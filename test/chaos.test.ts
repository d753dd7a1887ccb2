// The short chaos run (the long one is `npm run chaos`): a real fleet behind HAProxy with
// its own Redis, the simulator betting through it, and SIGKILLs of workers, the relay, an API
// process and Redis. Nothing answered 202 may be lost, nothing paid twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runChaos } from '../scripts/lib/chaos.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { requireDependency } from './helpers/env.ts';

const skip = requireDependency('haproxy', spawnSync('haproxy', ['-v']).status === 0);
let db: TestDatabase;

before(async () => {
  if (!skip) db = await createTestDatabase(4);
});
after(async () => {
  if (!skip) await db.drop();
});

test(
  'chaos: kills and restarts under load lose nothing and pay nothing twice',
  { skip, timeout: 400_000 },
  async () => {
    const report = await runChaos({
      databaseUrl: db.url,
      seconds: 24,
      players: 30,
      roundSeconds: 4,
      faultEverySeconds: 3,
      logDir: path.resolve('test-results/chaos-logs'),
      log: (line) => console.log(line),
    });
    assert.ok(report.faults.length >= 2, `faults injected: ${report.faults.length}`);
    assert.ok(report.simulation.betsAccepted > 0);
    assert.equal(report.missingBets, 0, 'every bet answered 202 exists');
    assert.deepEqual(report.roundsNotSettled, [], 'every round settled');
    assert.equal(report.playersNotSettledOnce, 0, 'every (round, player) settled exactly once');
    assert.ok(report.audit.ok, JSON.stringify(report.audit.checks.filter((c) => !c.ok)));
  },
);
