// The back office's read-only views (issue 13 item 3) and integrity signals (issue 12 item 5):
// player search and paging with balances and holds, a player's activity, a round's bets with
// their matches and its settlement lines against the database, and each integrity signal on a
// constructed scenario (and not on the players who only play).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { closeAndSettle, fundedPlayers } from './helpers/game.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
let support: string;
let auditor: string;

before(async () => {
  t = await startTestApp();
  support = await t.deps.tokens.issue(
    await createUser(t.db.pool, uniqueName('sup'), 'support-pw-123', 'support'),
  );
  auditor = await t.deps.tokens.issue(
    await createUser(t.db.pool, uniqueName('aud'), 'auditor-pw-123', 'auditor'),
  );
});
after(async () => t.close());

const get = async (url: string, token = support) => {
  const res = await t.request({ method: 'GET', url, token });
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  return res.body;
};
const bet = async (token: string, roundId: bigint, side: string, amount: number) => {
  const res = await t.request({
    method: 'POST',
    url: '/v1/bets',
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { roundId: Number(roundId), side, amount },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.betId as number;
};
const deposit = async (userId: number, amount: number, reference: string) => {
  const res = await t.request({
    method: 'POST',
    url: '/v1/admin/deposits',
    token: t.operatorToken,
    body: { userId, amount, reference },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
};

test('player search: by name prefix in any case or by id, paged, with balance and holds', async () => {
  const tag = `srch${Date.now() % 100000}`;
  const names = [`${tag}_Ann`, `${tag}_anna`, `${tag}_Bob`];
  const players = [];
  for (const n of names) players.push(await t.registerPlayer(n));
  await t.deposit(players[1]!.userId, 9_000);
  const hold = await t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token: players[1]!.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { amount: 1_500 },
  });
  assert.equal(hold.status, 202);

  const ann = await get(`/v1/admin/players?q=${tag.toUpperCase()}_AN`);
  assert.deepEqual(
    ann.players.map((p: any) => p.username),
    [names[1], names[0]],
    'newest first',
  );
  const anna = ann.players[0];
  assert.equal(anna.balance, 7_500);
  assert.equal(anna.holds, 1_500);
  assert.equal((await get(`/v1/admin/players?q=${players[2]!.userId}`)).players[0].username, names[2]);
  assert.deepEqual((await get(`/v1/admin/players?q=${tag}%25`)).players, [], 'a % in the query is literal');
  // Paging, one at a time, over every match: each once, in order.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await get(`/v1/admin/players?q=${tag}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.players.map((p: any) => p.username));
    cursor = page.nextCursor;
  } while (cursor && seen.length < 10);
  assert.deepEqual(seen, [...names].reverse());

  const detail = await get(`/v1/admin/players/${players[1]!.userId}`);
  assert.equal(detail.player.balance, 7_500);
  assert.deepEqual(
    detail.entries.map((e: any) => [e.kind, e.amount]),
    [
      ['withdrawal_hold', -1_500],
      ['deposit', 9_000],
    ],
  );
  assert.equal(
    (await t.request({ method: 'GET', url: '/v1/admin/players/999999', token: support })).status,
    404,
  );
  for (const [token, status] of [
    [auditor, 403],
    [players[0]!.token, 403],
    [undefined, 401],
  ] as const) {
    const res = await t.request({ method: 'GET', url: '/v1/admin/players', ...(token ? { token } : {}) });
    assert.equal(res.status, status);
  }
  assert.equal(
    (await t.request({ method: 'GET', url: '/v1/admin/players?limit=201', token: support })).status,
    400,
  );
});

test("a round's bets list their matches, and its settlement lines are the database's", async () => {
  const p = await fundedPlayers(t, 4, 50_000);
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  await bet(p[0]!.token, roundId, 'red', 1_000);
  await bet(p[1]!.token, roundId, 'green', 400);
  await bet(p[2]!.token, roundId, 'green', 800);
  await bet(p[3]!.token, roundId, 'red', 100);
  await closeAndSettle(t, roundId);

  const bets: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await get(
      `/v1/admin/rounds/${roundId}/bets?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      auditor,
    );
    bets.push(...page.bets);
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(bets.length, 4);
  const { rows: matches } = await t.db.pool.query<{ bet_id: bigint; against_bet_id: bigint; amount: bigint }>(
    'SELECT bet_id, against_bet_id, amount FROM matches WHERE round_id = $1',
    [roundId],
  );
  assert.ok(matches.length >= 2);
  for (const b of bets) {
    const mine = matches.filter((m) => Number(m.bet_id) === b.betId || Number(m.against_bet_id) === b.betId);
    assert.equal(b.matches.length, mine.length, `bet ${b.betId}`);
    assert.equal(
      b.matches.reduce((s: number, m: any) => s + m.amount, 0),
      b.matchedAmount,
    );
    for (const m of b.matches) {
      const other = bets.find((x) => x.betId === m.againstBetId);
      assert.equal(other.userId, m.againstUserId);
      assert.notEqual(other.side, b.side);
    }
    assert.equal(b.status, 'SETTLED');
  }
  const { settlements } = await get(`/v1/admin/rounds/${roundId}/settlements`);
  const { rows } = await t.db.pool.query<{ user_id: bigint; received: bigint; commission: bigint }>(
    'SELECT user_id, received, commission FROM round_settlements WHERE round_id = $1 ORDER BY user_id DESC',
    [roundId],
  );
  assert.deepEqual(
    settlements.map((s: any) => [s.userId, s.received, s.commission]),
    rows.map((r) => [Number(r.user_id), Number(r.received), Number(r.commission)]),
  );
  const commission = await t.db.pool.query<{ c: bigint }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS c FROM transfers WHERE kind = 'commission' AND round_id = $1`,
    [roundId],
  );
  assert.equal(
    settlements.reduce((s: number, l: any) => s + l.commission, 0),
    Number(commission.rows[0]!.c),
  );
});

test('integrity signals: a colluding pair, a metronome bettor and a shared funding source, with evidence', async () => {
  const [a, b, bot, ...crowd] = await fundedPlayers(t, 11, 100_000);
  const reds = crowd.slice(0, 4);
  const greens = crowd.slice(4, 8);
  for (let r = 0; r < 6; r++) {
    const roundId = await freshRound(t.db.pool, t.deps.seeds);
    // The pair books first each round, so B takes A's stake; the crowd's pairings rotate.
    await bet(a!.token, roundId, 'red', 100);
    await bet(b!.token, roundId, 'green', 100);
    for (let i = 0; i < 4; i++) {
      await bet(reds[i]!.token, roundId, 'red', 100);
      await bet(greens[(i + r) % 4]!.token, roundId, 'green', 100);
    }
    for (let i = 0; i < 4; i++) await bet(bot!.token, roundId, i % 2 ? 'red' : 'green', 10);
    await closeAndSettle(t, roundId);
  }
  // Bet times are constructed: the bot every 2.000 s (+-10 ms), everyone else at irregular times.
  await t.db.pool.query(
    `UPDATE bets SET placed_at = '2026-01-01T00:00:00Z'::timestamptz
       + (row_number * 2 + CASE WHEN user_id = $1 THEN (row_number % 3 - 1) * 0.01 ELSE random() * 50 END) * interval '1 s'
     FROM (SELECT id AS bid, row_number() OVER (PARTITION BY user_id ORDER BY id) AS row_number FROM bets) n
     WHERE n.bid = bets.id`,
    [bot!.userId],
  );
  const source = `card-${Date.now() % 10000}`;
  for (const p of [a, b, bot]) await deposit(p!.userId, 1_000, `${source}:${randomUUID()}`);
  for (const p of crowd.slice(0, 2)) await deposit(p.userId, 1_000, `bank-${p.userId}:${randomUUID()}`);

  const report = await get('/v1/admin/integrity?rounds=6');
  const pair = report.pairs.find(
    (x: any) => [x.userA, x.userB].sort().join() === [a!.userId, b!.userId].sort().join(),
  );
  assert.ok(pair, JSON.stringify(report.pairs));
  assert.equal(pair.rounds, 6);
  assert.equal(pair.observed, 600);
  assert.ok(
    pair.ratio >= 3 && Math.abs(pair.observed / pair.expected - pair.ratio) < 1e-9,
    JSON.stringify(pair),
  );
  assert.equal(report.pairs.length, 1, `only the pair: ${JSON.stringify(report.pairs)}`);

  assert.deepEqual(
    report.timing.map((x: any) => x.userId),
    [bot!.userId],
    JSON.stringify(report.timing),
  );
  assert.equal(report.timing[0].bets, 24);
  assert.ok(report.timing[0].cv < 0.1 && Math.abs(report.timing[0].meanSeconds - 2) < 0.1);

  assert.equal(report.sources.length, 1, JSON.stringify(report.sources));
  assert.equal(report.sources[0].source, source);
  assert.equal(report.sources[0].accounts, 3);
  assert.deepEqual(
    report.sources[0].users.map((u: any) => u.userId),
    [a!.userId, b!.userId, bot!.userId].sort((x, y) => x - y),
  );
  assert.equal((await t.request({ method: 'GET', url: '/v1/admin/integrity', token: auditor })).status, 403);
});
