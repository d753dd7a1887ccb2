// The published rules page and the operator's configuration history in a real browser
// (Debian's Chromium through playwright-core) against a real listening service with its
// scheduler: an operator writes version 2 on /admin, sees it pending ("next round"), then
// applied from the round that opened under it; /rules shows the current round's version with
// every section, /rules?version=1 the version an earlier round ran under, and the player's
// round history links each round's version. Screenshots go to
// test-results/ (rules.png, rules-v1.png, admin-config.png).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { gameConfigSeed, seedGameConfig } from '../src/betting/game-config.ts';
import { uniqueName } from './helpers/app.ts';
import { waitUntil } from './helpers/game.ts';
import {
  apiClient,
  browserSkip,
  failureShots,
  launchChromium,
  loginAdmin,
  shot,
  textOf,
  waitText,
} from './helpers/browser.ts';
import { startLiveService } from './helpers/live-service.ts';

const skip = browserSkip();

const startService = () =>
  startLiveService(
    {
      AUTH_SECRET: 'browser-rules-secret-long-enough-0123456789',
      ROUND_SECONDS: '3',
      MIN_BET: '10',
      RAKE_BPS: '200',
    },
    { beforeApp: (deps) => seedGameConfig(deps.pool, gameConfigSeed(deps.config)) },
  );

test('the rules page and the configuration history on /admin', { skip, timeout: 120_000 }, async () => {
  const service = await startService();
  const chromium = await launchChromium();
  const newPage = () => chromium.newPage({ width: 1200, height: 1000 });
  try {
    const admin = await newPage();
    const opName = uniqueName('op');
    await createUser(service.db.pool, opName, 'operator-password-1', 'operator');
    await loginAdmin(admin, service.base, opName, 'operator-password-1');
    await admin.waitForSelector('#config-card:not([hidden])');
    await admin.waitForSelector('#config-history tr[data-version="1"]');
    assert.match(await textOf(admin, '#config-history tr[data-version="1"]'), /environment/);

    await admin.fill('#config-minBet', '0.50');
    await admin.fill('#config-rakeBps', '300');
    await admin.fill('#config-reason', 'higher minimum, browser test');
    await admin.click('#config-form button[type="submit"]');
    const saved = await waitText(admin, '#config-msg', /Version 2 saved/);
    const from = Number(/applies from round (\d+)/.exec(saved)?.[1]);
    assert.ok(from > 0, saved);
    await admin.waitForSelector('#config-history tr[data-version="2"][data-pending="true"]');
    assert.match(await textOf(admin, '#config-history tr[data-version="2"] .applies'), /next round/);

    // Once a round opened under version 2, the history says which.
    let firstOfV2 = 0;
    await waitUntil('a round under version 2', async () => {
      const r = (await apiClient(service.base)('GET', '/v1/rounds/current')).body;
      firstOfV2 = r.configVersion === 2 ? r.roundId : 0;
      return firstOfV2 > 0;
    });
    await admin.reload();
    await admin.waitForSelector('#config-history tr[data-version="2"][data-pending="false"]');
    const applies = await textOf(admin, '#config-history tr[data-version="2"] .applies');
    assert.ok(Number(/round (\d+)/.exec(applies)?.[1]) <= firstOfV2, applies);
    await shot(admin, 'admin-config.png');

    // An auditor reads the same history and gets no form to change it.
    const auditor = await newPage();
    const auditorName = uniqueName('aud');
    await createUser(service.db.pool, auditorName, 'auditor-password-1', 'auditor');
    await loginAdmin(auditor, service.base, auditorName, 'auditor-password-1');
    await auditor.waitForSelector('#config-history tr[data-version="2"]');
    assert.equal(await auditor.isVisible('#config-card'), true);
    assert.equal(await auditor.isVisible('#config-form'), false, 'auditors only read');

    const rules = await newPage();
    await rules.goto(`${service.base}/rules`);
    await waitText(rules, '#rules-version', /version 2/);
    const terms = await textOf(rules, '#rules-terms');
    assert.match(terms, /0\.50/);
    assert.match(terms, /3% of net winnings \(300 bps\)/);
    for (const id of [
      'matching',
      'lapse',
      'cancellation',
      'void',
      'interruption',
      'commission',
      'limits',
      'fairness',
    ]) {
      await rules.waitForSelector(`#rules-${id}`);
    }
    assert.match(await textOf(rules, '#rules-interruption'), /voided and every stake refunded/);
    assert.equal(await rules.getAttribute('#verifier-link', 'href'), '/#history-card');
    await rules.waitForSelector('#example-players tr');
    await shot(rules, 'rules.png');

    await rules.goto(`${service.base}/rules?version=1`);
    await waitText(rules, '#rules-version', /version 1/);
    assert.match(await textOf(rules, '#rules-terms'), /200 bps/);
    await shot(rules, 'rules-v1.png');
    // Each round in the player's history links the rules version it ran under.
    const player = await newPage();
    await player.goto(`${service.base}/`);
    const link = '#history tr a.rules-link[href^="/rules?version="]';
    await player.waitForSelector(link);
    const version = Number(/version=(\d+)/.exec((await player.getAttribute(link, 'href')) ?? '')?.[1]);
    await player.click(link);
    await waitText(player, '#rules-version', new RegExp(`version ${version}`));
    assert.deepEqual(chromium.pageErrors, [], 'no script errors on the pages');
  } catch (err) {
    await failureShots(chromium.pages, (i) => `rules-failure-${i}.png`);
    throw err;
  } finally {
    await chromium.close();
    await service.stop();
  }
});
