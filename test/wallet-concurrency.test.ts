// I4 under concurrency: a wallet funded with exactly 50 withdrawals' worth, hit by 200
// concurrent withdrawal requests, pays out exactly 50 and never goes below zero; first
// through one in-process app, then through two real API processes sharing the database.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { createUser } from '../src/auth/users.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { guardBalance, ledgerBalance, projectAll } from './helpers/ledger.ts';
import { cliEnv, freePort, stopChild } from './helpers/process.ts';
import { sleep } from './helpers/util.ts';

const X = 37;
const FUNDED = 50;
const REQUESTS = 200;

let t: TestApp;
const children: ChildProcess[] = [];

before(async () => {
  t = await startTestApp();
});
after(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
  await t.close();
});

/** Samples the player's guard row while `work` runs and returns the lowest value seen. */
async function lowestGuardDuring(userId: number, work: Promise<unknown>): Promise<bigint> {
  let done = false;
  void work.finally(() => (done = true)).catch(() => undefined);
  let lowest = await guardBalance(t.db.pool, userId);
  while (!done) {
    const now = await guardBalance(t.db.pool, userId);
    if (now < lowest) lowest = now;
  }
  return lowest;
}

async function assertDrained(userId: number) {
  assert.equal(await guardBalance(t.db.pool, userId), 0n, 'guard balance');
  assert.equal(await ledgerBalance(t.db.pool, userId), 0n, 'ledger balance');
  const holds = await t.db.pool.query<{ n: bigint; total: bigint }>(
    `SELECT count(*) AS n, coalesce(sum(amount), 0)::bigint AS total FROM withdrawals
     WHERE user_id = $1 AND status = 'REQUESTED'`,
    [userId],
  );
  assert.equal(holds.rows[0]!.n, BigInt(FUNDED), 'one withdrawal row per accepted request');
  assert.equal(holds.rows[0]!.total, BigInt(FUNDED * X));
}

test('200 concurrent withdrawals through app.inject: exactly 50 accepted, wallet at 0', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, FUNDED * X);

  const burst = Promise.all(
    Array.from({ length: REQUESTS }, (_, i) =>
      t.request({
        method: 'POST',
        url: '/v1/wallet/withdrawals',
        token: p.token,
        body: { amount: X },
        headers: { 'idempotency-key': `burst-${i}` },
      }),
    ),
  );
  const lowest = await lowestGuardDuring(p.userId, burst);
  const answers = await burst;

  const accepted = answers.filter((a) => a.status === 202);
  const refused = answers.filter((a) => a.status === 422);
  assert.equal(accepted.length, FUNDED, `statuses: ${answers.map((a) => a.status).join(',')}`);
  assert.equal(refused.length, REQUESTS - FUNDED);
  for (const r of refused) assert.equal(r.body.error.code, 'INSUFFICIENT_FUNDS');
  for (const a of accepted) {
    assert.equal(a.body.amount, X);
    assert.equal(a.body.status, 'REQUESTED');
  }
  assert.equal(new Set(accepted.map((a) => a.body.withdrawalId)).size, FUNDED, 'distinct withdrawals');
  assert.ok(lowest >= 0n, `guard went to ${lowest}`);
  await assertDrained(p.userId);

  await projectAll(t.db.pool);
  const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: p.token });
  assert.equal(wallet.status, 200);
  assert.equal(wallet.body.balance, 0);
  assert.equal(wallet.body.pendingWithdrawals, FUNDED * X);
  const report = await runAudit(t.db.pool);
  assert.ok(report.ok, JSON.stringify(report));
});

const SECRET = 'two-process-shared-secret-0123456789abcdef';

async function startApi(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/colorbet.js', 'start', '--roles', 'api'], {
    env: cliEnv({
      DATABASE_URL: t.db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      AUTH_SECRET: SECRET,
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api process exited ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return base;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`api process did not become healthy: ${stderr}`);
    await sleep(100);
  }
}

async function http(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string; body?: unknown; key?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, base };
}

test('200 concurrent withdrawals across two API processes: exactly 50 accepted', async () => {
  const [a, b] = await Promise.all([startApi(), startApi()]);

  const reg = await http(a, 'POST', '/v1/auth/register', {
    body: { username: uniqueName('twoproc'), password: 'password-123' },
  });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  const userId = reg.body.userId as number;
  const playerToken = reg.body.token as string;

  const operator = await createUser(t.db.pool, uniqueName('op'), 'operator-password', 'operator');
  const operatorToken = await new TokenService(SECRET, 3600).issue(operator);
  const dep = await http(b, 'POST', '/v1/admin/deposits', {
    token: operatorToken,
    body: { userId, amount: FUNDED * X, reference: uniqueName('dep') },
  });
  assert.equal(dep.status, 201, JSON.stringify(dep.body));

  const burst = Promise.all(
    Array.from({ length: REQUESTS }, (_, i) =>
      http(i % 2 === 0 ? a : b, 'POST', '/v1/wallet/withdrawals', {
        token: playerToken,
        body: { amount: X },
        key: `two-proc-${i}`,
      }),
    ),
  );
  const lowest = await lowestGuardDuring(userId, burst);
  const answers = await burst;

  const accepted = answers.filter((r) => r.status === 202);
  const refused = answers.filter((r) => r.status === 422);
  assert.equal(accepted.length, FUNDED, `statuses: ${answers.map((r) => r.status).join(',')}`);
  assert.equal(refused.length, REQUESTS - FUNDED);
  for (const r of refused) assert.equal(r.body.error.code, 'INSUFFICIENT_FUNDS');
  for (const base of [a, b]) {
    assert.equal(answers.filter((r) => r.base === base).length, REQUESTS / 2, `${base} answered its share`);
  }
  assert.ok(lowest >= 0n, `guard went to ${lowest}`);
  await assertDrained(userId);

  await projectAll(t.db.pool);
  const wallet = await http(b, 'GET', '/v1/wallet', { token: playerToken });
  assert.equal(wallet.status, 200);
  assert.equal(wallet.body.balance, 0);
  assert.equal(wallet.body.pendingWithdrawals, FUNDED * X);
  const report = await runAudit(t.db.pool);
  assert.ok(report.ok, JSON.stringify(report));
});
