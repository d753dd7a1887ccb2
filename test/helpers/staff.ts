// Back-office accounts for tests: a named account of each role, with a token.
import { createUser } from '../../src/auth/users.ts';
import type { StaffRole } from '../../src/auth/tokens.ts';
import { uniqueName, type TestApp } from './app.ts';

export async function staffAccount(t: TestApp, role: StaffRole): Promise<{ userId: number; token: string }> {
  const user = await createUser(t.db.pool, uniqueName(role.slice(0, 3)), 'staff-password-1', role);
  return { userId: Number(user.userId), token: await t.deps.tokens.issue(user) };
}

const seconds = new WeakMap<TestApp, Promise<{ userId: number; token: string }>>();

/** One second operator per app, made once (account creation hashes a password: slow for races). */
export function secondOperator(t: TestApp): Promise<{ userId: number; token: string }> {
  let second = seconds.get(t);
  if (!second) {
    second = staffAccount(t, 'operator');
    seconds.set(t, second);
  }
  return second;
}

/** A void through the API with a reason; after the reveal (or above the threshold) a second operator approves it. */
export async function voidWithFourEyes(t: TestApp, roundId: bigint | number, reason = 'test void') {
  const asked = await t.request({
    method: 'POST',
    url: `/v1/admin/rounds/${roundId}/void`,
    token: t.operatorToken,
    body: { reason },
  });
  if (asked.status !== 202) return asked;
  const second = await secondOperator(t);
  return t.request({
    method: 'POST',
    url: `/v1/admin/approvals/${asked.body.approvalId}`,
    token: second.token,
    body: {},
  });
}

/** A void through the API: as the operator with four eyes (voidWithFourEyes), or as `token` alone. */
export const requestVoid = (t: TestApp, roundId: bigint, token = t.operatorToken) =>
  token === t.operatorToken
    ? voidWithFourEyes(t, roundId)
    : t.request({ method: 'POST', url: `/v1/admin/rounds/${roundId}/void`, token, body: { reason: 'test' } });
