// `colorbet start --roles api --processes N` (issue 9): N API processes share one port, a
// worker that dies is replaced, SIGTERM stops them all, and bad uses are refused by name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { httpOk, waitFor } from '../scripts/lib/ports.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { assertAudit } from './helpers/ledger.ts';
import { cliEnv, freePort, runCli, startCli, stopChild } from './helpers/process.ts';
import { freshRound } from './helpers/rounds.ts';
import { sleep } from './helpers/util.ts';

const SECRET = 'cluster-test-secret-0123456789-abcdefgh';
let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const children = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

test('two API processes on one port serve bets; a dead one is replaced; SIGTERM stops all', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const user = await createUser(t.db.pool, uniqueName('cl'), 'password-123', 'player');
  await t.deposit(Number(user.userId), 1_000_000);
  const token = await new TokenService(SECRET, 3600).issue(user);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = cliEnv({ DATABASE_URL: t.db.url, PORT: String(port), AUTH_SECRET: SECRET, LOG_LEVEL: 'warn' });
  const primary = startCli(['start', '--roles', 'api', '--processes', '2'], env);
  try {
    await waitFor('api', () => httpOk(`${base}/healthz`), 60_000);
    const pid = primary.child.pid ?? 0;
    await waitFor('two API processes', async () => children(pid).length === 2, 30_000);
    const bet = () =>
      fetch(`${base}/v1/bets`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'idempotency-key': randomUUID(),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ roundId: Number(roundId), side: 'red', amount: 10 }),
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 100 }, bet));
    assert.deepEqual([...new Set(statuses)], [202]);

    const [victim] = children(pid);
    process.kill(victim ?? 0, 'SIGKILL');
    await waitFor(
      'a replacement API process',
      async () => children(pid).length === 2 && !children(pid).includes(victim ?? 0),
      30_000,
    );
    await sleep(500);
    assert.equal(await bet(), 202);

    const exited = new Promise<number | null>((resolve) =>
      primary.child.once('exit', (code) => resolve(code)),
    );
    primary.child.kill('SIGTERM');
    assert.equal(await exited, 0, primary.output.stderr);
    assert.deepEqual(children(pid), []);
    await assertAudit(t.db.pool);
  } finally {
    await stopChild(primary.child, 1000);
  }
});

test('--processes is refused with a message that names it: bad values, and roles that cannot share a port', async () => {
  const env = cliEnv({ DATABASE_URL: t.db.url, PORT: String(await freePort()), AUTH_SECRET: SECRET });
  for (const args of [
    ['start', '--roles', 'api', '--processes', 'zero'],
    ['start', '--roles', 'api', '--processes', '0'],
    ['start', '--roles', 'api,match', '--processes', '2'],
  ]) {
    const r = await runCli(args, env, 30_000);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--processes/);
  }
});
