// The auditor's reports over the ledger (docs/reports.md): customer liabilities now, every
// account's balance at a point in time, and the reconciliation of all money at a point. Each
// report is one SQL statement, so it reads one snapshot; each reaches transfers only through
// an index (per account: transfers_by_debit / transfers_by_credit) or a bound the partitions
// and the BRIN index on created_at can prune (reconciliation). Callers pass the read pool.
import type { Queryable } from '../db/pool.ts';

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

/**
 * What the operator owes players now: wallets + holds + escrow of unsettled rounds. Wallets come
 * from the overdraft guard rows (the ledger sum of each wallet, kept in the transfer's own
 * transaction; `colorbet verify` I4 proves them equal), the hold and the unsettled escrows from
 * the ledger through the per-account indexes.
 */
export async function liabilities(db: Queryable): Promise<Liabilities> {
  const { rows } = await db.query<Omit<Liabilities, 'total'>>(
    `WITH watched AS (
       -- The hold account (partial index accounts_singletons) and the escrow of each unfinished
       -- round (rounds_unfinished, then accounts_one_escrow_per_round).
       SELECT id, kind FROM accounts WHERE kind = 'withdrawal_hold'
       UNION ALL
       SELECT a.id, a.kind FROM rounds r JOIN accounts a ON a.kind = 'escrow' AND a.round_id = r.id
       WHERE r.status IN ('OPEN', 'CLOSED', 'SETTLING')
     ),
     account_sum AS (
       SELECT w.kind,
              coalesce((SELECT sum(amount) FROM transfers WHERE credit_account_id = w.id), 0)
            - coalesce((SELECT sum(amount) FROM transfers WHERE debit_account_id = w.id), 0) AS balance
       FROM watched w
     )
     SELECT (SELECT coalesce(max(id), 0) FROM transfers) AS "asOfEntryId",
            (SELECT coalesce(sum(balance), 0) FROM wallet_guard)::bigint AS wallets,
            (SELECT count(*) FROM wallet_guard WHERE balance > 0) AS "playersWithFunds",
            (SELECT coalesce(sum(balance), 0) FROM account_sum WHERE kind = 'withdrawal_hold')::bigint AS holds,
            (SELECT coalesce(sum(balance), 0) FROM account_sum WHERE kind = 'escrow')::bigint AS escrow,
            (SELECT count(*) FROM rounds WHERE status IN ('OPEN', 'CLOSED', 'SETTLING')) AS "unsettledRounds"`,
  );
  const r = rows[0]!;
  return { ...r, total: r.wallets + r.holds + r.escrow };
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

/**
 * Every unit of money at `point`, by where it sits. One pass over the transfers up to the point
 * (the id partitions above it are pruned; a time bound uses the BRIN index), each transfer
 * counted as a credit of its credit account's kind and a debit of its debit account's kind.
 */
export async function reconciliation(db: Queryable, point: LedgerPoint): Promise<Reconciliation> {
  const b = bound('t', point, 1);
  const { rows } = await db.query<{ kind: string; balance: bigint; transfers: bigint; last: bigint }>(
    `WITH upto AS (SELECT t.id, t.debit_account_id, t.credit_account_id, t.amount FROM transfers t WHERE ${b.sql}),
     by_pair AS (
       SELECT debit_account_id, credit_account_id, sum(amount) AS amount
       FROM upto GROUP BY debit_account_id, credit_account_id
     ),
     moves AS (
       SELECT a.kind, -p.amount AS amount FROM by_pair p JOIN accounts a ON a.id = p.debit_account_id
       UNION ALL
       SELECT a.kind, p.amount FROM by_pair p JOIN accounts a ON a.id = p.credit_account_id
     )
     SELECT k.kind, coalesce(sum(m.amount), 0)::bigint AS balance,
            (SELECT count(*) FROM upto) AS transfers, (SELECT coalesce(max(id), 0) FROM upto) AS last
     FROM unnest(ARRAY['player', 'withdrawal_hold', 'escrow', 'house', 'cash']) AS k (kind)
     LEFT JOIN moves m ON m.kind = k.kind
     GROUP BY k.kind`,
    [b.param],
  );
  const lines = rows
    .map((r) => ({ line: LINE_OF_KIND[r.kind]!, balance: r.balance }))
    .sort(
      (x, y) => Object.values(LINE_OF_KIND).indexOf(x.line) - Object.values(LINE_OF_KIND).indexOf(y.line),
    );
  const total = lines.reduce((s, l) => s + l.balance, 0n);
  return {
    asOfEntryId: rows[0]?.last ?? 0n,
    transfers: rows[0]?.transfers ?? 0n,
    lines,
    total,
    ok: total === 0n,
  };
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
 * the account's credits and debits up to the point, each an index range scan
 * (transfers_by_credit / transfers_by_debit), so a page costs its accounts' own history only.
 */
export async function balancesAt(
  db: Queryable,
  point: LedgerPoint,
  opts: { afterAccount?: bigint; limit: number; kind?: string },
): Promise<{ accounts: AccountBalance[]; more: boolean }> {
  const b = bound('t', point, 1);
  const { rows } = await db.query<AccountBalance>(
    `SELECT a.id AS "accountId", a.kind, a.user_id AS "userId", u.username, a.round_id AS "roundId",
            (coalesce((SELECT sum(t.amount) FROM transfers t WHERE t.credit_account_id = a.id AND ${b.sql}), 0)
           - coalesce((SELECT sum(t.amount) FROM transfers t WHERE t.debit_account_id = a.id AND ${b.sql}), 0)
            )::bigint AS balance
     FROM accounts a LEFT JOIN users u ON u.id = a.user_id
     WHERE a.id > $2 AND ($3::text IS NULL OR a.kind = $3)
     ORDER BY a.id LIMIT $4`,
    [b.param, opts.afterAccount ?? 0n, opts.kind ?? null, opts.limit + 1],
  );
  return { accounts: rows.slice(0, opts.limit), more: rows.length > opts.limit };
}
