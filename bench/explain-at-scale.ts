// `npx tsx bench/explain-at-scale.ts` (issue 10, item 3): the plans and times of the hot queries
// (bench/hot-queries.ts, the same list `bench --large` checks at 10^7) over a ledger of
// SCALE_ROWS transfers (default 10^8) and as many exactly-once keys.
// 1. A fresh database; SCALE_PLAYERS players with wallets; one round with SCALE_BETS bets placed
//    through the transaction service (so bets, stakes, keys and the queue are real rows).
// 2. The ledger grown in bulk SQL, SCALE_BATCH rows a statement, half deposits (keys in round 0's
//    partition) and half stakes spread over rounds 1..99,999 (keys in the round partition the
//    I5 probes read). Triggers are off for this load (session_replication_role = replica): the
//    wallet guards and the projection do not follow it, so this database answers questions
//    about plans, not money; `verify` is not run on it. Partitions are made as the ids grow.
// 3. ANALYZE, then EXPLAIN ANALYZE of each hot query, twice (the second is the figure).
// Prints a Markdown table; the database is dropped unless SCALE_KEEP is set. Run it on a server
// of its own: each bulk statement runs for minutes and holds back the server's xmin horizon, so
// the projection of every other database there waits meanwhile. Disk: about 38 GiB of data at
// 10^8 rows, plus the server's WAL up to its max_wal_size (keep that small for this load).
import { randomBytes } from 'node:crypto';
import { openRound } from '../src/betting/rounds.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { explain, hotQueries, onIndex } from './hot-queries.ts';
import { benchDatabase, benchDeps, machine, positiveEnv } from './setup.ts';

const ROWS = positiveEnv('SCALE_ROWS', 100_000_000, { integer: true });
const PLAYERS = positiveEnv('SCALE_PLAYERS', 1_000_000, { integer: true });
const BETS = positiveEnv('SCALE_BETS', 10_000, { integer: true });
const BATCH = positiveEnv('SCALE_BATCH', 5_000_000, { integer: true });
// Sizes at which to report too, on the way (comma-separated row counts), e.g. "50000000".
const CHECKPOINTS = (process.env.SCALE_CHECKPOINTS ?? '').split(',').filter(Boolean).map(Number);

const progress = (line: string) =>
  process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(0);

const db = await benchDatabase();
const { deps } = await benchDeps(db, { AUTH_SECRET: randomBytes(24).toString('hex'), MAX_BET: '1000000' });

// One connection without the pool's statement timeout, for the bulk statements.
const bulk = await db.pool.connect();
await bulk.query('SET statement_timeout = 0');
const one = async <T>(sql: string, params: unknown[] = []) =>
  (await bulk.query<Record<string, T>>(sql, params)).rows[0]!;
try {
  // Players with wallets and guards, and one deposit each through the ledger's triggers.
  await bulk.query(
    `WITH u AS (
       INSERT INTO users (username, password_hash, role)
       SELECT 'sp_' || g, 'bench: no login', 'player' FROM generate_series(1, $1::int) g RETURNING id),
     a AS (INSERT INTO accounts (kind, user_id) SELECT 'player', id FROM u RETURNING id)
     INSERT INTO wallet_guard (account_id) SELECT id FROM a`,
    [PLAYERS],
  );
  await bulk.query(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, reference)
     SELECT (SELECT id FROM accounts WHERE kind = 'cash'), a.id, 1000000, 'deposit', a.user_id, 'scale-0-' || a.user_id
     FROM accounts a WHERE a.kind = 'player'`,
  );
  // The projection is not running here: one balance row per account, as it would have.
  await bulk.query(
    `INSERT INTO account_balance (account_id, balance, last_entry_id) SELECT id, 0, 0 FROM accounts
     ON CONFLICT DO NOTHING`,
  );
  progress(`${PLAYERS} players funded (${seconds()} s)`);

  const round = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: ['red', 'green'], rakeBps: 200n, roundSeconds: 86400 }, deps.seeds),
  );
  const users = (
    await db.pool.query<{ id: bigint }>(
      `SELECT id FROM users WHERE username LIKE 'sp\\_%' ORDER BY id LIMIT $1`,
      [BETS],
    )
  ).rows.map((r) => r.id);
  for (const [i, userId] of users.entries()) {
    const r = await deps.money.run({
      op: { type: 'placeBet', userId, roundId: round.id, side: i % 2 ? 'red' : 'green', amount: 100n },
      idempotency: { scope: `user:${userId}`, key: `scale-${i}`, requestHash: 'scale' },
    });
    if (!r.ok) throw new Error(`bet ${i} refused: ${r.error.code}`);
  }
  progress(`${users.length} bets placed in round ${round.id} (${seconds()} s)`);

  // The bulk ledger: a numbered list of the wallets to spread it over.
  let have = 0;
  const client = bulk;
  {
    await client.query(
      `CREATE TEMP TABLE w AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, user_id FROM accounts WHERE kind = 'player'`,
    );
    await client.query('CREATE UNIQUE INDEX ON w (n)');
    const cash = (await one<bigint>(`SELECT id FROM accounts WHERE kind = 'cash'`)).id;
    const escrow = (await one<bigint>(`SELECT id FROM accounts WHERE kind = 'escrow' ORDER BY id LIMIT 1`))
      .id;
    await client.query('SET session_replication_role = replica');
    have = Number((await one<bigint>('SELECT count(*) AS n FROM transfers')).n);
    for (let from = 1; have < ROWS; from += BATCH) {
      await client.query('SELECT colorbet_ensure_partitions()');
      const n = Math.min(BATCH, ROWS - have);
      await client.query(
        `WITH t AS (
           INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, round_id, bet_id, reference)
           SELECT CASE WHEN g % 2 = 0 THEN $3::bigint ELSE w.id END, CASE WHEN g % 2 = 0 THEN w.id ELSE $4::bigint END,
             1, CASE WHEN g % 2 = 0 THEN 'deposit' ELSE 'stake' END, w.user_id,
             CASE WHEN g % 2 = 1 THEN 1 + g % 99998 END, CASE WHEN g % 2 = 1 THEN 1000000000 + g END,
             CASE WHEN g % 2 = 0 THEN 'scale-' || g END
           FROM generate_series($1::bigint, $1::bigint + $2::bigint - 1) g JOIN w ON w.n = g % $5::bigint
           RETURNING id, kind, round_id, bet_id, user_id, withdrawal_id, reference)
         INSERT INTO transfer_keys (round_id, scope, key, transfer_id)
         SELECT k.key_round, k.scope, k.key, t.id
         FROM t, colorbet_transfer_key(t.kind, t.round_id, t.bet_id, t.user_id, t.withdrawal_id, t.reference) k`,
        [from, n, cash, escrow, PLAYERS],
      );
      const before = have;
      have += n;
      progress(`ledger ${have} rows (${seconds()} s)`);
      if (CHECKPOINTS.some((c) => before < c && have >= c)) await report(have);
    }
    await client.query('SET session_replication_role = origin');
  }
  await report(have);
} finally {
  bulk.release();
  if (!process.env.SCALE_KEEP) await db.drop();
  else await db.pool.end();
}

/** ANALYZE, then the hot queries' plans at this size, as a Markdown table on stdout. */
async function report(rows: number): Promise<void> {
  await bulk.query('ANALYZE');
  progress(`analyzed at ${rows} rows (${seconds()} s)`);
  const users = (
    await db.pool.query<{ id: bigint }>(`SELECT user_id AS id FROM bets ORDER BY id LIMIT $1`, [BETS])
  ).rows.map((r) => r.id);
  const round = { id: (await one<bigint>('SELECT min(id) AS id FROM rounds')).id! };
  const probeUser = users[Math.floor(users.length / 2)]!;
  const probeAccount = (
    await one<bigint>(`SELECT id FROM accounts WHERE kind = 'player' AND user_id = $1`, [probeUser])
  ).id!;
  const plans = await explain(db.pool, hotQueries(round.id, probeUser, probeAccount));
  const counts = await one<bigint>(
    `SELECT (SELECT count(*) FROM transfers) AS transfers, (SELECT count(*) FROM transfer_keys) AS keys,
       pg_database_size(current_database()) AS bytes`,
  );
  const f = (n: number | bigint) => Number(n).toLocaleString('en-US');
  process.stdout.write(
    [
      `Machine: ${machine()}. Command: \`SCALE_ROWS=${ROWS} npx tsx bench/explain-at-scale.ts\`. Run ${new Date().toISOString()}.`,
      `Ledger: ${f(counts.transfers!)} transfers, ${f(counts.keys!)} exactly-once keys, database ${f(Number(counts.bytes!) / 2 ** 30)} GiB; built in ${seconds()} s.`,
      '',
      '| query | ms | on an index (no Seq Scan of a table with rows) | first scan node |',
      '|---|---|---|---|',
      ...plans.map((p) => `| ${p.name} | ${p.ms.toFixed(3)} | ${onIndex(p)} | \`${p.plan}\` |`),
      '',
    ].join('\n'),
  );
}
