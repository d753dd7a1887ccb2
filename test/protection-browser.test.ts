// The "Limits & protection" panel and the reality-check dialog of the player page in a real
// browser (Debian's Chromium through playwright-core) against a real listening service: a player
// sets a limit, asks for a higher one and sees it pending for the cooling-off, turns on reality
// checks and must acknowledge one (the interval is made to have passed by writing the last
// acknowledgement's time back, not by waiting), then takes a time-out. Screenshots go to
// test-results/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { listenOnLoopback, startTestApp } from './helpers/app.ts';
import {
  browserSkip,
  launchChromium,
  registerOnPage,
  shot,
  SHOTS,
  textOf,
  waitText,
} from './helpers/browser.ts';

const skip = browserSkip();

test(
  'a player sets limits, acknowledges a reality check and takes a time-out',
  { skip, timeout: 120_000 },
  async () => {
    const t = await startTestApp();
    const base = `http://127.0.0.1:${await listenOnLoopback(t.app)}`;
    const chromium = await launchChromium();
    try {
      const page = await chromium.newPage({ width: 1200, height: 1400 });
      page.on('dialog', (d) => void d.accept()); // the confirm() before a time-out
      await registerOnPage(page, base);
      await page.waitForSelector('#protection-card:not([hidden]) #limits-table');
      const userId = Number(/player #(\d+)/.exec(await textOf(page, '#who'))?.[1]);
      await t.deposit(userId, 10_000);

      const cell = '#limits-table td[data-kind="stake"][data-period="24h"]';
      await page.selectOption('#limit-kind', 'stake');
      await page.selectOption('#limit-period', '24h');
      await page.fill('#limit-amount', '5');
      await page.click('#limit-form button');
      await waitText(page, cell, /5\.00/);
      await waitText(page, '#protection-msg', /in force now/);
      await page.fill('#limit-amount', '50');
      await page.click('#limit-form button');
      await waitText(page, cell, /→ 50\.00 from/);
      assert.match(await textOf(page, cell), /^5\.00/, 'the old limit stays in force during the cooling-off');
      // The server agrees with the page.
      const limits = await t.request({
        method: 'GET',
        url: `/v1/admin/players/${userId}/protection`,
        token: t.operatorToken,
      });
      const stake = limits.body.limits.find(
        (l: { kind: string; period: string }) => l.kind === 'stake' && l.period === '24h',
      );
      assert.equal(stake.limit, 500);
      assert.equal(stake.pending.limit, 5_000);

      await page.selectOption('#reality-minutes', '15');
      await page.click('#reality-minutes >> xpath=ancestor::form//button');
      await waitText(page, '#protection-msg', /^Saved\.$/);
      await page.evaluate(() =>
        localStorage.setItem('colorbet.protection.lastAck', String(Date.now() - 16 * 60_000)),
      );
      await page.waitForSelector('#reality-check[open]');
      assert.match(await textOf(page, '#reality-text'), /playing for \d+ minutes.*net result of 0\.00/s);
      await shot(page, 'reality-check.png');
      await page.click('#reality-ack');
      await page.waitForSelector('#reality-check:not([open])', { state: 'attached' });

      await page.selectOption('#timeout-hours', '24');
      await page.click('#timeout-button');
      await waitText(page, '#protection-status', /Time-out until/);
      await page.locator('#protection-card').screenshot({ path: path.join(SHOTS, 'player-protection.png') });
      assert.deepEqual(chromium.pageErrors, []);
    } finally {
      await chromium.close();
      await t.close();
    }
  },
);
