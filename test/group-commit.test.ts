// Group commit (issue 9): many money operations share one transaction and a handful of
// set-based statements, yet each gets its own answer, refusals never fail their neighbours,
// one player's bets apply in arrival order against the wallet guard, the queue is bounded,
// and a SIGKILL mid-batch loses nothing acknowledged and applies nothing twice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { GroupCommit } from '../src/ledger/group-commit.ts';
import type { MoneyOperation } from '../src/money.ts';
import type { Submission } from '../src/ledger/transaction-service.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { assertAudit, guardBalance } from './helpers/ledger.ts';
import { cliEnv, freePort, kill9, startCli, stopChild } from './helpers/process.ts';
import { freshRound } from './helpers/rounds.ts';
import { httpOk, waitFor } from '../scripts/lib/ports.ts';
import { sleep } from './helpers/util.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ BATCH_WINDOW_MS: '5', MAX_BET: '1000000' });
});
after(async () => t.close());

const bet = (userId: number, roundId: bigint, amount: number, side = 'red'): MoneyOperation => ({
  type: 'placeBet',
  userId: BigInt(userId),
  roundId,
  side,
  amount: BigInt(amount),
});
const keyed = (op: MoneyOperation, userId: number, key: string, hash = key): Submission<MoneyOperation> => ({
  op,
  idempotency: { scope: `user:${userId}`, key, requestHash: hash },
});

async function betsOf(userId: number): Promise<bigint[]> {
  const { rows } = await t.db.pool.query<{ amount: bigint }>(
    'SELECT amount FROM bets WHERE user_id = $1 ORDER BY id',
    [userId],
  );
  return rows.map((r) => r.amount);
}

test('200 concurrent bets against a wallet that affords 50: exactly 50 accepted, wallet at 0', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 50 * 40);
  const answers = await Promise.all(
    Array.from({ length: 200 }, () =>
      t.request({
        method: 'POST',
        url: '/v1/bets',
        token: p.token,
        headers: { 'idempotency-key': randomUUID() },
        body: { roundId: Number(roundId), side: 'red', amount: 40 },
      }),
    ),
  );
  const byStatus = new Map<number, number>();
  for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(byStatus), { 202: 50, 422: 150 });
  for (const a of answers.filter((x) => x.status === 422))
    assert.equal(a.body.error.code, 'INSUFFICIENT_FUNDS');
  assert.equal(await guardBalance(t.db.pool, p.userId), 0n);
  assert.equal((await betsOf(p.userId)).length, 50);
  await assertAudit(t.db.pool);
});

test('one batch of mixed operations: each answered as if alone, refusals undo only themselves', async () => {
  const closed = await freshRound(t.db.pool, t.deps.seeds);
  const current = await freshRound(t.db.pool, t.deps.seeds); // closes `closed`
  const rich = await t.registerPlayer();
  const poor = await t.registerPlayer();
  await t.deposit(rich.userId, 10_000);
  await t.deposit(poor.userId, 30);
  // A first answer to replay, and a key to reuse with another body.
  const [first] = await t.deps.money.submit([keyed(bet(rich.userId, current, 100), rich.userId, 'k-replay')]);
  assert.ok(first?.ok);
  const batch: Submission<MoneyOperation>[] = [
    keyed(bet(rich.userId, current, 200), rich.userId, 'k-new-1'),
    keyed(bet(poor.userId, current, 50), poor.userId, 'k-poor'), // 422
    keyed(bet(rich.userId, current, 100), rich.userId, 'k-replay'), // replay of `first`
    keyed(bet(rich.userId, current, 999), rich.userId, 'k-replay', 'another body'), // 409 conflict
    keyed(bet(rich.userId, closed, 100), rich.userId, 'k-closed'), // 409 round not open
    keyed(bet(rich.userId, current, 5), rich.userId, 'k-limit'), // 422 below MIN_BET
    keyed(bet(rich.userId, current, 100, 'blue'), rich.userId, 'k-side'), // 400 invalid side
    keyed(bet(rich.userId, 999_999n, 100), rich.userId, 'k-no-round'), // 404
    { op: { type: 'deposit', userId: BigInt(poor.userId), amount: 500n, reference: uniqueName('d') } },
    keyed(bet(poor.userId, current, 300), poor.userId, 'k-poor-2'), // 202: after the deposit, in order
    keyed(bet(rich.userId, current, 300, 'green'), rich.userId, 'k-new-2'),
    keyed(bet(rich.userId, current, 200), rich.userId, 'k-new-1'), // the first's answer, once
  ];
  const outcomes = await t.deps.money.submit(batch);
  const said = outcomes.map((o) => (o.ok ? `${o.status}${o.replayed ? ' replay' : ''}` : o.error.code));
  assert.deepEqual(said, [
    '202',
    'INSUFFICIENT_FUNDS',
    '202 replay',
    'IDEMPOTENCY_CONFLICT',
    'ROUND_NOT_OPEN',
    'LIMIT_EXCEEDED',
    'INVALID_SIDE',
    'NOT_FOUND',
    '201',
    '202',
    '202',
    '202 replay',
  ]);
  assert.deepEqual(outcomes[11], { ...outcomes[0], replayed: true });
  const replayed = outcomes[2];
  assert.ok(first.ok && replayed?.ok);
  assert.deepEqual(replayed.body, first.body);
  assert.deepEqual(await betsOf(rich.userId), [100n, 200n, 300n]);
  assert.deepEqual(await betsOf(poor.userId), [300n]);
  assert.equal(await guardBalance(t.db.pool, rich.userId), 10_000n - 600n);
  assert.equal(await guardBalance(t.db.pool, poor.userId), 30n + 500n - 300n);
  // Every refusal is the stored answer of its key.
  const again = await t.deps.money.submit([batch[1]!, batch[4]!]);
  assert.deepEqual(
    again.map((o) => (o.ok ? o.status : o.error.code)),
    ['INSUFFICIENT_FUNDS', 'ROUND_NOT_OPEN'],
  );
  await assertAudit(t.db.pool);
});

test("many bets of one player in one batch apply in arrival order against that player's guard", async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const amounts = [300, 500, 400, 100, 200, 50, 60];
  const outcomes = await t.deps.money.submit(
    amounts.map((a, i) => keyed(bet(p.userId, roundId, a), p.userId, `order-${i}`)),
  );
  // 300 + 500 = 800; 400 refused; 100 -> 900; 200 refused; 50 -> 950; 60 refused.
  assert.deepEqual(
    outcomes.map((o) => (o.ok ? o.status : o.error.code)),
    [202, 202, 'INSUFFICIENT_FUNDS', 202, 'INSUFFICIENT_FUNDS', 202, 'INSUFFICIENT_FUNDS'],
  );
  assert.deepEqual(await betsOf(p.userId), [300n, 500n, 100n, 50n]);
  const ids = outcomes.flatMap((o) => (o.ok ? [(o.body as { betId: number }).betId] : []));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'bet ids follow arrival order',
  );
  assert.equal(await guardBalance(t.db.pool, p.userId), 50n);
});

test('batches in flight over shared players in opposite orders never deadlock or overdraw', async () => {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const players: { userId: number; token: string }[] = [];
  for (let i = 0; i < 6; i++) {
    const p = await t.registerPlayer();
    await t.deposit(p.userId, 5000);
    players.push(p);
  }
  const batches = Array.from({ length: 24 }, (_, b) => {
    const order = b % 2 ? [...players].reverse() : players;
    return order.map((p, i) => keyed(bet(p.userId, roundId, 100 + i), p.userId, `dl-${b}-${i}`));
  });
  const results = await Promise.all(batches.map((batch) => t.deps.money.submit(batch)));
  assert.ok(results.flat().every((o) => o.ok || o.error.code === 'INSUFFICIENT_FUNDS'));
  for (const p of players) assert.ok((await guardBalance(t.db.pool, p.userId)) >= 0n);
  await assertAudit(t.db.pool);
});

test('the queue is bounded: beyond it an operation is refused at once with OVERLOADED', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const group = new GroupCommit<{ idempotency?: undefined }, number>(
    async (batch) => {
      await gate;
      return batch.map(() => ({ status: 'fulfilled', value: 1 }));
    },
    { windowMs: 1, maxBatch: 2, maxQueue: 3, maxInFlight: 1 },
  );
  const accepted = [group.submit({}), group.submit({})]; // one batch, in flight
  await sleep(5);
  const queued = [group.submit({}), group.submit({}), group.submit({})];
  await assert.rejects(group.submit({}), (err: Error & { code?: string }) => err.code === 'OVERLOADED');
  release();
  assert.deepEqual(await Promise.all([...accepted, ...queued]), [1, 1, 1, 1, 1]);
});

test('an API answering 503 OVERLOADED says Retry-After', async () => {
  const small = await startTestApp({ BATCH_QUEUE_MAX: '1', BATCH_IN_FLIGHT: '1', BATCH_WINDOW_MS: '50' });
  try {
    const p = await small.registerPlayer();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        small.request({
          method: 'POST',
          url: '/v1/wallet/withdrawals',
          token: p.token,
          headers: { 'idempotency-key': randomUUID() },
          body: { amount: 10 },
        }),
      ),
    );
    const overloaded = answers.filter((a) => a.status === 503);
    assert.ok(overloaded.length >= 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of overloaded) {
      assert.equal(a.body.error.code, 'OVERLOADED');
      assert.equal(a.headers['retry-after'], '1');
    }
  } finally {
    await small.close();
  }
});

test('SIGKILL of an API process with batches in flight: every 202 exists once, nothing applied twice', async () => {
  const SECRET = 'group-commit-test-secret-0123456789abc';
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  const tokens = new TokenService(SECRET, 3600);
  const players = [];
  for (let i = 0; i < 20; i++) {
    const u = await createUser(t.db.pool, uniqueName('k'), 'password-123', 'player');
    await t.deposit(Number(u.userId), 1_000_000);
    players.push({ userId: Number(u.userId), token: await tokens.issue(u) });
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const startApi = () =>
    startCli(
      ['start', '--roles', 'api'],
      cliEnv({
        DATABASE_URL: t.db.url,
        PORT: String(port),
        AUTH_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '0',
      }),
    );
  const api = startApi();
  try {
    await waitFor('api', () => httpOk(`${base}/healthz`), 60_000);
    const acknowledged: { key: string; body: string; betId: number; token: string }[] = [];
    let sending = true;
    const senders = players.map(async (p) => {
      for (let i = 0; sending; i++) {
        const key = randomUUID();
        const sent = JSON.stringify({
          roundId: Number(roundId),
          side: i % 2 ? 'red' : 'green',
          amount: 10 + i,
        });
        const res = await fetch(`${base}/v1/bets`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${p.token}`,
            'idempotency-key': key,
            'content-type': 'application/json',
          },
          body: sent,
        }).catch(() => undefined);
        if (!res) return;
        const body = (await res.json().catch(() => ({}))) as { betId?: number };
        if (res.status === 202 && body.betId)
          acknowledged.push({ key, body: sent, betId: body.betId, token: p.token });
      }
    });
    await sleep(1500);
    await kill9(api.child);
    sending = false;
    await Promise.all(senders);
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} bets were acknowledged`);
    const { rows } = await t.db.pool.query<{ id: bigint }>(
      'SELECT id FROM bets WHERE id = ANY($1::bigint[])',
      [acknowledged.map((a) => a.betId)],
    );
    assert.equal(rows.length, acknowledged.length, 'an acknowledged bet is missing');
    // Replaying every acknowledged key through a fresh API answers the same bet and places nothing new.
    const before = await t.db.pool.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM bets WHERE round_id = $1',
      [roundId],
    );
    const again = startApi();
    try {
      await waitFor('api again', () => httpOk(`${base}/healthz`), 60_000);
      for (const a of acknowledged.slice(0, 50)) {
        const res = await fetch(`${base}/v1/bets`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${a.token}`,
            'idempotency-key': a.key,
            'content-type': 'application/json',
          },
          body: a.body,
        });
        const body = (await res.json()) as { betId?: number };
        assert.equal(res.status, 202);
        assert.equal(res.headers.get('idempotent-replayed'), 'true');
        assert.equal(body.betId, a.betId);
      }
    } finally {
      await stopChild(again.child);
    }
    const afterCount = await t.db.pool.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM bets WHERE round_id = $1',
      [roundId],
    );
    assert.equal(afterCount.rows[0]?.n, before.rows[0]?.n);
    const dupes = await t.db.pool.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT bet_id FROM transfers WHERE kind = 'stake' AND round_id = $1
        GROUP BY bet_id HAVING count(*) > 1) d`,
      [roundId],
    );
    assert.equal(dupes.rows[0]?.n, 0n, 'a stake applied twice');
    await assertAudit(t.db.pool);
  } finally {
    await stopChild(api.child, 1000);
  }
});
