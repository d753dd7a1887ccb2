// The auditor's reports (issue 12 item 6): each against an independent computation over the
// ledger (SQL or a replay written here, never a call to the report's own code), point-in-time
// balances against a replay of the transfers, the CSV shape, paging and refusals.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createUser } from '../src/auth/users.ts';
import { voidRoundInDb } from '../src/betting/settlement-writes.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { reconciliation } from '../src/reports/ledger-reports.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { closeAndSettle, fundedPlayers, placeAll } from './helpers/game.ts';
import { freshRound } from './helpers/rounds.ts';

let t: TestApp;
let auditor: string;
let player: string;
const rounds: bigint[] = [];

before(async () => {
  t = await startTestApp();
  const a = await createUser(t.db.pool, uniqueName('aud'), 'auditor-password', 'auditor');
  auditor = await t.deps.tokens.issue(a);
  const p = await fundedPlayers(t, 6, 100_000);
  player = p[0]!.token;
  const bet = (i: number, side: string, amount: number) => ({ token: p[i]!.token, side, amount });
  // Round 1: matched, partly cancelled, settled with commission.
  rounds.push(await freshRound(t.db.pool, t.deps.seeds));
  await placeAll(t, Number(rounds[0]), [bet(0, 'red', 1000), bet(1, 'green', 600), bet(2, 'red', 300)]);
  const [cancelMe] = await placeAll(t, Number(rounds[0]), [bet(3, 'green', 900)]);
  const cancel = await t.request({ method: 'DELETE', url: `/v1/bets/${cancelMe}`, token: p[3]!.token });
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  await placeAll(t, Number(rounds[0]), [bet(4, 'green', 700)]);
  await closeAndSettle(t, rounds[0]!);
  // Round 2: voided, every stake refunded.
  rounds.push(await freshRound(t.db.pool, t.deps.seeds));
  await placeAll(t, Number(rounds[1]), [bet(0, 'red', 400), bet(5, 'green', 400)]);
  await withTransaction(t.db.pool, (c) => voidRoundInDb(c, rounds[1]!, null, t.deps.seeds));
  // Round 3: still open, its stakes in escrow.
  rounds.push(await freshRound(t.db.pool, t.deps.seeds));
  await placeAll(t, Number(rounds[2]), [bet(1, 'red', 250), bet(2, 'green', 125)]);
  // Withdrawals: one held, one paid out.
  for (const [i, amount, decide] of [
    [4, 5000, null],
    [5, 3000, 'approve'],
  ] as const) {
    const w = await t.request({
      method: 'POST',
      url: '/v1/wallet/withdrawals',
      token: p[i]!.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { amount },
    });
    assert.equal(w.status, 202, JSON.stringify(w.body));
    if (decide) {
      const d = await t.request({
        method: 'POST',
        url: `/v1/admin/withdrawals/${w.body.withdrawalId}/${decide}`,
        token: t.operatorToken,
      });
      assert.equal(d.status, 200, JSON.stringify(d.body));
    }
  }
});
after(async () => t.close());

const get = async (url: string, token = auditor) => {
  const res = await t.request({ method: 'GET', url, token });
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  return res;
};

/** Every transfer, oldest first, with both accounts' kinds: the replay's input. */
async function ledger() {
  const { rows } = await t.db.pool.query<{
    id: bigint;
    debit: bigint;
    credit: bigint;
    amount: bigint;
    micros: bigint;
  }>(
    `SELECT id, debit_account_id AS debit, credit_account_id AS credit, amount,
            (extract(epoch FROM created_at) * 1000000)::bigint AS micros
     FROM transfers ORDER BY id`,
  );
  return rows;
}

/** Balances by account after replaying `transfers` one by one. */
function replay(transfers: Awaited<ReturnType<typeof ledger>>): Map<string, bigint> {
  const balances = new Map<string, bigint>();
  for (const tr of transfers) {
    balances.set(String(tr.debit), (balances.get(String(tr.debit)) ?? 0n) - tr.amount);
    balances.set(String(tr.credit), (balances.get(String(tr.credit)) ?? 0n) + tr.amount);
  }
  return balances;
}

test('liabilities: wallets + holds + escrow of unsettled rounds, as the ledger sums them', async () => {
  const { body } = await get('/v1/admin/reports/liabilities');
  // Independently: every account's balance from the ledger, summed by kind.
  const { rows } = await t.db.pool.query<{ kind: string; unsettled: boolean; balance: bigint }>(
    `SELECT a.kind, coalesce(r.status IN ('OPEN', 'CLOSED', 'SETTLING'), false) AS unsettled,
            sum(CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END)::bigint AS balance
     FROM transfers t JOIN accounts a ON a.id IN (t.debit_account_id, t.credit_account_id)
     LEFT JOIN rounds r ON r.id = a.round_id
     GROUP BY 1, 2`,
  );
  const of = (kind: string, unsettled = false) =>
    Number(rows.find((r) => r.kind === kind && r.unsettled === unsettled)?.balance ?? 0n);
  assert.equal(body.wallets, of('player'));
  assert.equal(body.holds, of('withdrawal_hold'));
  assert.equal(body.holds, 5000);
  assert.equal(body.escrow, of('escrow', true));
  assert.equal(body.escrow, 375);
  assert.equal(body.unsettledRounds, 1);
  assert.equal(body.total, body.wallets + body.holds + body.escrow);
  // The money players put in, less what they took out and what the house kept, is what is owed.
  assert.equal(body.total, -of('cash') - of('house'));
});

test('reconciliation: players + holds + escrow + house + external = 0, now and at an earlier entry', async () => {
  const all = await ledger();
  const kinds = new Map(
    (await t.db.pool.query<{ id: bigint; kind: string }>('SELECT id, kind FROM accounts')).rows.map((a) => [
      String(a.id),
      a.kind,
    ]),
  );
  const line = {
    player: 'players',
    withdrawal_hold: 'holds',
    escrow: 'escrow',
    house: 'house',
    cash: 'external',
  };
  const expected = (upto: typeof all) => {
    const sums: Record<string, number> = { players: 0, holds: 0, escrow: 0, house: 0, external: 0 };
    for (const [account, balance] of replay(upto)) {
      const key = line[kinds.get(account) as keyof typeof line];
      sums[key] = (sums[key] ?? 0) + Number(balance);
    }
    return sums;
  };
  for (const n of [all.length, Math.floor(all.length / 2), 1]) {
    const upto = all.slice(0, n);
    const { body } = await get(`/v1/admin/reports/reconciliation?at=${upto[n - 1]!.id}`);
    assert.equal(body.ok, true);
    assert.equal(body.total, 0);
    assert.equal(body.asOfEntryId, Number(upto[n - 1]!.id));
    assert.equal(body.transfers, n);
    assert.deepEqual(Object.fromEntries(body.lines.map((l: any) => [l.line, l.balance])), expected(upto));
  }
  // The pass in chunks of two ids gives what one chunk gives, at every point.
  for (const n of [all.length, 7]) {
    const at = { entryId: all[n - 1]!.id };
    const { body } = await get(`/v1/admin/reports/reconciliation?at=${at.entryId}`);
    const chunked = await reconciliation(t.db.pool, at, { chunk: 2n });
    assert.deepEqual(
      JSON.parse(JSON.stringify(chunked, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))),
      body,
    );
  }
  const now = await get('/v1/admin/reports/reconciliation');
  assert.equal(now.body.asOfEntryId, Number(all[all.length - 1]!.id));
  assert.ok(now.body.lines.find((l: any) => l.line === 'house').balance > 0, 'the house kept commission');
});

test('balances: every account at an entry id and at a time equals a replay, page by page', async () => {
  const all = await ledger();
  const pages = async (at: string) => {
    const seen = new Map<string, bigint>();
    let cursor: string | null = null;
    let count = 0;
    do {
      const { body } = await get(
        `/v1/admin/reports/balances?at=${encodeURIComponent(at)}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.ok(body.accounts.length <= 4);
      for (const a of body.accounts) {
        assert.ok(!seen.has(String(a.accountId)), 'no account twice across pages');
        seen.set(String(a.accountId), BigInt(a.balance));
      }
      cursor = body.nextCursor;
      assert.ok(++count < 100);
    } while (cursor);
    return seen;
  };
  const accounts = Number(
    (await t.db.pool.query<{ n: bigint }>('SELECT count(*) AS n FROM accounts')).rows[0]!.n,
  );
  const middle = all[Math.floor(all.length * 0.6)]!;
  const byId = await pages(String(middle.id));
  assert.equal(byId.size, accounts, 'every account listed');
  const replayed = replay(all.filter((tr) => tr.id <= middle.id));
  for (const [account, balance] of byId)
    assert.equal(balance, replayed.get(account) ?? 0n, `account ${account}`);
  assert.ok([...byId.values()].some((b) => b !== 0n));

  // A time in whole milliseconds (PostgreSQL keeps microseconds): every transfer created up to it.
  const ms = all[Math.floor(all.length * 0.3)]!.micros / 1000n;
  const byTime = await pages(new Date(Number(ms)).toISOString());
  const replayedAt = replay(all.filter((tr) => tr.micros <= ms * 1000n));
  assert.ok(replayedAt.size > 0);
  for (const [account, balance] of byTime)
    assert.equal(balance, replayedAt.get(account) ?? 0n, `account ${account}`);
  // Without `at` the answer names the entry it is as of, for the next pages.
  const first = await get('/v1/admin/reports/balances?kind=house');
  assert.equal(first.body.at, String(all[all.length - 1]!.id));
  assert.equal(first.body.accounts.length, 1);
});

test('turnover and commission match the ledger: stakes, cancels, void refunds and commission by round', async () => {
  const { rows } = await t.db.pool.query<{ round_id: bigint; kind: string; total: bigint }>(
    `SELECT round_id, kind, sum(amount)::bigint AS total FROM transfers
     WHERE round_id = ANY($1) GROUP BY round_id, kind`,
    [rounds],
  );
  const sum = (kind: string, round?: bigint) =>
    Number(
      rows
        .filter((r) => r.kind === kind && (round === undefined || r.round_id === round))
        .reduce((s, r) => s + r.total, 0n),
    );
  const matched = (
    await t.db.pool.query<{ m: bigint }>('SELECT coalesce(2 * sum(amount), 0)::bigint AS m FROM matches')
  ).rows[0]!.m;
  const bets = (await t.db.pool.query<{ n: bigint }>('SELECT count(*) AS n FROM bets')).rows[0]!.n;
  const { body } = await get('/v1/admin/reports/turnover');
  assert.equal(body.days.length, 1, JSON.stringify(body));
  const today = body.days[0];
  assert.equal(today.day, new Date().toISOString().slice(0, 10));
  assert.equal(today.rounds, 3);
  assert.equal(today.voidedRounds, 1);
  assert.equal(today.bets, Number(bets));
  assert.equal(today.staked, sum('stake'));
  assert.equal(today.cancelled, sum('cancel_refund'));
  assert.equal(today.voided, sum('void_refund'));
  assert.equal(today.turnover, sum('stake') - sum('cancel_refund') - sum('void_refund'));
  assert.equal(today.matched, Number(matched));
  assert.equal(today.commission, sum('commission'));
  assert.ok(today.commission > 0);
  assert.deepEqual(body.totals, {
    rounds: 3,
    ...Object.fromEntries(
      Object.entries(today).filter(([k]) => !['day', 'rounds', 'voidedRounds'].includes(k)),
    ),
  });

  // Commission per round, one round a page.
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const page: any = (await get(`/v1/admin/reports/commission?limit=1${cursor ? `&cursor=${cursor}` : ''}`))
      .body;
    for (const r of page.rounds) {
      seen.push(r.roundId);
      assert.equal(r.commission, sum('commission', BigInt(r.roundId)), `round ${r.roundId}`);
      assert.equal(r.staked, sum('stake', BigInt(r.roundId)));
    }
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, rounds.map(Number).reverse());
});

test('CSV: a header row, one line per row, CRLF, amounts in minor units, as a download', async () => {
  const turnover = await get('/v1/admin/reports/turnover?format=csv');
  assert.match(String(turnover.headers['content-type']), /^text\/csv/);
  assert.match(
    String(turnover.headers['content-disposition']),
    /^attachment; filename="turnover-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"$/,
  );
  const lines = (turnover.body as string).split('\r\n');
  assert.equal(lines.pop(), '', 'ends with a line break');
  assert.equal(
    lines[0],
    'day,rounds,voided_rounds,bets,staked_minor,cancelled_minor,voided_minor,turnover_minor,matched_minor,commission_minor',
  );
  assert.equal(lines.length, 2);
  const json = (await get('/v1/admin/reports/turnover')).body.days[0];
  assert.equal(
    lines[1],
    [
      json.day,
      json.rounds,
      json.voidedRounds,
      json.bets,
      json.staked,
      json.cancelled,
      json.voided,
      json.turnover,
      json.matched,
      json.commission,
    ].join(','),
  );
  const recon = (await get('/v1/admin/reports/reconciliation?format=csv')).body as string;
  assert.match(
    recon,
    /^line,balance_minor\r\nplayers,\d+\r\nholds,5000\r\nescrow,375\r\nhouse,\d+\r\nexternal,-\d+\r\ntotal,0\r\n$/,
  );
  const balances = await get('/v1/admin/reports/balances?format=csv&limit=2');
  assert.ok(balances.headers['x-next-cursor'], 'the next page is named in a header');
  assert.equal(
    (balances.body as string).split('\r\n')[0],
    'account_id,kind,user_id,username,round_id,balance_minor',
  );
  assert.equal((balances.body as string).split('\r\n').length, 4);
  const liabilities = (await get('/v1/admin/reports/liabilities?format=csv')).body as string;
  assert.match(liabilities, /^item,value\r\nasOfEntryId,\d+\r\nwallets,\d+\r\n/);
});

test('reports: auditor and operator only; bad input is a 400 that names the field', async () => {
  for (const url of ['turnover', 'liabilities', 'balances', 'reconciliation', 'commission']) {
    const path = `/v1/admin/reports/${url}`;
    assert.equal((await t.request({ method: 'GET', url: path })).status, 401);
    const asPlayer = await t.request({ method: 'GET', url: path, token: player });
    assert.equal(asPlayer.status, 403);
    assert.equal(asPlayer.body.error.code, 'FORBIDDEN');
    await get(path, t.operatorToken);
  }
  for (const [url, field] of [
    ['/v1/admin/reports/balances?at=yesterday', 'at'],
    ['/v1/admin/reports/balances?at=2026-02-30T00:00:00Z', 'at'],
    ['/v1/admin/reports/balances?limit=10001', 'limit'],
    ['/v1/admin/reports/turnover?from=2026-02-30', 'from'],
    ['/v1/admin/reports/turnover?from=2026-05-02&to=2026-05-01', 'from'],
    ['/v1/admin/reports/turnover?from=2020-01-01&to=2026-01-01', 'from'],
    ['/v1/admin/reports/turnover?format=xml', 'format'],
  ]) {
    const res = await t.request({ method: 'GET', url: url!, token: auditor });
    assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'VALIDATION');
    assert.match(JSON.stringify(res.body.error), new RegExp(field!), url);
  }
});
