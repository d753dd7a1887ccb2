// Players and bets over the HTTP API for the game suites: a funded player, placing a bet (with
// or without an Idempotency-Key, valid or not), cancelling and reading one, and asserting a
// refusal's status and stable code.
import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';

export type Player = { userId: number; token: string };

let keys = 0;

/** A newly registered player with `funds` deposited (nothing when 0). */
export async function fundedPlayer(t: TestApp, funds: number): Promise<Player> {
  const p = await t.registerPlayer();
  if (funds > 0) await t.deposit(p.userId, funds);
  return p;
}

/** POST /v1/bets with `body` as given, under a fresh Idempotency-Key unless `key` is given (null: none). */
export function postBet(
  t: TestApp,
  p: Player,
  body: Record<string, unknown>,
  key: string | null = `test-bet-${++keys}`,
) {
  return t.request({
    method: 'POST',
    url: '/v1/bets',
    token: p.token,
    body,
    headers: key === null ? {} : { 'idempotency-key': key },
  });
}

/** Places a bet that must be accepted (202) and returns its id. */
export async function placedBet(
  t: TestApp,
  p: Player,
  roundId: bigint,
  side: string,
  amount: number,
): Promise<number> {
  const res = await postBet(t, p, { roundId: Number(roundId), side, amount });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.betId as number;
}

/** DELETE /v1/bets/:id as `p` (a cancel). */
export const deleteBet = (t: TestApp, p: Player, betId: number) =>
  t.request({ method: 'DELETE', url: `/v1/bets/${betId}`, token: p.token });

/** GET /v1/bets/:id as `p`. */
export const readBet = (t: TestApp, p: Player, betId: number) =>
  t.request({ method: 'GET', url: `/v1/bets/${betId}`, token: p.token });

/** The answer is `status`, and its error code is `code` when given. */
export function assertError(res: { status: number; body: any }, status: number, code?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  if (code) assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
}
