// A database from before migration 0016 kept every seed of its chain in round_seeds. Upgrading
// drops them, except the seed of the round open at that moment (it closes and reveals as usual);
// that chain cannot go on without its seeds, so the next round starts a new, derived chain, and
// `colorbet verify` holds across the change.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { buildSeedChain, chainCommitment, newTerminalSeed, roundOutcome } from '../src/betting/fairness.ts';
import { closeRound, openRound } from '../src/betting/rounds.ts';
import { SeedChains } from '../src/betting/seed-chains.ts';
import { listMigrations, migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { runAudit } from '../src/verify-run.ts';
import { seedChainsHold } from '../src/betting/fairness-checks.ts';
import type { Pool } from '../src/db/pool.ts';
import { withDatabase } from './helpers/env.ts';

const adminUrl = process.env.COLORBET_TEST_ADMIN_URL;
const name = `cbt_upgrade_${randomBytes(4).toString('hex')}`;
let pool: Pool;
let olderDir: string;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

before(async () => {
  assert.ok(adminUrl, 'run through test/run.ts, which sets COLORBET_TEST_ADMIN_URL');
  await admin(`CREATE DATABASE ${name}`);
  pool = createPool(withDatabase(adminUrl, name), { max: 2 });
  olderDir = await mkdtemp(path.join(os.tmpdir(), 'colorbet-pre-0016-'));
  const all = await listMigrations();
  for (const file of all.filter((f) => f < '0016')) {
    await copyFile(new URL(`../migrations/${file}`, import.meta.url), path.join(olderDir, file));
  }
});
after(async () => {
  await pool.end().catch(() => undefined);
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await rm(olderDir, { recursive: true, force: true });
});

const SIDES = ['red', 'green'];
const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

test('upgrading keeps only the open round’s seed; the next round starts a derived chain', async () => {
  await migrate(pool, `${olderDir}/`);
  // The pre-0016 way: a chain of 10 stored seeds, round 1 revealed, round 2 open.
  const seeds = buildSeedChain(newTerminalSeed(), 10);
  const chain = await pool.query<{ id: bigint }>(
    'INSERT INTO seed_chains (first_round_id, length, commitment) VALUES (1, 10, $1) RETURNING id',
    [chainCommitment(seeds)],
  );
  await pool.query(
    `INSERT INTO round_seeds (round_id, chain_id, seed, seed_hash)
     SELECT i, $1, s, encode(sha256(decode(s, 'hex')), 'hex') FROM unnest($2::text[]) WITH ORDINALITY AS x(s, i)`,
    [chain.rows[0]!.id, seeds],
  );
  const openLegacy = (id: number) =>
    pool.query(
      `INSERT INTO rounds (id, status, sides, rake_bps, server_seed_hash, opens_at, closes_at)
       VALUES ($1, 'OPEN', $2, 200, $3, now(), now() + interval '1 hour')`,
      [id, SIDES, sha256(seeds[id - 1]!)],
    );
  await openLegacy(1);
  await pool.query(`UPDATE rounds SET status = 'CLOSED', server_seed = $2, result = $3 WHERE id = $1`, [
    1,
    seeds[0],
    roundOutcome(seeds[0]!, 1n, SIDES).result,
  ]);
  await openLegacy(2);

  await migrate(pool);
  const gone = await pool.query<{ t: string | null }>(`SELECT to_regclass('round_seeds')::text AS t`);
  assert.equal(gone.rows[0]!.t, null, 'round_seeds is dropped');
  const kept = await pool.query<{ round_id: bigint; seed: string }>(
    'SELECT round_id, seed FROM legacy_round_seeds',
  );
  assert.deepEqual(kept.rows, [{ round_id: 2n, seed: seeds[1] }], 'only the open round keeps its seed');
  const text = await pool.query<{ text: string }>(
    `SELECT string_agg(x::text, ' ') AS text FROM (
       SELECT to_jsonb(r)::text AS x FROM rounds r UNION ALL SELECT to_jsonb(c)::text FROM seed_chains c
       UNION ALL SELECT to_jsonb(l)::text FROM legacy_round_seeds l) all_rows`,
  );
  for (const future of seeds.slice(2)) assert.equal(text.rows[0]!.text.includes(future), false);

  // The open round closes with its kept seed whatever the key; then a new chain of this key.
  const key = new SeedChains('upgrade-test-fairness-secret-0123456789');
  const terms = { sides: ['red', 'green'] as const, rakeBps: 200n, roundSeconds: 60 };
  assert.equal(await withTransaction(pool, (c) => closeRound(c, 2n, key)), true);
  const two = await pool.query<{ server_seed: string }>('SELECT server_seed FROM rounds WHERE id = 2');
  assert.equal(two.rows[0]!.server_seed, seeds[1]);
  const three = await withTransaction(pool, (c) => openRound(c, terms, key));
  assert.equal(three.id, 3n);
  const chains = await pool.query<{ first_round_id: bigint; commitment: string; nonce: string | null }>(
    'SELECT first_round_id, commitment, nonce FROM seed_chains ORDER BY first_round_id',
  );
  assert.equal(chains.rows.length, 2);
  assert.equal(chains.rows[0]!.nonce, null, 'the old chain keeps no nonce');
  assert.equal(chains.rows[1]!.first_round_id, 3n, 'a new chain starts at the next round');
  assert.match(chains.rows[1]!.nonce ?? '', /^[0-9a-f]{64}$/);
  assert.equal(three.server_seed_hash, chains.rows[1]!.commitment);
  assert.notEqual(three.server_seed_hash, seeds[2], 'not the old chain’s next seed');
  assert.equal(await withTransaction(pool, (c) => closeRound(c, 3n, key)), true);
  const four = await withTransaction(pool, (c) => openRound(c, terms, key));
  const revealed = await pool.query<{ server_seed: string }>('SELECT server_seed FROM rounds WHERE id = 3');
  assert.equal(sha256(revealed.rows[0]!.server_seed), chains.rows[1]!.commitment);
  assert.equal(four.server_seed_hash, revealed.rows[0]!.server_seed);
  await assertFair(pool);
});

/** `colorbet verify`'s fairness check (F) over every round. */
async function assertFair(pool: Pool): Promise<void> {
  const report = await runAudit(pool, { checks: [seedChainsHold], full: true });
  assert.ok(report.ok, JSON.stringify(report.checks));
}
