// The pages in a real browser (Debian's Chromium through playwright-core) against a real
// listening service: API, gateway, scheduler, match, settle and projection workers on a
// real PostgreSQL, with the PostgreSQL NOTIFY event hub. Two players register, an operator
// funds them on /admin, they bet opposite sides of one round, see the match, the result,
// the in-browser fairness check and their balances; then the operator voids a round with
// their bets in it and they see the refunds. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser } from '../src/auth/users.ts';
import { uniqueName } from './helpers/app.ts';
import {
  apiClient,
  browserSkip,
  failureShots,
  launchChromium,
  loginAdmin,
  openRoundWith,
  placeBet as bet,
  registerPlayer,
  shiftedAmount,
  shot,
  textOf,
  until,
  waitAttribute,
  waitText,
} from './helpers/browser.ts';
import { startLiveService } from './helpers/live-service.ts';
import { sleep } from './helpers/util.ts';

// Long enough that, on a loaded 2-core CI box, the void below lands before the round settles.
const ROUND_SECONDS = 14;

// Every answer the pages get is checked against the OpenAPI document (docs/api.md).
const startService = (env: Record<string, string> = {}) =>
  startLiveService({
    AUTH_SECRET: 'browser-test-secret-long-enough-0123456789',
    ROUND_SECONDS: String(ROUND_SECONDS),
    ...env,
  });

const betStatus = (page: Page, betId: number, status: RegExp, timeoutMs = 20_000) =>
  waitAttribute(page, `#bets tr[data-bet-id="${betId}"]`, 'data-status', status, timeoutMs);

const skip = browserSkip();

test('players and an operator use the pages end to end', { skip, timeout: 150_000 }, async () => {
  const service = await startService();
  const chromium = await launchChromium();
  const { pageErrors } = chromium;
  try {
    const newPage = (width = 1200, height = 1000) => chromium.newPage({ width, height });
    const alice = await newPage();
    const bob = await newPage(390, 844); // a phone-sized screen
    const admin = await newPage();
    const aliceId = await registerPlayer(alice, service.base);
    const bobId = await registerPlayer(bob, service.base);

    const opName = uniqueName('op');
    await createUser(service.db.pool, opName, 'operator-password-1', 'operator');
    await loginAdmin(admin, service.base, opName, 'operator-password-1');
    await admin.waitForSelector('#deposit-card:not([hidden])');
    for (const id of [aliceId, bobId]) {
      await admin.fill('#deposit-user', String(id));
      await admin.fill('#deposit-amount', '100.00');
      await admin.click('#deposit-form button[type="submit"]');
      await waitText(admin, '#deposit-msg', new RegExp(`Deposited 100\\.00 to player #${id}`));
    }
    // Live: the balance event carries the committed balance, no reload.
    await waitText(alice, '#balance', /^100\.00$/);
    await waitText(bob, '#balance', /^100\.00$/);

    // One round, opposite sides.
    const roundId = await openRoundWith([alice, bob], 4);
    const aliceBet = await bet(alice, '10.00', 'red');
    const bobBet = await bet(bob, '10.00', 'green');
    await betStatus(alice, aliceBet, /^MATCHED$/);
    await betStatus(bob, bobBet, /^MATCHED$/);
    assert.equal(await textOf(alice, `#bets tr[data-bet-id="${aliceBet}"] td:nth-child(2)`), String(roundId));
    assert.equal(await textOf(bob, `#bets tr[data-bet-id="${bobBet}"] td:nth-child(2)`), String(roundId));

    const result = await waitText(
      alice,
      '#last-result',
      new RegExp(`Round ${roundId} result: (RED|GREEN)`),
      20_000,
    );
    const redWon = result.includes('RED');
    await betStatus(alice, aliceBet, /^SETTLED$/);
    await betStatus(bob, bobBet, /^SETTLED$/);
    // Winner: 100 - 10 + 20 paid - 2% commission on 10 net = 109.80; loser: 90.00.
    await waitText(alice, '#balance', redWon ? /^109\.80$/ : /^90\.00$/);
    await waitText(bob, '#balance', redWon ? /^90\.00$/ : /^109\.80$/);

    // The fairness check runs in the browser (WebCrypto) on the published numbers.
    await alice.click(`#history tr[data-round-id="${roundId}"] button.verify`);
    await waitText(alice, `#history tr[data-round-id="${roundId}"] .fair`, /^fair ✓$/);
    await waitText(alice, '#fair-detail', new RegExp(`Round ${roundId}: FAIR`));

    // A round with bets in it, voided by the operator: everyone refunded.
    const before = [await textOf(alice, '#balance'), await textOf(bob, '#balance')];
    const voided = await openRoundWith([alice, bob, admin], 11);
    const aliceBet2 = await bet(alice, '5.00', 'red');
    const bobBet2 = await bet(bob, '7.00', 'green');
    await waitText(alice, '#balance', shiftedAmount(before[0]!, -500));
    const button = `#rounds tr[data-round-id="${voided}"] button.void`;
    await admin.fill('#void-reason', 'browser test: void an open round');
    await admin.click(button);
    await admin.click(button); // the second click confirms
    await waitText(admin, '#rounds-msg', new RegExp(`Round ${voided} voided`));
    await betStatus(alice, aliceBet2, /^VOID$/);
    await betStatus(bob, bobBet2, /^VOID$/);
    await waitText(alice, '#last-result', new RegExp(`Round ${voided} was voided`));
    await waitText(alice, '#balance', new RegExp(`^${before[0]!.replace('.', '\\.')}$`));
    await waitText(bob, '#balance', new RegExp(`^${before[1]!.replace('.', '\\.')}$`));

    await admin.click('#audit-run');
    await waitText(admin, '#audit-msg', /All invariants hold/);
    // Scrolled to the top first, or the sticky header lands mid-image in a full-page shot.
    for (const p of [alice, bob, admin]) await p.evaluate(() => window.scrollTo(0, 0));
    await shot(alice, 'player.png');
    await shot(bob, 'player-phone.png');
    await shot(admin, 'admin.png');
    assert.deepEqual(pageErrors, [], 'no script errors on the pages');
  } catch (err) {
    await failureShots(chromium.pages, (i) => `failure-${i}.png`);
    throw err;
  } finally {
    await chromium.close();
    await service.stop();
  }
});

// Access tokens that live 5 seconds: the pages renew them ahead of expiry (and hand the new one
// to the open stream), so a player and an operator keep working through several lifetimes
// without seeing the login again; logging out revokes the session on the server.
test('the pages keep working across access token renewals', { skip, timeout: 120_000 }, async () => {
  const TTL = 5;
  const service = await startService({ TOKEN_TTL_SECONDS: String(TTL), ROUND_SECONDS: '8' });
  const chromium = await launchChromium();
  const { pageErrors } = chromium;
  try {
    const player = await chromium.newPage();
    const admin = await chromium.newPage();
    const playerId = await registerPlayer(player, service.base);
    const opName = uniqueName('op');
    await createUser(service.db.pool, opName, 'operator-password-1', 'operator');
    await loginAdmin(admin, service.base, opName, 'operator-password-1');
    await admin.waitForSelector('#deposit-card:not([hidden])');

    const stored = (page: Page, key: string) =>
      page.evaluate(
        (k) =>
          JSON.parse(localStorage.getItem(k) ?? 'null') as { token: string; refreshToken: string } | null,
        key,
      );
    const first = (await stored(player, 'colorbet.session'))!;
    const firstAdmin = (await stored(admin, 'colorbet.operatorSession'))!;
    // Two lifetimes pass; each page renewed in time, so nothing it does is refused.
    await sleep(2 * TTL * 1000 + 1000);
    const renewed = (await stored(player, 'colorbet.session'))!;
    assert.notEqual(renewed.token, first.token, 'the player page renewed its access token');
    assert.notEqual((await stored(admin, 'colorbet.operatorSession'))!.token, firstAdmin.token);

    await admin.fill('#deposit-user', String(playerId));
    await admin.fill('#deposit-amount', '50.00');
    await admin.click('#deposit-form button[type="submit"]');
    await waitText(admin, '#deposit-msg', new RegExp(`Deposited 50\\.00 to player #${playerId}`));
    await waitText(player, '#balance', /^50\.00$/);
    await openRoundWith([player], 3);
    const betId = await bet(player, '1.00', 'red');
    await betStatus(player, betId, /^(OPEN|MATCHED|SETTLED|CANCELLED|VOID)$/);
    assert.equal(await player.isVisible('#bet-card'), true, 'still logged in');
    assert.equal(await textOf(player, '#auth-msg'), '', 'no "session expired" message');

    // Logout revokes the session server-side: its refresh token no longer renews anything.
    const current = (await stored(player, 'colorbet.session'))!;
    await player.click('#logout');
    await player.waitForSelector('#auth-card:not([hidden])');
    const api = apiClient(service.base);
    await until(
      'the logged-out refresh token to be refused',
      async () =>
        (await api('POST', '/v1/auth/refresh', undefined, { refreshToken: current.refreshToken })).status,
      (status) => status === 401,
    );
    assert.deepEqual(pageErrors, [], 'no script errors on the pages');
  } finally {
    await chromium.close();
    await service.stop();
  }
});
