// The operator page's role views in a real browser (Chromium through playwright-core):
// an operator voids a revealed round with a reason and it waits for a second operator; the
// requester's own approval is refused; a second operator carries it out; support suspends a
// player; the operator changes a role and reads the audit log. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { closeRound } from '../src/betting/rounds.ts';
import { localHub } from '../src/bus/events.ts';
import { buildDeps } from '../src/cli/runtime.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { buildApp } from '../src/http/app.ts';
import { listenOnLoopback, testRuntime, uniqueName } from './helpers/app.ts';
import {
  apiClient,
  browserSkip,
  failureShots,
  launchChromium,
  loginAdmin,
  shot,
  waitText,
} from './helpers/browser.ts';
import { recordContract } from './helpers/contract.ts';
import { createTestDatabase } from './helpers/db.ts';
import { freshRound, roundStatus } from './helpers/rounds.ts';

const skip = browserSkip();

test('roles, four eyes and suspension on the operator page', { skip, timeout: 120_000 }, async () => {
  const db = await createTestDatabase();
  const deps = await buildDeps(testRuntime(db, { FOUR_EYES_ABOVE: '100000' }), localHub());
  const app = await buildApp(deps);
  const contract = recordContract(app);
  const base = `http://127.0.0.1:${await listenOnLoopback(app)}`;
  const chromium = await launchChromium();
  const api = apiClient(base);
  const staff = async (role: 'operator' | 'support') => {
    const name = uniqueName(role.slice(0, 3));
    await createUser(db.pool, name, 'staff-password-1', role);
    return name;
  };
  const login = async (name: string, visible: string) => {
    const page = await chromium.newPage({ width: 1200, height: 1000 });
    await loginAdmin(page, base, name, 'staff-password-1');
    await page.waitForSelector(`${visible}:not([hidden])`);
    return page;
  };
  try {
    const [first, second, support] = [
      await staff('operator'),
      await staff('operator'),
      await staff('support'),
    ];
    const opToken = (
      await api('POST', '/v1/auth/login', undefined, { username: first, password: 'staff-password-1' })
    ).body.token as string;
    const player = (
      await api('POST', '/v1/auth/register', undefined, {
        username: uniqueName('pl'),
        password: 'password-123',
      })
    ).body as { userId: number; token: string };
    assert.equal(
      (
        await api('POST', '/v1/admin/deposits', opToken, {
          userId: player.userId,
          amount: 5000,
          reference: uniqueName('d'),
        })
      ).status,
      201,
    );
    // A round with a bet whose result is revealed (CLOSED): its void needs four eyes.
    const roundId = await freshRound(db.pool, deps.seeds);
    assert.equal(
      (await api('POST', '/v1/bets', player.token, { roundId: Number(roundId), side: 'red', amount: 500 }))
        .status,
      202,
    );
    await withTransaction(db.pool, (c) => closeRound(c, roundId, deps.seeds));

    const a = await login(first, '#approvals-card');
    const voidButton = `#rounds tr[data-round-id="${roundId}"] button.void`;
    await a.click(voidButton);
    await a.click(voidButton);
    await waitText(a, '#rounds-msg', /Give a reason/);
    await a.fill('#void-reason', 'wrong seed chain published');
    await a.click(voidButton);
    await a.click(voidButton);
    const waiting = await waitText(a, '#rounds-msg', /waits for a second operator \(approval #(\d+)\)/);
    const approvalId = /#(\d+)/.exec(waiting)![1];
    assert.equal(await roundStatus(db.pool, roundId), 'CLOSED', 'nothing voided yet');
    await a.click('#approvals-card button[type="button"]:text("Refresh")').catch(() => undefined);
    await a.reload();
    await a.waitForSelector(`#approvals tr[data-approval-id="${approvalId}"]`);
    await a.click(`#approvals tr[data-approval-id="${approvalId}"] button:text("Approve")`);
    await waitText(a, '#approvals-card-msg', /different operator/);
    await shot(a, 'admin-approvals-waiting.png');

    const b = await login(second, '#approvals-card');
    await b.fill('#approval-reason', 'seed chain checked');
    await b.click(`#approvals tr[data-approval-id="${approvalId}"] button:text("Approve")`);
    await waitText(
      b,
      '#approvals-card-msg',
      new RegExp(`Approval #${approvalId} carried out: void of round ${roundId}`),
    );
    assert.equal(await roundStatus(db.pool, roundId), 'VOID');

    const s = await login(support, '#suspensions-card');
    assert.equal(await s.isHidden('#approvals-card'), true, 'support sees no approvals');
    assert.equal(await s.isHidden('#staff-card'), true, 'support sees no roles');
    await s.fill('#suspend-user', String(player.userId));
    await s.fill('#suspend-reason', 'chargeback under review');
    await s.click('#suspend-form button[type="submit"]');
    await waitText(s, '#suspensions-card-msg', /is suspended/);
    await s.waitForSelector(`#suspensions tr[data-user-id="${player.userId}"]`);
    const refused = await api('POST', '/v1/wallet/withdrawals', player.token, { amount: 100 });
    assert.equal(refused.body.error.code, 'SUSPENDED');
    await shot(s, 'admin-suspensions.png');

    await b.reload();
    await b.waitForSelector('#staff tr[data-user-id]');
    const supportRow = b.locator('#staff tr', { hasText: support });
    await supportRow.locator('select').selectOption('auditor');
    await b.fill('#role-reason', 'moved to compliance');
    await supportRow.locator('button:text("Apply")').click();
    await waitText(b, '#staff-card-msg', new RegExp(`${support} is now auditor`));
    await b.reload();
    await waitText(
      b,
      '#audit-log',
      /player\.suspend[\s\S]*approval\.approve|approval\.approve[\s\S]*player\.suspend|role\.grant/,
    );
    await shot(b, 'admin-roles.png');
    assert.deepEqual(chromium.pageErrors, []);
  } catch (err) {
    await failureShots(chromium.pages, (i) => `roles-failure-${i}.png`);
    throw err;
  } finally {
    await chromium.close();
    await app.close();
    await db.drop();
    assert.deepEqual(contract.violations, [], 'answers that break the API contract');
  }
});
