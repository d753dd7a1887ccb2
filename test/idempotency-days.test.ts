// I8 across days (migration 0028): idempotency keys live in one partition per UTC day, each claim
// written as a real row in its day and a shadow in the next, so a key stays unique across
// midnight by the unique index alone, and retention drops whole days.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import {
  claimKeys,
  dropExpiredIdempotencyDays,
  setIdempotencyClock,
  storeResponses,
} from '../src/ledger/idempotency.ts';
import { guardOf } from '../src/errors.ts';
import { partitionsReport } from '../src/cli/partitions.ts';
import type { Runtime } from '../src/cli/runtime.ts';
import { partitionHeadroom } from '../src/db/partitions.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { guardBalance } from './helpers/ledger.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
afterEach(() => setIdempotencyClock(undefined));
after(async () => t.close());

const DAY_MS = 86_400_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
/** A moment `days` days from today's UTC midnight, plus `ms`. */
const at = (days: number, ms = 0) => today + days * DAY_MS + ms;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const withdraw = (token: string, amount: number, key: string) =>
  t.request({
    method: 'POST',
    url: '/v1/wallet/withdrawals',
    token,
    body: { amount },
    headers: { 'idempotency-key': key },
  });

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: bigint }>(sql, params);
  return Number(rows[0]!.n);
}

const withdrawalsOf = (userId: number) =>
  count('SELECT count(*) AS n FROM withdrawals WHERE user_id = $1', [userId]);

test('a claim writes its real row in its day and a shadow in the next', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 100);
  setIdempotencyClock(() => at(1, 12 * 3_600_000));
  assert.equal((await withdraw(p.token, 10, 'rows')).status, 202);
  const { rows } = await t.db.pool.query<{ day: string; shadow: boolean; answered: boolean }>(
    `SELECT day::text AS day, shadow, status_code IS NOT NULL AS answered FROM idempotency_keys
     WHERE scope = $1 AND key = 'rows' ORDER BY day`,
    [`user:${p.userId}`],
  );
  assert.deepEqual(rows, [
    { day: iso(at(1)), shadow: false, answered: true },
    { day: iso(at(2)), shadow: true, answered: false },
  ]);
});

test('a replay across midnight answers the first response and moves money once', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  setIdempotencyClock(() => at(1, -1000)); // 23:59:59 today
  const first = await withdraw(p.token, 300, 'midnight');
  assert.equal(first.status, 202);
  setIdempotencyClock(() => at(1, 1000)); // 00:00:01 tomorrow
  const again = await withdraw(p.token, 300, 'midnight');
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  // And again the day after: the shadow has gone by, the key is found in the day before.
  setIdempotencyClock(() => at(2, 1000));
  const later = await withdraw(p.token, 300, 'midnight');
  assert.equal(later.status, 202);
  assert.equal(later.headers['idempotent-replayed'], undefined, 'past a day the key is new');
  assert.equal(await guardBalance(t.db.pool, p.userId), 400n);
  assert.equal(await withdrawalsOf(p.userId), 2);
});

test('another body under the key across midnight is 409 and moves nothing', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  setIdempotencyClock(() => at(1, -1000));
  assert.equal((await withdraw(p.token, 100, 'other')).status, 202);
  setIdempotencyClock(() => at(1, 1000));
  const other = await withdraw(p.token, 101, 'other');
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'IDEMPOTENCY_CONFLICT');
  assert.equal(await guardBalance(t.db.pool, p.userId), 900n);
  assert.equal(await withdrawalsOf(p.userId), 1);
});

test('concurrent claims on both sides of midnight: money moves once', async () => {
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  // Each claim reads the clock once: alternate sides of midnight, as two API processes would.
  let calls = 0;
  setIdempotencyClock(() => (calls++ % 2 === 0 ? at(1, -1) : at(1, 1)));
  const answers = await Promise.all(Array.from({ length: 12 }, () => withdraw(p.token, 50, 'race')));
  const ok = answers.filter((a) => a.status === 202);
  assert.ok(ok.length >= 1, JSON.stringify(answers.map((a) => a.body)));
  for (const a of answers) {
    if (a.status === 202) assert.deepEqual(a.body, ok[0]!.body);
    else {
      assert.equal(a.status, 409, JSON.stringify(a.body));
      assert.equal(a.body.error.code, 'IDEMPOTENCY_IN_PROGRESS');
    }
  }
  assert.equal(await withdrawalsOf(p.userId), 1);
  assert.equal(await guardBalance(t.db.pool, p.userId), 950n);
});

test('a claim made before midnight after one made past it fails, and its retry answers from that one', async () => {
  const claim = { scope: 'test:torn', key: 'k1', requestHash: 'h' };
  const late = await t.db.pool.connect();
  const early = await t.db.pool.connect();
  try {
    // The claimer past midnight goes first and holds its row uncommitted.
    await late.query('BEGIN');
    setIdempotencyClock(() => at(2, 5));
    const mine = await claimKeys(late, [claim]);
    assert.deepEqual(mine.results, [{ claimed: true }]);
    // A claimer still on the day before: its real row goes in, its shadow waits on the other's.
    await early.query('BEGIN');
    setIdempotencyClock(() => at(2, -5));
    const racing = claimKeys(early, [claim]).then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 200));
    await storeResponses(late, mine.day, [{ claim, response: { status: 201, body: { first: true } } }]);
    await late.query('COMMIT');
    const err = await racing;
    assert.ok(err, 'the claim before midnight must not succeed');
    assert.equal(guardOf(err), 'idempotency_keys_shadowed');
    await early.query('ROLLBACK');
    // The retry (the transaction service's, one operation at a time) finds the first claim.
    await early.query('BEGIN');
    const retry = await claimKeys(early, [claim]);
    assert.deepEqual(retry.results, [{ claimed: false, stored: { status: 201, body: { first: true } } }]);
    await early.query('ROLLBACK');
  } finally {
    await late.query('ROLLBACK').catch(() => undefined);
    await early.query('ROLLBACK').catch(() => undefined);
    late.release();
    early.release();
  }
  assert.equal(
    await count(`SELECT count(*) AS n FROM idempotency_keys WHERE scope = 'test:torn' AND NOT shadow`, []),
    1,
  );
});

test('the database refuses a real row without its shadow; verify names a disabled shadow trigger', async () => {
  await assert.rejects(
    t.db.pool.query(
      `INSERT INTO idempotency_keys (day, scope, key, request_hash) VALUES ($1, 'test:lone', 'k', 'h')`,
      [iso(at(1))],
    ),
    (err: unknown) =>
      guardOf(err) === 'idempotency_keys_shadowed' && (err as { code: string }).code === '23505',
  );
  await t.db.pool.query('ALTER TABLE idempotency_keys DISABLE TRIGGER idempotency_keys_shadowed');
  try {
    const report = await runAudit(t.db.pool, { full: true });
    const i8 = report.checks.find((c) => c.invariant === 'I8');
    assert.equal(i8?.ok, false, JSON.stringify(i8));
  } finally {
    await t.db.pool.query('ALTER TABLE idempotency_keys ENABLE TRIGGER idempotency_keys_shadowed');
  }
  assert.equal((await runAudit(t.db.pool, { full: true })).ok, true);
});

test('retention drops whole days: keys past it are forgotten, younger keys replay', async () => {
  for (let d = -5; d <= -1; d++)
    await t.db.pool.query(`SELECT colorbet_add_partition('idempotency_keys', $1)`, [
      Math.round(at(d) / DAY_MS),
    ]);
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  setIdempotencyClock(() => at(-4, 12 * 3_600_000));
  assert.equal((await withdraw(p.token, 10, 'old')).status, 202);
  setIdempotencyClock(() => at(-1, 1000)); // just past yesterday's midnight: at least 23 hours old
  assert.equal((await withdraw(p.token, 10, 'young')).status, 202);
  setIdempotencyClock(undefined);

  const dropped = await dropExpiredIdempotencyDays(t.db.pool, 24);
  // Day -1 holds young keys (its shadows are in today's partition); every older day goes.
  assert.deepEqual(
    dropped.days,
    [-5, -4, -3, -2].map((d) => iso(at(d))),
  );
  assert.deepEqual((await dropExpiredIdempotencyDays(t.db.pool, 24)).days, []);
  const { rows } = await t.db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'idempotency_keys'::regclass ORDER BY 1`,
  );
  const names = rows.map((r) => r.name);
  assert.ok(names.includes(`idempotency_keys_p${iso(at(-1)).replaceAll('-', '')}`), names.join());
  assert.ok(names.includes(`idempotency_keys_p${iso(at(0)).replaceAll('-', '')}`), names.join());

  // The young key still replays its first answer and moves nothing; the old one is a new request.
  const young = await withdraw(p.token, 10, 'young');
  assert.equal(young.headers['idempotent-replayed'], 'true');
  const old = await withdraw(p.token, 10, 'old');
  assert.equal(old.status, 202);
  assert.equal(old.headers['idempotent-replayed'], undefined);
  assert.equal(await withdrawalsOf(p.userId), 3);
  assert.equal((await runAudit(t.db.pool)).ok, true);
});

test('colorbet partitions lists the day partitions by date, with the days ready ahead', async () => {
  const report = await partitionsReport({ pool: t.db.pool } as unknown as Runtime);
  const todayName = `idempotency_keys_p${iso(at(0)).replaceAll('-', '')}`;
  assert.match(report, new RegExp(`idempotency_keys +${todayName} +${iso(at(0))} +${iso(at(1))} `));
  const headroom = (await partitionHeadroom(t.db.pool)).find((h) => h.parent === 'idempotency_keys');
  // Today and three more days: counted from tomorrow (the shadows' day), three are ready beyond it.
  assert.ok(
    headroom && headroom.spansAhead >= 3,
    JSON.stringify(headroom, (_, v) => String(v)),
  );
});

test('a day drop that cannot get its lock within half a second waits for the next sweep', async () => {
  await t.db.pool.query(`SELECT colorbet_add_partition('idempotency_keys', $1)`, [
    Math.round(at(-10) / DAY_MS),
  ]);
  const holder = await t.db.pool.connect();
  try {
    // A claim in flight holds the table; the DETACH must not make every claim queue behind it.
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE idempotency_keys IN ROW EXCLUSIVE MODE');
    const started = Date.now();
    assert.deepEqual(await dropExpiredIdempotencyDays(t.db.pool, 24), { days: [], rows: 0, busy: true });
    assert.ok(Date.now() - started < 3000);
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
  assert.deepEqual((await dropExpiredIdempotencyDays(t.db.pool, 24)).days, [iso(at(-10))]);
});
