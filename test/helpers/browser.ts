// Small waits for the browser tests: playwright-core has no assertion library, so these poll
// the page until the text matches, or time out saying what was seen. They poll from the test
// process rather than inside the page, because in-page polling (requestAnimationFrame, or
// timers) stalls in pages that headless Chromium considers hidden, such as a second context's.
import type { Page } from 'playwright-core';
import { sleep } from './util.ts';

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
