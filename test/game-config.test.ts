// Versioned game configuration (issue 12, items 2 and 3): a change applies from the next round
// that opens and never to the round in progress (limits at placement, rake at settlement, the
// database keeps a round's version), the history says which round each version applies from,
// bad changes are refused with stable codes and write nothing, and the published rules follow
// the version of the current round.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { gameConfigSeed, seedDifferences, seedGameConfig } from '../src/betting/game-config.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { fundedPlayers, openRoundId, startGameWorkers, waitUntil } from './helpers/game.ts';
import { assertAudit, escrowBalance } from './helpers/ledger.ts';
import { roundStatus } from './helpers/rounds.ts';

let t: TestApp;
let game: { stop(): Promise<void> } | undefined;

before(async () => {
  t = await startTestApp({ ROUND_SECONDS: '3', MIN_BET: '10', MAX_BET: '1000', RAKE_BPS: '200' });
  // What `colorbet start` does: the environment seeds version 1.
  await seedGameConfig(t.deps.pool, gameConfigSeed(t.deps.config));
});
after(async () => {
  await game?.stop();
  await t.close();
});

const bet = (token: string, roundId: number, side: string, amount: number) =>
  t.request({
    method: 'POST',
    url: '/v1/bets',
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId, side, amount },
  });

const changeConfig = (body: object, token = t.operatorToken) =>
  t.request({ method: 'POST', url: '/v1/admin/config', token, body });

async function staffToken(role: 'auditor' | 'support'): Promise<string> {
  const user = await createUser(t.db.pool, uniqueName(role), 'staff-password-1', role);
  return t.deps.tokens.issue(user);
}

test('the environment seeds version 1 once; a start with other values changes nothing and says so', async () => {
  const other = { ...gameConfigSeed(t.deps.config), minBet: 99n, sides: ['blue', 'green'] as const };
  const current = await seedGameConfig(t.deps.pool, other);
  assert.equal(current.version, 1);
  assert.equal(current.minBet, 10n);
  assert.deepEqual(current.sides, ['red', 'green']);
  assert.deepEqual(seedDifferences(current, other), ['SIDES', 'MIN_BET']);
  assert.deepEqual(seedDifferences(current, gameConfigSeed(t.deps.config)), []);
});

test('bad changes are refused with stable codes and write no version', async () => {
  const refusals: [object, number, string][] = [
    [{ reason: 'nothing else' }, 400, 'VALIDATION'],
    [{ minBet: 20 }, 400, 'VALIDATION'],
    [{ minBet: 20, reason: '' }, 400, 'VALIDATION'],
    [{ rakeBps: 10_001, reason: 'too much' }, 400, 'VALIDATION'],
    [{ minBet: 0, reason: 'zero' }, 400, 'VALIDATION'],
    [{ minBet: 1.5, reason: 'fraction' }, 400, 'VALIDATION'],
    [{ sides: ['red'], reason: 'one side' }, 400, 'VALIDATION'],
    [{ colour: 'blue', reason: 'unknown field' }, 400, 'VALIDATION'],
    [{ minBet: 20, reason: '   ' }, 400, 'VALIDATION'],
    [{ minBet: 20, reason: 'nul \u0000 byte' }, 400, 'VALIDATION'],
    [{ minBet: 2000, reason: 'above the current maxBet' }, 400, 'CONFIG_INVALID'],
    [{ sides: ['red', 'red'], reason: 'same side twice' }, 400, 'CONFIG_INVALID'],
    [{ minBet: 10, maxBet: 1000, reason: 'the same values' }, 409, 'CONFIG_UNCHANGED'],
  ];
  for (const [body, status, code] of refusals) {
    const res = await changeConfig(body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, code, JSON.stringify(body));
  }
  const player = await t.registerPlayer();
  assert.equal((await changeConfig({ minBet: 20, reason: 'x' }, player.token)).status, 403);
  assert.equal((await t.request({ method: 'POST', url: '/v1/admin/config', body: {} })).status, 401);
  const auditor = await staffToken('auditor');
  assert.equal((await changeConfig({ minBet: 20, reason: 'x' }, auditor)).status, 403, 'auditors only read');
  const read = await t.request({ method: 'GET', url: '/v1/admin/config', token: auditor });
  assert.equal(read.status, 200);
  assert.deepEqual(
    read.body.versions.map((v: { version: number }) => v.version),
    [1],
    'nothing was written',
  );
  assert.equal(read.body.current.createdBy, null, 'version 1 comes from the environment');
  const support = await staffToken('support');
  assert.equal((await t.request({ method: 'GET', url: '/v1/admin/config', token: support })).status, 403);
  assert.equal(
    (await t.request({ method: 'GET', url: '/v1/admin/config', token: player.token })).status,
    403,
  );
});

test('a change applies from the next round only: limits and rake of the round in progress stay', async () => {
  const [alice, bob, carol] = await fundedPlayers(t, 3, 100_000);
  game = startGameWorkers(t);
  const first = await openRoundId(t, 2000);
  const change = await changeConfig({ minBet: 50, maxBet: 5000, rakeBps: 500, reason: 'new limits' });
  assert.equal(change.status, 201, JSON.stringify(change.body));
  assert.equal(change.body.version, 2);
  assert.equal(change.body.pending, true);
  assert.ok(change.body.appliesFromRound > first, 'applies from a later round');

  // The round in progress keeps version 1: 20 is accepted (v2 says 50), 1500 refused (v2 allows it).
  assert.equal((await bet(alice!.token, first, 'red', 20)).status, 202);
  const over = await bet(alice!.token, first, 'red', 1500);
  assert.equal(over.status, 422);
  assert.equal(over.body.error.code, 'LIMIT_EXCEEDED');
  assert.equal(over.body.error.details.maxBet, 1000);
  assert.equal((await bet(alice!.token, first, 'red', 480)).status, 202);
  assert.equal((await bet(bob!.token, first, 'green', 500)).status, 202);
  // The database keeps a round's version, whoever asks.
  await assert.rejects(
    t.db.pool.query('UPDATE rounds SET config_version = 2 WHERE id = $1', [first]),
    /keeps the configuration version/,
  );

  await waitUntil(
    'the first round settled',
    async () => (await roundStatus(t.db.pool, BigInt(first))) === 'SETTLED',
  );
  const settled = await t.db.pool.query<{ rake_bps: bigint; config_version: number; commission: bigint }>(
    `SELECT r.rake_bps, r.config_version, (SELECT sum(commission) FROM round_settlements s WHERE s.round_id = r.id)::bigint AS commission
     FROM rounds r WHERE r.id = $1`,
    [first],
  );
  const row = settled.rows[0]!;
  assert.equal(row.config_version, 1);
  assert.equal(row.rake_bps, 200n);
  // One side won a net 500: 2% is 10 (version 2's 5% would be 25).
  assert.equal(row.commission, 10n);
  assert.equal(await escrowBalance(t.db.pool, BigInt(first)), 0n);

  const next = await openRoundId(t, 1500, first);
  const round = await t.request({ method: 'GET', url: `/v1/rounds/${next}` });
  assert.equal(round.body.configVersion, 2);
  assert.equal(round.body.rakeBps, 500);
  assert.equal(round.body.rulesUrl, '/rules?version=2');
  const low = await bet(carol!.token, next, 'red', 20);
  assert.equal(low.status, 422, 'version 2: at least 50');
  assert.equal(low.body.error.details.minBet, 50);
  assert.equal((await bet(carol!.token, next, 'red', 1500)).status, 202, 'version 2: up to 5000');
  const past = await t.request({ method: 'GET', url: `/v1/rounds/${first}` });
  assert.equal(past.body.configVersion, 1);
  assert.equal(past.body.rulesUrl, '/rules?version=1');

  const history = await t.request({ method: 'GET', url: '/v1/admin/config', token: t.operatorToken });
  assert.equal(history.status, 200);
  const [v2, v1] = history.body.versions;
  assert.equal(v2.version, 2);
  assert.equal(v2.pending, false);
  assert.equal(v2.reason, 'new limits');
  assert.ok(v2.createdBy.startsWith('op_'), 'written by the operator');
  const firstOfV2 = await t.db.pool.query<{ id: bigint }>(
    'SELECT min(id) AS id FROM rounds WHERE config_version = 2',
  );
  assert.equal(v2.appliesFromRound, Number(firstOfV2.rows[0]!.id));
  assert.ok(v2.appliesFromRound > first);
  assert.ok(v1.appliesFromRound <= first);
  const audit = await t.db.pool.query(
    `SELECT actor_id, reason, detail FROM audit_log WHERE action = 'config.change'`,
  );
  assert.equal(audit.rows.length, 1, 'the change is in the audit log');
  assert.equal(audit.rows[0].reason, 'new limits');
  assert.equal(audit.rows[0].detail.rakeBps, 500);
  await game.stop();
  game = undefined;
  await assertAudit(t.db.pool);
});

test('the rules follow the current round version; ?version=N gives the one a round ran under', async () => {
  const current = await t.request({ method: 'GET', url: '/v1/rules' });
  assert.equal(current.status, 200);
  const round = await t.request({ method: 'GET', url: '/v1/rounds/current' });
  assert.equal(current.body.version, round.body.configVersion);
  assert.equal(current.body.version, 2);
  assert.equal(current.body.minBet, 50);
  assert.equal(current.body.maxBet, 5000);
  assert.equal(current.body.rakeBps, 500);
  const ids = current.body.sections.map((s: { id: string }) => s.id);
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
    assert.ok(ids.includes(id), `section ${id}`);
  }
  const text = JSON.stringify(current.body.sections);
  for (const words of [
    'Booking order',
    'Partial fills',
    'No self-match',
    'voided',
    '50 and 5000',
    'fairness/verify',
  ]) {
    assert.ok(text.includes(words), words);
  }
  // The worked example is the settlement rule's own answer, at this version's rake.
  const alice = current.body.commissionExample.players.find((p: { player: string }) => p.player === 'alice');
  assert.equal(alice.commission, Math.floor((alice.net * 500) / 10_000));
  assert.ok(alice.commission > 0);

  const v1 = await t.request({ method: 'GET', url: '/v1/rules?version=1' });
  assert.equal(v1.body.version, 1);
  assert.equal(v1.body.minBet, 10);
  assert.equal(v1.body.rakeBps, 200);
  assert.equal((await t.request({ method: 'GET', url: '/v1/rules?version=99' })).status, 404);
  assert.equal((await t.request({ method: 'GET', url: '/v1/rules?version=x' })).status, 400);
  const page = await t.request({ method: 'GET', url: '/rules' });
  assert.equal(page.status, 200);
  assert.match(String(page.body), /rules\.js/);
});
