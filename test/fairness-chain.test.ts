// The chain commitment is published before the chain's first round opens, and the seed that
// round later reveals hashes to it; the next round's published hash is the revealed seed. The
// seeds themselves are derived from a key the database never holds (issue 11): a copy of the
// whole database taken while a round is open holds neither its seed nor the next round's hash;
// the database refuses a round that publishes anything but what its chain commits it to; and a
// process whose key is lost voids the round it cannot reveal and starts a new chain.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { closeRound, openRound, SeedUnavailableError } from '../src/betting/rounds.ts';
import { SeedChains } from '../src/betting/seed-chains.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { runAudit } from '../src/verify-run.ts';
import { seedChainsHold } from '../src/betting/fairness-checks.ts';
import type { Pool } from '../src/db/pool.ts';
import { createLogger } from '../src/observability/logger.ts';
import { schedulerTick } from '../src/workers/scheduler.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { ledgerBalance } from './helpers/ledger.ts';
import { sleep } from './helpers/util.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const terms = { sides: ['red', 'green'] as const, rakeBps: 200n, roundSeconds: 60 };
const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const open = () => withTransaction(t.db.pool, (c) => openRound(c, terms, t.deps.seeds));
const close = (id: bigint) => withTransaction(t.db.pool, (c) => closeRound(c, id, t.deps.seeds));
const closeOpen = async () => {
  const { rows } = await t.db.pool.query<{ id: bigint }>(`SELECT id FROM rounds WHERE status = 'OPEN'`);
  for (const r of rows) await close(r.id);
};
const revealed = async (id: bigint): Promise<string> => {
  const res = await t.request({ method: 'GET', url: `/v1/rounds/${id}` });
  assert.equal(res.status, 200);
  assert.match(res.body.serverSeed, /^[0-9a-f]{64}$/, `round ${id} has revealed its seed`);
  return res.body.serverSeed as string;
};

/** Every row of every table as text: what anyone who can read the database (or a dump) sees. */
async function databaseText(): Promise<string> {
  const { rows } = await t.db.pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = current_schema()`,
  );
  const parts: string[] = [];
  for (const { name } of rows) {
    const dump = await t.db.pool.query<{ text: string | null }>(
      `SELECT string_agg(x::text, ' ') AS text FROM ${name} x`,
    );
    parts.push(dump.rows[0]!.text ?? '');
  }
  return parts.join('\n');
}

test('GET /v1/fairness/chains publishes the commitment that the first revealed seed hashes to', async () => {
  await closeOpen();
  const first = await open();
  const chains = await t.request({ method: 'GET', url: '/v1/fairness/chains' });
  assert.equal(chains.status, 200);
  const chain = chains.body.chains.find((c: any) => c.firstRoundId === Number(first.id));
  assert.ok(chain, JSON.stringify(chains.body));
  assert.equal(chain.lastRoundId - chain.firstRoundId + 1, 10_000);
  assert.match(chain.commitment, /^[0-9a-f]{64}$/);
  assert.equal(first.server_seed_hash, chain.commitment, 'the first round publishes the commitment itself');

  await close(first.id);
  const second = await open();
  const seed = await revealed(first.id);
  assert.equal(sha256(seed), chain.commitment);
  assert.equal(second.server_seed_hash, seed, "the next round's hash is this round's seed");
});

test('a copy of the database taken while a round is open holds neither its seed nor the next hash', async () => {
  await closeOpen();
  const current = await open();
  const copy = await databaseText();
  assert.ok(copy.includes(current.server_seed_hash), 'the copy does hold the published hash');
  await close(current.id);
  const next = await open();
  await close(next.id);
  const seed = await revealed(current.id);
  const nextSeed = await revealed(next.id);
  assert.equal(next.server_seed_hash, seed);
  assert.equal(sha256(nextSeed), seed, 'consecutive reveals are linked');
  assert.equal(copy.includes(seed), false, "the open round's seed (= the next round's hash) was in the copy");
  assert.equal(copy.includes(nextSeed), false, "the next round's seed was in the copy");
  await assertFair(t.db.pool);
});

test('the database refuses a round that publishes anything but what its chain commits it to', async () => {
  await closeOpen();
  const current = await open();
  await close(current.id);
  const seed = await revealed(current.id);
  const insert = (id: bigint, hash: string) =>
    t.db.pool.query(
      `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at)
       VALUES ($1, 'OPEN', '{red,green}', 200, $2, now(), now() + interval '1 minute')`,
      [id, hash],
    );
  const refused = { code: '23514', constraint: 'round_committed_hash' };
  await assert.rejects(insert(current.id + 1n, sha256(seed)), refused, 'any hash but the revealed seed');
  // A new chain cannot cut in while the current one goes on, nor re-commit a round already open.
  const chainStart = { code: '23514', constraint: 'seed_chain_start' };
  const newChain = (first: bigint) =>
    t.db.pool.query(
      `INSERT INTO seed_chains (first_round_id, length, commitment, nonce) VALUES ($1, 10, $2, $2)`,
      [first, sha256(seed)],
    );
  await assert.rejects(newChain(current.id + 1n), chainStart, 'a chain cut short without a void');
  await assert.rejects(newChain(current.id), chainStart, 'a chain starting at a round already open');
  await assert.rejects(
    t.db.pool.query(`INSERT INTO seed_chains (first_round_id, length, commitment) VALUES ($1, 10, $2)`, [
      current.id + 10n,
      seed,
    ]),
    { code: '23514', constraint: 'seed_chains_derived' },
    'a chain without a nonce',
  );
  const next = await open();
  assert.equal(next.server_seed_hash, seed);
});

test('a process whose fairness key is lost voids the open round it cannot reveal, and a new chain starts', async () => {
  await closeOpen();
  const quick = { ...terms, roundSeconds: 1 };
  const round = await withTransaction(t.db.pool, (c) => openRound(c, quick, t.deps.seeds));
  const p = await t.registerPlayer();
  await t.deposit(p.userId, 1000);
  const bet = await t.request({
    method: 'POST',
    url: '/v1/bets',
    token: p.token,
    body: { roundId: Number(round.id), side: 'red', amount: 400 },
    headers: { 'idempotency-key': `lost-key-${round.id}` },
  });
  assert.equal(bet.status, 202, JSON.stringify(bet.body));

  const otherKey = new SeedChains('a-different-fairness-secret-0123456789abcdef');
  await assert.rejects(
    withTransaction(t.db.pool, (c) => closeRound(c, round.id, otherKey)),
    (err: Error) =>
      err instanceof SeedUnavailableError && /not made with this process's fairness key/.test(err.message),
  );

  await sleep(1100);
  const client = new pg.Client({ connectionString: t.db.url });
  await client.connect();
  try {
    const events = await schedulerTick(client, quick, otherKey, createLogger('silent'));
    assert.ok(
      events.some((e) => e.type === 'round' && e.status === 'VOID' && e.roundId === round.id.toString()),
    );
  } finally {
    await client.end();
  }
  const voided = await t.db.pool.query<{ status: string; server_seed: string | null; void_reason: string }>(
    'SELECT status, server_seed, void_reason FROM rounds WHERE id = $1',
    [round.id],
  );
  assert.deepEqual(
    voided.rows[0],
    { status: 'VOID', server_seed: null, void_reason: 'seed_unavailable' },
    'voided, its seed never revealed, and the round says why',
  );
  assert.equal(await ledgerBalance(t.db.pool, p.userId), 1000n, 'the stake came back in full');

  const next = await t.db.pool.query<{ id: bigint; server_seed_hash: string }>(
    `SELECT id, server_seed_hash FROM rounds WHERE status = 'OPEN'`,
  );
  assert.equal(next.rows[0]!.id, round.id + 1n);
  const chains = await t.request({ method: 'GET', url: '/v1/fairness/chains' });
  const [newest, before] = chains.body.chains;
  assert.equal(newest.firstRoundId, Number(round.id) + 1, 'a new chain starts at the next round');
  assert.equal(newest.commitment, next.rows[0]!.server_seed_hash);
  assert.equal(before.lastRoundId, Number(round.id), 'the old chain ends at the voided round');
  // The new key goes on with its own chain; the lost one can no longer open a round in it.
  await withTransaction(t.db.pool, (c) => closeRound(c, round.id + 1n, otherKey));
  await assert.rejects(open(), SeedUnavailableError);
  await assertFair(t.db.pool);
});

/** `colorbet verify`'s fairness check (F) over every round. */
async function assertFair(pool: Pool): Promise<void> {
  const report = await runAudit(pool, { checks: [seedChainsHold], full: true });
  assert.ok(report.ok, JSON.stringify(report.checks));
}
