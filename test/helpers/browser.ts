// What the browser tests share: Debian's Chromium launched one way (launchChromium), the skip
// rule when it is missing (browserSkip), screenshots into test-results/, the login and
// registration steps, a small API client, and waits. playwright-core has no assertion library,
// so the waits poll the page until the text matches, or time out saying what was seen. They
// poll from the test process rather than inside the page, because in-page polling
// (requestAnimationFrame, or timers) stalls in pages that headless Chromium considers hidden,
// such as a second context's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { uniqueName } from './app.ts';
import { requireDependency } from './env.ts';
import { sleep } from './util.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.resolve('test-results');

/** node:test's `skip` for a browser test: skips loudly without Chromium, fails under COLORBET_REQUIRE_ALL=1. */
export const browserSkip = (): string | false => requireDependency('Chromium', existsSync(CHROMIUM));

/** A full-page screenshot into test-results/. */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, name), fullPage: true });

/** What each page showed when a test failed, for whoever reads the report; never throws. */
export async function failureShots(pages: Page[], name: (i: number) => string): Promise<void> {
  await Promise.all(pages.map((p, i) => shot(p, name(i)).catch(() => undefined)));
}

export interface Chromium {
  browser: Browser;
  /** Every page newPage() opened, in order, and the script errors they threw. */
  pages: Page[];
  pageErrors: string[];
  /** A page in a context of its own, its script errors collected, 15 s default timeout. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Chromium, headless, with test-results/ made. launch() gives every run a fresh temporary
 * profile of its own (playwright refuses a --user-data-dir flag there); `profile` only keeps
 * Chromium's crash dumps out of $HOME, and close() removes it.
 */
export async function launchChromium(): Promise<Chromium> {
  await mkdir(SHOTS, { recursive: true });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'colorbet-chromium-'));
  const removeProfile = () => rm(profile, { recursive: true, force: true });
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        `--crash-dumps-dir=${profile}`,
      ],
    })
    .catch(async (err: unknown) => {
      await removeProfile();
      throw err;
    });
  const pages: Page[] = [];
  const pageErrors: string[] = [];
  return {
    browser,
    pages,
    pageErrors,
    async newPage(viewport) {
      const page = await (await browser.newContext(viewport ? { viewport } : {})).newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      page.setDefaultTimeout(15_000);
      pages.push(page);
      return page;
    },
    async close() {
      await browser.close();
      await removeProfile();
    },
  };
}

/** The /admin login form filled and sent; the caller waits for what its role should see. */
export async function loginAdmin(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/admin`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login');
}

/** A new player registered on the player page; the caller waits for what it should see. */
export async function registerOnPage(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill('#username', uniqueName('pl'));
  await page.fill('#password', 'password-123');
  await page.click('#register');
}

/** registerOnPage, then the bet card; returns the player id the header shows. */
export async function registerPlayer(page: Page, base: string): Promise<number> {
  await registerOnPage(page, base);
  await page.waitForSelector('#bet-card:not([hidden])');
  const who = await textOf(page, '#who');
  const id = /player #(\d+)/.exec(who)?.[1];
  assert.ok(id, `player id shown in the header, got "${who}"`);
  return Number(id);
}

/** A bet from the player page's form; returns the bet id its confirmation names. */
export async function placeBet(page: Page, amount: string, side: string): Promise<number> {
  await page.fill('#amount', amount);
  // The previous bet's confirmation must not be taken for this one's.
  await page.evaluate(() => void (document.getElementById('bet-msg')!.textContent = ''));
  await page.click(`button.bet-side[data-side="${side}"]`);
  const msg = await waitText(page, '#bet-msg', /Bet #\d+/);
  return Number(/Bet #(\d+)/.exec(msg)![1]);
}

/** JSON calls to the service at `base`, with a fresh Idempotency-Key on each call with a body. */
export function apiClient(base: string) {
  return async (method: string, url: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 2000 })) ?? '').trim();
}

/** Polls `read` until `accept` says yes; the error names `what` and the last value seen. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | string = '(nothing read)';
  for (;;) {
    try {
      const value = await read();
      last = value;
      if (accept(value)) return value;
    } catch (err) {
      last = `(error: ${(err as Error).message.split('\n')[0]})`;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

export async function waitText(
  page: Page,
  selector: string,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  return until(
    `${selector} matching ${pattern}`,
    () => page.evaluate((sel) => (document.querySelector(sel)?.textContent ?? '').trim(), selector),
    (text) => pattern.test(text),
    timeoutMs,
  );
}

export async function waitAttribute(
  page: Page,
  selector: string,
  attribute: string,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  return until(
    `${selector}[${attribute}] matching ${pattern}`,
    () =>
      page.evaluate(
        ([sel, attr]) => document.querySelector(sel!)?.getAttribute(attr!) ?? '',
        [selector, attribute],
      ),
    (value) => pattern.test(value),
    timeoutMs,
  );
}

/** The page's amount text ("109.80") moved by `deltaMinor`, as an exact pattern. */
export function shiftedAmount(amountText: string, deltaMinor: number): RegExp {
  const minor = Math.round(Number(amountText.replace(/,/g, '')) * 100) + deltaMinor;
  const text = `${Math.floor(minor / 100).toLocaleString('en-US')}.${String(minor % 100).padStart(2, '0')}`;
  return new RegExp(`^${text.replace(/[.]/g, '\\.')}$`);
}

/**
 * Waits until every page shows the same OPEN round with at least `minSeconds` left (so the
 * bets that follow land in it), and returns its id.
 */
export async function openRoundWith(pages: Page[], minSeconds: number, timeoutMs = 30_000): Promise<number> {
  const states = await until(
    `an OPEN round with ${minSeconds} s left on every page`,
    () =>
      Promise.all(
        pages.map(async (p) => ({
          id: await textOf(p, '#round-id'),
          status: await textOf(p, '#round-status'),
          left: Number.parseFloat(await textOf(p, '#countdown')),
        })),
      ),
    (all) => all.every((s) => s.id === all[0]!.id && s.status === 'OPEN' && s.left >= minSeconds),
    timeoutMs,
  );
  return Number(states[0]!.id);
}
