// The player page as a new player meets it, in a real browser (Debian's Chromium through
// playwright-core) against a real listening service with the reveal pause on: funding (demo
// funds, and a deposit through the local test payment provider), the stake preview and limits,
// betting, cancelling part of a bet, watching the result reveal, the bet row's gross, commission
// and net equal to the ledger, a voided round ("voided, no result" in the fairness check), a
// withdrawal through to paid, and a 360 px phone layout. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { uniqueName } from './helpers/app.ts';
import {
  apiClient,
  browserSkip,
  failureShots,
  launchChromium,
  openRoundWith,
  placeBet as bet,
  registerPlayer,
  shot,
  textOf,
  until,
  waitAttribute,
  waitText,
} from './helpers/browser.ts';
import { startLiveService } from './helpers/live-service.ts';

const REVEAL_SECONDS = 4;
const skip = browserSkip();

async function startService() {
  const service = await startLiveService(
    {
      AUTH_SECRET: 'player-browser-secret-long-enough-0123456789',
      ROUND_SECONDS: '12',
      DEMO_FUNDS: '1',
      DEMO_FUNDS_AMOUNT: '10000',
      DEMO_FUNDS_EVERY_SECONDS: '3600',
      PAYMENT_CALLBACK_SECRET: 'player-browser-provider-secret-0123456789',
      PAYMENT_TEST_PROVIDER: '1',
    },
    { contract: false, revealSeconds: REVEAL_SECONDS },
  );
  const opName = uniqueName('op');
  await createUser(service.db.pool, opName, 'operator-password-1', 'operator');
  const api = apiClient(service.base);
  const login = await api('POST', '/v1/auth/login', undefined, {
    username: opName,
    password: 'operator-password-1',
  });
  const operatorToken = login.body.token as string;
  const operator = (method: string, url: string, body?: unknown) => api(method, url, operatorToken, body);
  return { ...service, operator };
}

const row = (betId: number) => `#bets tr[data-bet-id="${betId}"]`;

test(
  'a new player funds, previews, bets, cancels part, watches the reveal and checks fairness',
  { skip, timeout: 200_000 },
  async () => {
    const service = await startService();
    const chromium = await launchChromium();
    const newPage = (width: number, height: number) => chromium.newPage({ width, height });
    try {
      const alice = await newPage(1200, 1000);
      const bob = await newPage(360, 780); // the narrowest common phone
      const aliceId = await registerPlayer(alice, service.base);
      const bobId = await registerPlayer(bob, service.base);

      // Demo funds: one click, marked demo in the wallet's entries; a second click is "too soon".
      await alice.click('#demo-funds');
      await waitText(alice, '#funding-msg', /Added 100\.00 of demo funds/);
      await waitText(alice, '#balance', /^100\.00$/);
      await alice.click('#demo-funds');
      await waitText(alice, '#funding-msg', /try again in \d+ s/);
      await waitText(alice, '#entries', /deposit \(demo funds\)/);
      await shot(alice, 'player-funded-demo.png');

      // A deposit through the provider: start it, pay on the test provider's page, back with money.
      await bob.fill('#deposit-amount', '50.00');
      await bob.click('#deposit-form button[type="submit"]');
      await bob.waitForURL(/\/test-provider\?depositId=\d+&amount=5000$/);
      await waitText(bob, '#tp-amount', /^50\.00$/);
      await shot(bob, 'provider-page-phone.png');
      await bob.click('#tp-pay');
      await bob.waitForURL(`${service.base}/`);
      await bob.waitForSelector('#bet-card:not([hidden])');
      await waitText(bob, '#balance', /^50\.00$/);

      // Limits beside the amount, quick stakes, and the preview net of commission, rules a click away.
      await waitText(alice, '#limits', /^min 0\.10 · max 10,000\.00$/);
      await alice.click('#quick-stakes button.stake[data-amount="50"]');
      assert.equal(await alice.inputValue('#amount'), '0.50');
      await alice.fill('#amount', '10.00');
      await waitText(alice, '#bet-preview', /20\.00 back|19\.80 back/);
      const preview = await textOf(alice, '#bet-preview');
      assert.match(
        preview,
        /19\.80 back = 10\.00 stake \+ 10\.00 won − 0\.20 commission \(2% of net winnings\)/,
      );
      assert.equal(await alice.getAttribute('#bet-preview a', 'href'), '/rules');
      await shot(alice, 'player-preview.png');

      // One round: alice 10.00 red, bob 6.00 green; alice cancels the 4.00 left unmatched.
      const roundId = await openRoundWith([alice, bob], 6, 60_000);
      const aliceBet = await bet(alice, '10.00', 'red');
      const bobBet = await bet(bob, '6.00', 'green');
      await waitAttribute(alice, row(aliceBet), 'data-status', /^PARTIALLY_MATCHED$/);
      await waitText(alice, '#bet-msg', /6\.00 matched; 4\.00 still waits/);
      await alice.click(`${row(aliceBet)} button.cancel`);
      await waitText(alice, '#bets-msg', new RegExp(`Cancelled 4\\.00 of bet #${aliceBet}`));
      await waitText(alice, `${row(aliceBet)} td.cancelled`, /^4\.00$/);
      await waitText(alice, '#bet-msg', /6\.00 matched, 4\.00 cancelled and refunded/);

      // The reveal: the result stands alone for REVEAL_SECONDS before the next round opens.
      await alice.waitForSelector('#reveal:not([hidden])', { timeout: 30_000 });
      const revealedAt = Date.now();
      const headline = await waitText(
        alice,
        '#reveal-result',
        new RegExp(`(RED|GREEN) wins round ${roundId}`),
      );
      const redWon = headline.startsWith('RED');
      await alice.click('#reveal-verify');
      await waitText(alice, '#reveal-proof', new RegExp(`Round ${roundId}: FAIR ✓`));
      await shot(alice, 'player-reveal.png');
      await shot(bob, 'player-reveal-phone.png');
      await openRoundWith([alice], 1, 30_000);
      const pause = Date.now() - revealedAt;
      assert.ok(pause >= (REVEAL_SECONDS - 1.5) * 1000, `the next round opened ${pause} ms after the reveal`);
      assert.equal(await alice.isHidden('#reveal'), true, 'the reveal ends when the next round opens');
      await waitText(alice, '#bet-msg', /^$/); // the old round's message is gone

      // Settled: gross, commission and net on the winner's row equal the ledger's entries.
      const winner = redWon ? alice : bob;
      const winnerBet = redWon ? aliceBet : bobBet;
      await waitAttribute(winner, row(winnerBet), 'data-status', /^SETTLED$/, 30_000);
      const result = await waitText(winner, `${row(winnerBet)} td.result`, /net/);
      assert.match(result, /won · gross 12\.00/);
      assert.match(result, /commission 0\.12/);
      assert.match(result, /net 11\.88/);
      const ledger = await service.db.pool.query<{ kind: string; amount: bigint }>(
        `SELECT kind, amount FROM transfers WHERE round_id = $1 AND kind IN ('settlement', 'commission') AND user_id = $2`,
        [roundId, redWon ? aliceId : bobId],
      );
      assert.deepEqual(Object.fromEntries(ledger.rows.map((r) => [r.kind, Number(r.amount)])), {
        settlement: 1188,
        commission: 12,
      });
      await shot(winner, winner === alice ? 'player-settled.png' : 'player-settled-phone.png');

      // A voided round: the reveal says so, the bet message follows, the fairness check says
      // "voided, no result".
      const voided = await openRoundWith([alice], 5, 30_000);
      const voidBet = await bet(alice, '1.00', 'red');
      const v = await service.operator('POST', `/v1/admin/rounds/${voided}/void`, { reason: 'browser test' });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      await waitAttribute(alice, row(voidBet), 'data-status', /^VOID$/);
      await waitText(alice, '#bet-msg', /round was voided: your stake is refunded/);
      await waitText(alice, '#reveal-result', new RegExp(`Round ${voided} voided: no result`));
      await until(
        'the voided round in the history',
        () => alice.isVisible(`#history tr[data-round-id="${voided}"] button.verify`),
        (ok) => ok,
      );
      await alice.click(`#history tr[data-round-id="${voided}"] button.verify`);
      await waitText(alice, `#history tr[data-round-id="${voided}"] .fair`, /^voided, no result$/);
      await waitText(alice, '#fair-detail', new RegExp(`Round ${voided}: voided, no result`));
      assert.doesNotMatch(await textOf(alice, '#fair-detail'), /recorded/);
      await shot(alice, 'player-void.png');

      // A withdrawal through to paid.
      await bob.fill('#withdraw-amount', '5.00');
      await bob.click('#withdraw-form button[type="submit"]');
      const requested = await waitText(bob, '#wallet-msg', /Withdrawal #\d+ of 5\.00 requested/);
      const wId = Number(/#(\d+)/.exec(requested)![1]);
      await waitText(bob, `#withdrawals tr[data-withdrawal-id="${wId}"] td.status`, /held/);
      assert.equal((await service.operator('POST', `/v1/admin/withdrawals/${wId}/approve`, {})).status, 200);
      await waitText(bob, `#withdrawals tr[data-withdrawal-id="${wId}"] td.status`, /^paid out$/);

      // 360 px: nothing wider than the screen; every bet column is on screen.
      const overflow = await bob.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= 360, `the page is ${overflow} px wide at 360 px`);
      const cells = await bob.evaluate(() =>
        [...document.querySelectorAll('#bets tr:first-child td')].map((td) => {
          const r = td.getBoundingClientRect();
          return r.width === 0 || (r.left >= 0 && r.right <= 360);
        }),
      );
      assert.ok(cells.length >= 8 && cells.every(Boolean), 'every cell of a bet row fits at 360 px');
      await bob.evaluate(() => window.scrollTo(0, 0));
      await shot(bob, 'player-phone-360.png');
      assert.deepEqual(chromium.pageErrors, [], 'no script errors on the pages');
    } catch (err) {
      await failureShots(chromium.pages, (i) => `player-failure-${i}.png`);
      throw err;
    } finally {
      await chromium.close();
      await service.stop();
    }
  },
);
