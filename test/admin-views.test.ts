// The back office's views on /admin in a real browser (Chromium through playwright-core):
// an operator finds a player by name, sees balance, holds and activity, deposits from that
// view; opens a round's bets with their matches and settlement lines; reads the reports and
// downloads one as CSV; sees the integrity flags. An auditor sees the reports and rounds but
// not player data. Money on screen is in major units only. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser } from '../src/auth/users.ts';
import { listenOnLoopback, startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import {
  browserSkip,
  failureShots,
  launchChromium,
  loginAdmin,
  shot,
  SHOTS,
  until,
  waitText,
  type Chromium,
} from './helpers/browser.ts';
import { closeAndSettle, fundedPlayers, placeAll } from './helpers/game.ts';
import { freshRound } from './helpers/rounds.ts';

const skip = browserSkip();

let t: TestApp;
let base: string;
let chromium: Chromium;
const staff: Record<string, string> = {};
let roundId: bigint;
let players: { userId: number; username: string; token: string }[];

before(async () => {
  if (skip) return;
  t = await startTestApp();
  base = `http://127.0.0.1:${await listenOnLoopback(t.app)}`;
  for (const role of ['operator', 'auditor'] as const) {
    staff[role] = uniqueName(role.slice(0, 3));
    await createUser(t.db.pool, staff[role]!, 'staff-password-1', role);
  }
  players = await fundedPlayers(t, 3, 100_000);
  roundId = await freshRound(t.db.pool, t.deps.seeds);
  await placeAll(t, Number(roundId), [
    { token: players[0]!.token, side: 'red', amount: 5_000 },
    { token: players[1]!.token, side: 'green', amount: 3_000 },
    { token: players[2]!.token, side: 'green', amount: 4_000 },
  ]);
  await closeAndSettle(t, roundId);
  await freshRound(t.db.pool, t.deps.seeds);
  chromium = await launchChromium();
});
after(async () => {
  if (skip) return;
  await chromium?.close();
  await t.close();
});

async function login(role: 'operator' | 'auditor'): Promise<Page> {
  const context = await chromium.browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`# page error (${role}): ${err.message}`));
  await loginAdmin(page, base, staff[role]!, 'staff-password-1');
  return page;
}

const rows = (page: Page, selector: string) => page.$$eval(`${selector} tr`, (trs) => trs.length);

test(
  'an operator finds a player, deposits, reads a round, the reports and the flags',
  { skip, timeout: 120_000 },
  async () => {
    const page = await login('operator');
    try {
      await page.waitForSelector('#players-card:not([hidden])');
      // The rounds and withdrawals tables page too (Newest / Older).
      await page.waitForSelector('#rounds-pager');
      await page.waitForSelector('#withdrawals-pager');
      const target = players[1]!;
      await page.fill('#players-q', target.username.slice(0, 8).toUpperCase());
      await page.click('#players-card form button[type="submit"]');
      await page.waitForSelector(`#players tr[data-user-id="${target.userId}"]`);
      await page.click(`#players tr[data-user-id="${target.userId}"] button.link`);
      // 1,000.00 funded, 30.00 staked and settled: the balance is what the ledger says.
      const { rows: guard } = await t.db.pool.query<{ balance: bigint }>(
        `SELECT g.balance FROM wallet_guard g JOIN accounts a ON a.id = g.account_id WHERE a.user_id = $1`,
        [target.userId],
      );
      const balance = Number(guard[0]!.balance);
      const major = (minor: number) =>
        `${Math.floor(minor / 100).toLocaleString('en-US')}.${String(minor % 100).padStart(2, '0')}`;
      await waitText(page, '#player-balance', new RegExp(`^${major(balance).replace('.', '\\.')}$`));
      await until(
        "the player's bet listed",
        () => rows(page, '#player-bets'),
        (n) => n === 1,
      );
      await page.fill('#player-deposit-amount', '25.00');
      await page.fill('#player-deposit-source', 'card-4242');
      await page.click('#player-deposit button[type="submit"]');
      await waitText(page, '#player-deposit-msg', /Deposited 25\.00/);
      await waitText(page, '#player-balance', new RegExp(`^${major(balance + 2_500).replace('.', '\\.')}$`));
      await until(
        'the deposit among the entries',
        () => page.textContent('#player-entries'),
        (s) => /card-4242:/.test(s ?? ''),
      );
      await shot(page, 'admin-players.png');

      // The round's bets from the rounds table's button, with matches and settlement lines.
      await page.click(`#rounds tr[data-round-id="${roundId}"] button.bets`);
      await until(
        'three bets',
        () => rows(page, '#round-bets'),
        (n) => n === 3,
      );
      const matches = (await page.textContent('#round-bets')) ?? '';
      // Which bets meet depends on their booking order (placed at once); each match names the other bet.
      assert.match(matches, /\d+\.\d\d vs bet #\d+ \(player #\d+\)/, matches);
      await until(
        'three settlement lines',
        () => rows(page, '#round-settlements'),
        (n) => n === 3,
      );
      await waitText(page, '#round-bets-title', new RegExp(`Round ${roundId}: SETTLED`));
      await page.locator('#round-bets-card').screenshot({ path: path.join(SHOTS, 'admin-round-bets.png') });

      // Reports: turnover with its total, liabilities, a balanced reconciliation, balances paged.
      await waitText(page, '#turnover', /Total/);
      await waitText(page, '#liabilities', /Owed to players/);
      await waitText(page, '#reconciliation-state', /^Balanced: \d+ transfers/);
      await until(
        'a page of balances',
        () => rows(page, '#balances'),
        (n) => n > 0,
      );
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#reports-card .report-head:first-of-type button.csv'),
      ]);
      assert.match(download.suggestedFilename(), /^turnover-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
      const csv = await readFile((await download.path())!, 'utf8');
      assert.match(csv, /^day,rounds,voided_rounds,bets,staked_minor,/);
      await page.locator('#reports-card').screenshot({ path: path.join(SHOTS, 'admin-reports.png') });

      await waitText(page, '#integrity-msg', /flag|No flags/);
      await page.locator('#integrity-card').screenshot({ path: path.join(SHOTS, 'admin-integrity.png') });
      // One unit on screen: major, never "minor".
      const text = await page.evaluate(() => document.body.innerText);
      assert.doesNotMatch(text, /minor/i);
    } catch (err) {
      await failureShots([page], () => 'failure-admin-views.png');
      throw err;
    }
  },
);

test('an auditor sees the reports and rounds, not player data', { skip, timeout: 60_000 }, async () => {
  const page = await login('auditor');
  try {
    await page.waitForSelector('#reports-card:not([hidden])');
    await waitText(page, '#liabilities', /Owed to players/);
    assert.equal(await page.isHidden('#players-card'), true);
    assert.equal(await page.isHidden('#integrity-card'), true);
    assert.equal(await page.isVisible('#round-bets-card'), true);
    await shot(page, 'admin-auditor.png');
  } catch (err) {
    await failureShots([page], () => 'failure-admin-auditor.png');
    throw err;
  }
});
