// The auditor's reports over the ledger (docs/reports.md): customer liabilities now, every
// account's balance at a point in time, and the reconciliation of all money at a point. Each
// report is one SQL statement, so it reads one snapshot; each reaches transfers only through
// an index (per account: transfers_by_debit / transfers_by_credit) or a bound the partitions
// and the BRIN index on created_at can prune (reconciliation). Callers pass the read pool.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';
import { appError } from '../errors.ts';

/** A point in the ledger: every transfer with id <= entryId, or with created_at <= time. */
export type LedgerPoint = { entryId: bigint } | { time: Date };

/** The SQL condition on a transfers alias for `point`, its parameter at $`n`. */
function bound(alias: string, point: LedgerPoint, n: number): { sql: string; param: bigint | Date } {
  return 'entryId' in point
    ? { sql: `${alias}.id <= $${n}`, param: point.entryId }
    : { sql: `${alias}.created_at <= $${n}`, param: point.time };
}

/** The newest entry id the ledger has now (0 when it is empty): "now" as a point that stays put. */
export async function latestEntryId(db: Queryable): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint | null }>('SELECT max(id) AS id FROM transfers');
  return rows[0]?.id ?? 0n;
}

export interface Liabilities {
  asOfEntryId: bigint;
  /** What players can stake or withdraw: the sum of every wallet. */
  wallets: bigint;
  playersWithFunds: bigint;
  /** Held for requested withdrawals, not yet paid or released. */
  holds: bigint;
  /** Stakes in rounds that are not settled or voided yet. */
  escrow: bigint;
  unsettledRounds: bigint;
  total: bigint;
}

const UNFINISHED_ESCROWS = `SELECT a.id FROM rounds r JOIN accounts a ON a.kind = 'escrow' AND a.round_id = r.id
  WHERE r.status IN ('OPEN', 'CLOSED', 'SETTLING')`;

/**
 * What the operator owes players now: wallets + holds + escrow of unsettled rounds. Wallets come
 * from the overdraft guard rows (the ledger sum of each wallet, kept in the transfer's own
 * transaction; `colorbet verify` I4 proves them equal), the hold and the unsettled escrows from
 * the ledger. Their account ids go into the sum as one array value, so the planner probes the
 * per-account indexes for exactly those (the unfinished rounds through rounds_unfinished). The
 * sum is one statement, one snapshot; if a round opened between reading the ids and the sum, the
 * sum is taken again.
 */
export async function liabilities(db: Queryable): Promise<Liabilities> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { rows: ids } = await db.query<{ id: bigint }>(
      `SELECT id FROM accounts WHERE kind = 'withdrawal_hold' UNION ALL ${UNFINISHED_ESCROWS}`,
    );
    const watched = ids.map((r) => r.id);
    const { rows } = await db.query<Omit<Liabilities, 'total'> & { missed: boolean }>(
      `WITH sums AS (
         SELECT account, sum(amount) AS balance FROM (
           SELECT credit_account_id AS account, amount FROM transfers WHERE credit_account_id = ANY($1::bigint[])
           UNION ALL
           SELECT debit_account_id, -amount FROM transfers WHERE debit_account_id = ANY($1::bigint[])
         ) moves GROUP BY account
       )
       SELECT (SELECT coalesce(max(id), 0) FROM transfers) AS "asOfEntryId",
              (SELECT coalesce(sum(balance), 0) FROM wallet_guard)::bigint AS wallets,
              (SELECT count(*) FROM wallet_guard WHERE balance > 0) AS "playersWithFunds",
              (SELECT coalesce(sum(s.balance), 0) FROM sums s JOIN accounts a ON a.id = s.account
                WHERE a.kind = 'withdrawal_hold')::bigint AS holds,
              (SELECT coalesce(sum(s.balance), 0) FROM sums s JOIN accounts a ON a.id = s.account
                WHERE a.kind = 'escrow')::bigint AS escrow,
              (SELECT count(*) FROM rounds WHERE status IN ('OPEN', 'CLOSED', 'SETTLING')) AS "unsettledRounds",
              EXISTS (${UNFINISHED_ESCROWS} AND a.id <> ALL ($1::bigint[])) AS missed`,
      [watched],
    );
    const { missed, ...r } = oneRow(rows, 'the liabilities summary');
    if (!missed) return { ...r, total: r.wallets + r.holds + r.escrow };
  }
  throw appError('UNAVAILABLE', 'Rounds kept opening while the liabilities were summed; retry');
}

export interface ReconciliationLine {
  /** players, holds, escrow, house, external (the cash account: money from and to the world). */
  line: 'players' | 'holds' | 'escrow' | 'house' | 'external';
  balance: bigint;
}

export interface Reconciliation {
  asOfEntryId: bigint;
  transfers: bigint;
  lines: ReconciliationLine[];
  total: bigint;
  /** players + holds + escrow + house + external = 0 (double entry, I3). */
  ok: boolean;
}

const LINE_OF_KIND: Record<string, ReconciliationLine['line']> = {
  player: 'players',
  withdrawal_hold: 'holds',
  escrow: 'escrow',
  house: 'house',
  cash: 'external',
};

/** Transfer ids summed per statement: a few seconds each, well inside the 30 s statement timeout. */
export const RECONCILIATION_CHUNK = 2_000_000n;

/**
 * Every unit of money at `point`, by where it sits: each transfer up to the point counted as a
 * credit of its credit account's kind and a debit of its debit account's kind. The pass goes
 * over the ids in chunks of `chunk`, one statement each (an id range prunes the partitions and
 * walks the primary key; a time bound adds the BRIN index), so a ledger of any size is summed
 * without a statement that outlives the timeout. Chunks read one after another: a transfer with
 * an id below the point that commits during the pass may be missed, as with any point that is
 * not yet final (docs/reports.md).
 */
export async function reconciliation(
  db: Queryable,
  point: LedgerPoint,
  opts: { chunk?: bigint } = {},
): Promise<Reconciliation> {
  const chunk = opts.chunk ?? RECONCILIATION_CHUNK;
  const { rows: span } = await db.query<{ first: bigint | null; top: bigint | null }>(
    'SELECT min(id) AS first, max(id) AS top FROM transfers',
  );
  const first = span[0]?.first ?? 1n;
  const top = 'entryId' in point ? point.entryId : (span[0]?.top ?? 0n);
  const b = bound('t', point, 3);
  const sums = new Map<string, bigint>(Object.keys(LINE_OF_KIND).map((k) => [k, 0n]));
  let transfers = 0n;
  let last = 0n;
  for (let lo = first; lo <= top; lo += chunk) {
    const { rows } = await db.query<{
      kind: string | null;
      balance: bigint;
      transfers: bigint;
      last: bigint;
    }>(
      `WITH upto AS (
         SELECT t.id, t.debit_account_id, t.credit_account_id, t.amount FROM transfers t
         WHERE t.id BETWEEN $1 AND $2 AND ${b.sql}
       ),
       by_pair AS (
         SELECT debit_account_id, credit_account_id, sum(amount) AS amount
         FROM upto GROUP BY debit_account_id, credit_account_id
       ),
       moves AS (
         SELECT a.kind, -p.amount AS amount FROM by_pair p JOIN accounts a ON a.id = p.debit_account_id
         UNION ALL
         SELECT a.kind, p.amount FROM by_pair p JOIN accounts a ON a.id = p.credit_account_id
       )
       SELECT m.kind, coalesce(sum(m.amount), 0)::bigint AS balance,
              (SELECT count(*) FROM upto) AS transfers, (SELECT coalesce(max(id), 0) FROM upto) AS last
       FROM (SELECT 1) one LEFT JOIN moves m ON true
       GROUP BY m.kind`,
      [lo, lo + chunk - 1n < top ? lo + chunk - 1n : top, b.param],
    );
    for (const r of rows) {
      if (r.kind !== null) sums.set(r.kind, (sums.get(r.kind) ?? 0n) + r.balance);
    }
    transfers += rows[0]?.transfers ?? 0n;
    const chunkLast = rows[0]?.last ?? 0n;
    if (chunkLast > last) last = chunkLast;
  }
  const lines = Object.entries(LINE_OF_KIND).map(([kind, line]) => ({ line, balance: sums.get(kind) ?? 0n }));
  // Over every kind summed, so an account kind this report does not name still shows as a
  // total other than 0 instead of vanishing.
  const total = [...sums.values()].reduce((s, v) => s + v, 0n);
  return { asOfEntryId: last, transfers, lines, total, ok: total === 0n };
}

export interface AccountBalance {
  accountId: bigint;
  kind: string;
  userId: bigint | null;
  username: string | null;
  roundId: bigint | null;
  balance: bigint;
}

/**
 * One page of accounts (by id, after `afterAccount`) with each balance at `point`: the sums of
 * the page's credits and debits up to the point. The page's ids go in as one array value, so
 * the planner sees them and probes transfers_by_credit / transfers_by_debit for each (a
 * correlated subquery per account looked like "any account" to it, which on a hot account's
 * statistics meant a scan of the whole ledger per account). A page costs its accounts' own
 * history, not the ledger. Two statements: the point (an entry id or a time) fixes what they read.
 */
export async function balancesAt(
  db: Queryable,
  point: LedgerPoint,
  opts: { afterAccount?: bigint; limit: number; kind?: string },
): Promise<{ accounts: AccountBalance[]; more: boolean }> {
  const { rows } = await db.query<Omit<AccountBalance, 'balance'>>(
    `SELECT a.id AS "accountId", a.kind, a.user_id AS "userId", u.username, a.round_id AS "roundId"
     FROM accounts a LEFT JOIN users u ON u.id = a.user_id
     WHERE a.id > $1 AND ($2::text IS NULL OR a.kind = $2)
     ORDER BY a.id LIMIT $3`,
    [opts.afterAccount ?? 0n, opts.kind ?? null, opts.limit + 1],
  );
  const page = rows.slice(0, opts.limit);
  const b = bound('t', point, 1);
  const { rows: sums } = await db.query<{ account: bigint; balance: bigint }>(
    `SELECT account, sum(amount)::bigint AS balance FROM (
       SELECT t.credit_account_id AS account, t.amount FROM transfers t
       WHERE t.credit_account_id = ANY($2::bigint[]) AND ${b.sql}
       UNION ALL
       SELECT t.debit_account_id, -t.amount FROM transfers t
       WHERE t.debit_account_id = ANY($2::bigint[]) AND ${b.sql}
     ) moves GROUP BY account`,
    [b.param, page.map((a) => a.accountId)],
  );
  const balance = new Map(sums.map((r) => [r.account, r.balance]));
  return {
    accounts: page.map((a) => ({ ...a, balance: balance.get(a.accountId) ?? 0n })),
    more: rows.length > opts.limit,
  };
}
