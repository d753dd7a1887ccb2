// Every refusal by a trigger names its guard (migration 0026, issue 15): the SQLSTATE stays
// what it was, err.constraint says which guard fired, guardOf() finds it behind the AppError
// fromPgError gives, and the HTTP log line and a worker's log line (describeError) carry it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { guardOf, fromPgError } from '../src/errors.ts';
import { registerErrorHandler } from '../src/http/error-handler.ts';
import { ensureRoundEscrow, playerWalletId } from '../src/ledger/accounts.ts';
import { postTransfer } from '../src/ledger/transfers.ts';
import { describeError } from '../src/observability/describe-error.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { refusalOf, type PgRefusal } from './helpers/ledger.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
let userId: bigint;
let roundId: bigint;
let betId: bigint;

before(async () => {
  t = await startTestApp();
  const p = await t.registerPlayer();
  userId = BigInt(p.userId);
  await t.deposit(p.userId, 1000);
  roundId = await freshRound(t.db.pool, t.deps.seeds);
  const bet = await t.db.pool.query<{ id: bigint }>(
    `INSERT INTO bets (round_id, user_id, side, amount) VALUES ($1, $2, 'red', 10) RETURNING id`,
    [roundId, userId],
  );
  betId = bet.rows[0]!.id;
  await t.db.pool.query(
    `INSERT INTO settlement_chunks (round_id, chunk, first_user_id, last_user_id, players) VALUES ($1, 0, 1, 9, 1)`,
    [roundId],
  );
  await t.db.pool.query(
    `INSERT INTO withdrawals (user_id, amount, status, decided_at) VALUES ($1, 5, 'REJECTED', now())`,
    [userId],
  );
});
after(async () => t.close());

const refusal = (sql: string, params: unknown[] = []) => refusalOf(t.db.pool, sql, params);

test('each guard of 0026 refuses with its old SQLSTATE and now says its name', async () => {
  const cases: [sql: string, params: unknown[], code: string, guard: string][] = [
    ['UPDATE transfers SET amount = amount', [], '42501', 'transfers_append_only'],
    ['TRUNCATE transfers', [], '42501', 'transfers_no_truncate'],
    ['UPDATE accounts SET user_id = user_id', [], '42501', 'accounts_append_only'],
    [
      'INSERT INTO wallet_guard (account_id, balance) SELECT id, 5 FROM accounts LIMIT 1',
      [],
      '23514',
      'wallet_guard_starts_empty',
    ],
    ['UPDATE wallet_guard SET balance = balance', [], '42501', 'wallet_guard_only_by_transfer'],
    ['DELETE FROM wallet_guard', [], '42501', 'wallet_guard_never_deleted'],
    [
      `UPDATE withdrawals SET status = 'APPROVED' WHERE status = 'REJECTED'`,
      [],
      '23514',
      'withdrawal_decided_once',
    ],
    ['DELETE FROM rounds WHERE id = $1', [roundId], '42501', 'round_never_deleted'],
    ['UPDATE rounds SET rake_bps = rake_bps + 1 WHERE id = $1', [roundId], '23514', 'round_terms_fixed'],
    [`UPDATE rounds SET status = 'SETTLED' WHERE id = $1`, [roundId], '23514', 'round_status_transition'],
    [
      `UPDATE rounds SET server_seed = repeat('ab', 32) WHERE id = $1`,
      [roundId],
      '23514',
      'round_seed_reveal',
    ],
    [`UPDATE rounds SET result = 'red' WHERE id = $1`, [roundId], '23514', 'round_result_from_seed'],
    ['DELETE FROM bets WHERE id = $1', [betId], '42501', 'bets_never_deleted'],
    ['UPDATE bets SET amount = amount + 1 WHERE id = $1', [betId], '23514', 'bets_guard'],
    [
      `INSERT INTO bets (round_id, user_id, side, amount, seq) VALUES ($1, $2, 'red', 10, 1)`,
      [roundId, userId],
      '23514',
      'bets_born_unbooked',
    ],
    [
      `INSERT INTO bets (round_id, user_id, side, amount, matched_amount, status)
       VALUES ($1, $2, 'green', 10, 10, 'MATCHED')`,
      [roundId, userId],
      '23514',
      'bets_born_unbooked',
    ],
    [
      'DELETE FROM settlement_chunks WHERE round_id = $1',
      [roundId],
      '42501',
      'settlement_chunk_never_deleted',
    ],
    [
      'UPDATE settlement_chunks SET players = 2 WHERE round_id = $1',
      [roundId],
      '23514',
      'settlement_chunk_fixed',
    ],
  ];
  for (const [sql, params, code, guard] of cases) {
    const err = await refusal(sql, params);
    assert.equal(err.code, code, `${sql}: ${err.message}`);
    assert.equal(err.constraint, guard, `${sql}: ${err.message}`);
    assert.equal(guardOf(err), guard);
    assert.match(describeError(err), new RegExp(`\\[${code} ${guard}\\]`));
  }
  const start = await refusal(
    `INSERT INTO rounds (id, status, sides, server_seed_hash, rake_bps, opens_at, closes_at)
     VALUES (999999, 'CLOSED', '{red,green}', repeat('0', 64), 200, now(), now())`,
  );
  assert.equal(start.constraint, 'round_starts_open');
});

test('a round that ends with money in its escrow is refused at commit by round_escrow_empty_when_final', async () => {
  const round = await freshRound(t.db.pool, t.deps.seeds);
  const err = await withTransaction(t.db.pool, async (c) => {
    const bet = await c.query<{ id: bigint }>(
      `INSERT INTO bets (round_id, user_id, side, amount) VALUES ($1, $2, 'green', 7) RETURNING id`,
      [round, userId],
    );
    await postTransfer(c, {
      debitAccountId: (await playerWalletId(c, userId))!,
      creditAccountId: await ensureRoundEscrow(c, round),
      amount: 7n,
      kind: 'stake',
      userId,
      roundId: round,
      betId: bet.rows[0]!.id,
    });
    await c.query(`UPDATE rounds SET status = 'VOID' WHERE id = $1`, [round]);
  }).then(
    () => assert.fail('the round became VOID with its escrow full'),
    (e: PgRefusal) => e,
  );
  assert.equal(err.code, '23514', err.message);
  assert.equal(err.constraint, 'round_escrow_empty_when_final');
});

test('no trigger function in the schema raises without naming its guard', async () => {
  const { rows } = await t.db.pool.query<{ name: string; src: string }>(
    `SELECT p.proname AS name, p.prosrc AS src FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE l.lanname = 'plpgsql' AND p.pronamespace = current_schema()::regnamespace`,
  );
  assert.ok(rows.length >= 10, `${rows.length} plpgsql functions`);
  const unnamed: string[] = [];
  for (const { name, src } of rows) {
    for (const raise of src.match(/RAISE\s+EXCEPTION(?:'(?:[^']|'')*'|[^';])*;/gi) ?? []) {
      if (!/CONSTRAINT\s*=/i.test(raise)) unnamed.push(`${name}: ${raise.slice(0, 80)}`);
    }
  }
  assert.deepEqual(unnamed, []);
});

test('fromPgError keeps the code and status and the guard behind it; the log names the guard', async () => {
  const overdraw = await refusal(
    `INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, user_id, withdrawal_id)
     SELECT w.id, c.id, 100000, 'withdrawal_post', $1, 424242
       FROM accounts w, accounts c WHERE w.kind = 'player' AND w.user_id = $1 AND c.kind = 'cash'`,
    [userId],
  );
  const mapped = fromPgError(overdraw);
  assert.equal(mapped?.code, 'INSUFFICIENT_FUNDS');
  assert.equal(mapped?.status, 422);
  assert.equal(guardOf(mapped), 'wallet_never_negative');
  assert.equal(JSON.stringify(mapped?.toBody()).includes('wallet_never_negative'), false);
  // A guard no client can reach stays a 500, as before, but its log line says which guard fired.
  assert.equal(fromPgError(await refusal('DELETE FROM bets WHERE id = $1', [betId])), undefined);

  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'debug', stream } });
  registerErrorHandler(app);
  app.post('/bet-gone', async () => t.db.pool.query('DELETE FROM bets WHERE id = $1', [betId]));
  app.post('/overdraw', async () => {
    throw overdraw;
  });
  try {
    const gone = await app.inject({ method: 'POST', url: '/bet-gone' });
    assert.equal(gone.statusCode, 500);
    assert.equal(gone.json().error.code, 'INTERNAL');
    const funds = await app.inject({ method: 'POST', url: '/overdraw' });
    assert.equal(funds.statusCode, 422);
    assert.equal(funds.json().error.code, 'INSUFFICIENT_FUNDS');
  } finally {
    await app.close();
  }
  const unhandled = lines.find((l) => l.msg === 'unhandled error');
  assert.equal(unhandled?.guard, 'bets_never_deleted');
  const refused = lines.find((l) => l.msg === 'refused by a database guard');
  assert.deepEqual([refused?.code, refused?.guard], ['INSUFFICIENT_FUNDS', 'wallet_never_negative']);
});
