import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { projectAll } from './helpers/ledger.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('register, deposit, read the wallet, audit holds', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 5000);
  // Waits out transactions of other suites running in the same cluster (catchUp alone stops at them).
  await projectAll(t.db.pool);
  const wallet = await t.request({ method: 'GET', url: '/v1/wallet', token: p.token });
  assert.equal(wallet.status, 200);
  assert.equal(wallet.body.balance, 5000);
  assert.equal(wallet.body.pendingWithdrawals, 0);
  const report = await runAudit(t.db.pool);
  assert.ok(report.ok, JSON.stringify(report));
});
