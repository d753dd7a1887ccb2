// Partitioning (issue 10, item 3; migration 0015, docs/partitioning.md). The growing tables are
// declaratively partitioned; the exactly-once keys (I5) live in transfer_keys, so a duplicate
// payout is refused whichever transfers partition it would land in; the scheduler leader's
// function creates partitions ahead; final round ranges detach to an archive schema, after which
// a payout for an archived round finds no partition and is refused too.
//
// The spans are shrunk for this database (3 rounds, 20 transfer ids per partition) so a few
// rounds cross several partitions; the scheme is data in partition_schemes, changed here as the
// owner while the tables are empty.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/verify-run.ts';
import {
  detachRoundRange,
  ensurePartitions,
  partitionHeadroom,
  planRoundDetach,
} from '../src/db/partitions.ts';
import { fromPgError } from '../src/errors.ts';
import { consumeBetEvents } from '../src/workers/match-outbox.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { closeAndSettle, fundedPlayers, placeAll, workerDeps } from './helpers/game.ts';
import { assertAudit } from './helpers/ledger.ts';
import { cliEnv, runCli } from './helpers/process.ts';
import { freshRound } from './helpers/rounds.ts';

const ROUND_SPAN = 3;
const TRANSFER_SPAN = 20;
let t: TestApp;
let players: Awaited<ReturnType<typeof fundedPlayers>>;
const rounds: bigint[] = [];

async function pgError(
  sql: string,
  params: unknown[],
): Promise<{ code?: string; constraint?: string; message: string }> {
  try {
    await t.db.pool.query(sql, params);
  } catch (err) {
    return err as { code?: string; constraint?: string; message: string };
  }
  assert.fail(`expected ${sql} to be refused`);
}

/** One round: two players on each side, everything matched or refunded, settled. */
async function playRound(): Promise<bigint> {
  const roundId = await freshRound(t.db.pool, t.deps.seeds);
  await placeAll(
    t,
    Number(roundId),
    players.map((p, i) => ({ token: p.token, side: i % 2 ? 'green' : 'red', amount: 100 + i * 10 })),
  );
  await consumeBetEvents(workerDeps(t));
  await closeAndSettle(t, roundId);
  return roundId;
}

before(async () => {
  t = await startTestApp();
  const owner = t.db.pool;
  const empty = await owner.query(
    `SELECT (SELECT count(*) FROM transfers) + (SELECT count(*) FROM bets) AS n`,
  );
  assert.equal(Number(empty.rows[0].n), 0, 'the spans are changed only while the tables are empty');
  const parts = await owner.query<{ parent: string; name: string }>(
    `SELECT p.relname AS parent, c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname IN ('matches', 'bets', 'round_settlements', 'transfer_keys', 'transfers')
       AND c.relname <> 'transfer_keys_ledger'
     ORDER BY p.relname = 'matches' DESC, p.relname = 'bets' ASC`,
  );
  for (const p of parts.rows) {
    await owner.query(`ALTER TABLE ${p.parent} DETACH PARTITION ${p.name}`);
    await owner.query(`DROP TABLE ${p.name}`);
  }
  await owner.query(`UPDATE partition_schemes SET span = $1 WHERE key_kind = 'round'`, [ROUND_SPAN]);
  await owner.query(`UPDATE partition_schemes SET span = $1 WHERE parent = 'transfers'`, [TRANSFER_SPAN]);
  assert.ok((await ensurePartitions(owner)) > 0);
  players = await fundedPlayers(t, 4, 100_000);
  for (let i = 0; i < 7; i++) {
    rounds.push(await playRound());
    // The scheduler leader's job, done here between rounds.
    await ensurePartitions(t.db.pool);
  }
});
after(async () => t.close());

test('the growing tables are partitioned and their rows spread over partitions', async () => {
  const { rows } = await t.db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1`,
  );
  assert.deepEqual(
    rows.map((r) => r.name),
    ['bets', 'idempotency_keys', 'matches', 'outbox', 'round_settlements', 'transfer_keys', 'transfers'],
  );
  // Keys by day (0028): each claim's real row in its day, its shadow in the next.
  const days = await t.db.pool.query<{ partitions: string }>(
    'SELECT count(DISTINCT tableoid) AS partitions FROM idempotency_keys',
  );
  assert.ok(Number(days.rows[0]!.partitions) >= 2, `idempotency_keys spans ${days.rows[0]!.partitions}`);
  const spread = await t.db.pool.query<{ table: string; partitions: string }>(
    `SELECT 'transfers' AS table, count(DISTINCT tableoid) AS partitions FROM transfers
     UNION ALL SELECT 'bets', count(DISTINCT tableoid) FROM bets
     UNION ALL SELECT 'transfer_keys', count(DISTINCT tableoid) FROM transfer_keys`,
  );
  for (const r of spread.rows)
    assert.ok(Number(r.partitions) >= 3, `${r.table} spans ${r.partitions} partitions`);
  await assertAudit(t.db.pool);
});

test('I5 across partitions: a second payout, stake or deposit is refused wherever it would land', async () => {
  const first = await t.db.pool.query<{
    id: bigint;
    part: string;
    round_id: bigint;
    user_id: bigint;
    debit_account_id: bigint;
    credit_account_id: bigint;
  }>(
    `SELECT id, tableoid::regclass::text AS part, round_id, user_id, debit_account_id, credit_account_id
     FROM transfers WHERE kind = 'settlement' AND round_id = $1 ORDER BY id LIMIT 1`,
    [rounds[0]],
  );
  const payout = first.rows[0]!;
  const current = await t.db.pool.query<{ part: string }>(
    `SELECT c.relname AS part FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'transfers'::regclass
       AND (SELECT last_value + 1 FROM transfers_id_seq) >= substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\(''?(\\d+)')::bigint
       AND (SELECT last_value + 1 FROM transfers_id_seq) < substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''?(\\d+)')::bigint`,
  );
  assert.notEqual(current.rows[0]!.part, payout.part, 'the duplicate would land in another partition');
  const dup = await pgError(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id)
     VALUES ($1, $2, 1, 'settlement', $3, $4)`,
    [payout.debit_account_id, payout.credit_account_id, payout.user_id, payout.round_id],
  );
  assert.equal(dup.code, '23505', dup.message);
  assert.match(dup.constraint ?? '', /^transfer_keys_/);

  const stake = await t.db.pool.query<{
    bet_id: bigint;
    round_id: bigint;
    debit_account_id: bigint;
    credit_account_id: bigint;
  }>(
    `SELECT bet_id, round_id, debit_account_id, credit_account_id FROM transfers
     WHERE kind = 'stake' AND round_id = $1 LIMIT 1`,
    [rounds[1]],
  );
  const s = stake.rows[0]!;
  const dupStake = await pgError(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, round_id, bet_id)
     VALUES ($1, $2, 1, 'stake', $3, $4)`,
    [s.debit_account_id, s.credit_account_id, s.round_id, s.bet_id],
  );
  assert.equal(dupStake.code, '23505', dupStake.message);

  // A deposit's reference is its key: the same request again answers the first deposit, other
  // content under the same reference is refused, and only one deposit exists.
  const deposit = (amount: number) =>
    t.request({
      method: 'POST',
      url: '/v1/admin/deposits',
      token: t.operatorToken,
      headers: { 'idempotency-key': randomUUID() },
      body: { userId: Number(players[0]!.userId), amount, reference: 'partitioned-ref-1' },
    });
  const a = await deposit(500);
  const b = await deposit(500);
  const c = await deposit(501);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201);
  assert.equal(b.body.depositId, a.body.depositId);
  assert.equal(c.status, 409);
  const n = await t.db.pool.query(
    `SELECT 1 FROM transfers WHERE kind = 'deposit' AND reference = 'partitioned-ref-1'`,
  );
  assert.equal(n.rowCount, 1);
  await assertAudit(t.db.pool);
});

test('partitions are created ahead; a write beyond them is a 503, never a 500', async () => {
  const before = (await partitionHeadroom(t.db.pool)).find((h) => h.parent === 'transfers')!;
  assert.ok(before.spansAhead >= 3, `${before.spansAhead} spans ahead`);
  const { rows } = await t.db.pool.query<{ at: bigint }>('SELECT last_value AS at FROM transfers_id_seq');
  const at = BigInt(rows[0]!.at);
  // Jump past every ready partition, as a leader that stopped working would let happen.
  await t.db.pool.query(`SELECT setval('transfers_id_seq', $1)`, [String(before.readyUntil + 5n)]);
  const res = await t.request({
    method: 'POST',
    url: '/v1/admin/deposits',
    token: t.operatorToken,
    headers: { 'idempotency-key': randomUUID() },
    body: { userId: Number(players[1]!.userId), amount: 5, reference: 'beyond-the-partitions' },
  });
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'UNAVAILABLE');
  const err = await pgError(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, reference) VALUES (1, 2, 1, 'deposit', 'x')`,
    [],
  );
  assert.equal(fromPgError(err)?.code, 'UNAVAILABLE');
  // The leader's next pass creates the partition now in use and those ahead of it.
  assert.ok((await ensurePartitions(t.db.pool)) >= 1 + 3);
  const afterwards = (await partitionHeadroom(t.db.pool)).find((h) => h.parent === 'transfers')!;
  assert.ok(afterwards.spansAhead >= 3, `${afterwards.spansAhead} spans ahead`);
  await t.db.pool.query(`SELECT setval('transfers_id_seq', $1)`, [String(at)]);
  await assertAudit(t.db.pool);
});

test('final round ranges detach to the archive; an archived round can never pay again', async () => {
  const last = rounds.at(-1)!;
  // The open part: a round that is not final blocks its range.
  const open = await freshRound(t.db.pool, t.deps.seeds);
  const blocked = await planRoundDetach(t.db.pool, open + BigInt(ROUND_SPAN) * 2n);
  assert.match(blocked.blockedBy ?? '', new RegExp(`round ${open}`));

  const dry = await runCli(
    ['partitions', 'detach', '--before-round', '6', '--dry-run'],
    cliEnv({ DATABASE_URL: t.db.url }),
  );
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would detach rounds 1\.\.2: /);
  assert.match(dry.stdout, /would detach rounds 3\.\.5: /);

  const plan = await planRoundDetach(t.db.pool, 6n);
  assert.deepEqual(
    plan.ranges.map((r) => [r.from, r.to]),
    [
      [1n, 3n],
      [3n, 6n],
    ],
  );
  const payoutsBefore = await t.db.pool.query(
    `SELECT 1 FROM transfers WHERE kind = 'settlement' AND round_id < 6`,
  );
  for (const r of plan.ranges) await detachRoundRange(t.db.pool, r, { drop: false });

  const live = await t.db.pool.query(`SELECT 1 FROM bets WHERE round_id < 6`);
  assert.equal(live.rowCount, 0, 'the archived rounds left the live tables');
  const archived = await t.db.pool.query(
    `SELECT 1 FROM colorbet_archive.bets_p0 UNION ALL SELECT 1 FROM colorbet_archive.bets_p1`,
  );
  assert.ok(archived.rowCount! > 0, 'and are kept in colorbet_archive');
  const ranges = await t.db.pool.query(
    'SELECT from_round, to_round FROM archived_round_ranges ORDER BY from_round',
  );
  assert.equal(ranges.rowCount, 2);
  const payoutsAfter = await t.db.pool.query(
    `SELECT 1 FROM transfers WHERE kind = 'settlement' AND round_id < 6`,
  );
  assert.equal(payoutsAfter.rowCount, payoutsBefore.rowCount, 'the ledger keeps every transfer');

  // A payout for an archived round finds no key partition: refused by the database.
  const p = await t.db.pool.query<{ debit_account_id: bigint; credit_account_id: bigint; user_id: bigint }>(
    `SELECT debit_account_id, credit_account_id, user_id FROM transfers WHERE kind = 'settlement' AND round_id = $1 LIMIT 1`,
    [rounds[0]],
  );
  const again = await pgError(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id)
     VALUES ($1, $2, 1, 'settlement', $3, $4)`,
    [p.rows[0]!.debit_account_id, p.rows[0]!.credit_account_id, p.rows[0]!.user_id, rounds[0]],
  );
  assert.equal(again.code, '23514', again.message);
  assert.match(again.message, /no partition of relation "transfer_keys/);
  // The leader does not bring the archived ranges back.
  await ensurePartitions(t.db.pool);
  assert.equal((await planRoundDetach(t.db.pool, 6n)).ranges.length, 0);
  // Later rounds still play and settle; every invariant holds over what is live.
  await closeAndSettle(t, open);
  assert.ok(open > last);
  const report = await runAudit(t.db.pool);
  assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => !c.ok)));
  // And over everything that is live, whatever the checkpoint held (verify --full).
  const full = await runAudit(t.db.pool, { full: true });
  assert.equal(full.ok, true, JSON.stringify(full.checks.filter((c) => !c.ok)));
});
