// Invariant checks over the ledger (I1-I4, I7, I8). Each check is one query that returns
// offending rows, so a report can say exactly what is wrong, not only that something is.
import type { Pool, Queryable } from '../db/pool.ts';

export interface CheckResult {
  invariant: string;
  name: string;
  ok: boolean;
  detail: string;
  violations?: unknown[];
}

export type Check = (db: Pool) => Promise<CheckResult>;

const SAMPLE = 10;

async function offending(db: Queryable, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const { rows } = await db.query(`${sql} LIMIT ${SAMPLE}`, params);
  return rows.map((r: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])),
  );
}

/** A check whose query lists the problems it finds (at most a sample of them). */
export async function checkRows(
  db: Pool,
  invariant: string,
  name: string,
  sql: string,
  okDetail: string,
): Promise<CheckResult> {
  return result(invariant, name, await offending(db, `SELECT * FROM (${sql}) problems`), okDetail);
}

function result(invariant: string, name: string, violations: unknown[], okDetail: string): CheckResult {
  return violations.length === 0
    ? { invariant, name, ok: true, detail: okDetail }
    : { invariant, name, ok: false, detail: `${violations.length}+ violation(s)`, violations };
}

// Per-account balance straight from the ledger.
export const LEDGER_BALANCES = `
  SELECT account_id, sum(delta)::bigint AS balance FROM (
    SELECT credit_account_id AS account_id, amount AS delta FROM transfers
    UNION ALL SELECT debit_account_id, -amount FROM transfers) m GROUP BY account_id`;

export const integerMoney: Check = (db) =>
  checkRows(
    db,
    'I1',
    'money columns are BIGINT minor units',
    `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema()
         AND column_name IN ('amount', 'balance', 'payout', 'refund', 'commission', 'matched_amount',
                             'cancelled_amount', 'staked', 'received', 'net')
         AND data_type <> 'bigint'`,
    'every amount, balance, payout, refund and commission column is bigint',
  );

export const appendOnly: Check = async (db) => {
  const missing = await offending(
    db,
    `SELECT want.name FROM (VALUES ('transfers_append_only'), ('transfers_no_truncate'), ('transfers_guard_wallets'))
       AS want(name)
     WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgname = want.name
                         AND t.tgrelid = 'transfers'::regclass AND t.tgenabled = 'O')`,
  );
  if (missing.length) return result('I2', 'ledger is append-only', missing, '');
  // Prove it: an UPDATE of a real row must be refused (rolled back either way).
  const client = await db.connect();
  let refused = true;
  try {
    await client.query('BEGIN');
    const upd = await client.query(
      'UPDATE transfers SET amount = amount WHERE id = (SELECT min(id) FROM transfers)',
    );
    refused = upd.rowCount === 0;
  } catch {
    refused = true;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  return result(
    'I2',
    'ledger is append-only',
    refused ? [] : [{ problem: 'UPDATE on transfers was accepted' }],
    'UPDATE/DELETE/TRUNCATE on transfers are refused by triggers',
  );
};

export const doubleEntry: Check = async (db) => {
  const bad = await offending(
    db,
    `SELECT id, amount, debit_account_id, credit_account_id FROM transfers t
     WHERE amount <= 0 OR debit_account_id = credit_account_id
        OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.debit_account_id)
        OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.credit_account_id)`,
  );
  const { rows } = await db.query<{ total: bigint | null }>(
    `SELECT sum(balance)::bigint AS total FROM (${LEDGER_BALANCES}) b`,
  );
  const total = rows[0]?.total ?? 0n;
  if (total !== 0n) bad.push({ problem: 'sum of all account balances is not zero', total: total.toString() });
  return result(
    'I3',
    'double entry; all balances sum to zero',
    bad,
    'every transfer debits one account and credits another; sum = 0',
  );
};

export const noOverdraft: Check = async (db) => {
  const problems = await offending(
    db,
    `SELECT a.id AS account_id, a.user_id, coalesce(l.balance, 0) AS ledger_balance, g.balance AS guard_balance
     FROM accounts a LEFT JOIN (${LEDGER_BALANCES}) l ON l.account_id = a.id
     LEFT JOIN wallet_guard g ON g.account_id = a.id
     WHERE a.kind = 'player' AND (coalesce(l.balance, 0) < 0 OR g.balance IS NULL OR g.balance <> coalesce(l.balance, 0))`,
  );
  // The guard itself must be in force: its CHECK and the triggers that keep it.
  problems.push(
    ...(await offending(
      db,
      `SELECT 'missing or disabled: ' || want.name AS problem
       FROM (VALUES ('transfers_guard_wallets'), ('wallet_guard_only_by_transfer')) AS want(name)
       WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgname = want.name AND t.tgenabled = 'O')
       UNION ALL
       SELECT 'missing: wallet_never_negative' WHERE NOT EXISTS (
         SELECT 1 FROM pg_constraint WHERE conname = 'wallet_never_negative' AND convalidated)`,
    )),
  );
  return result(
    'I4',
    'no player wallet below zero; guard equals ledger',
    problems,
    'every player wallet is >= 0, its guard matches the ledger, and the guard is in force',
  );
};

export const projectionMatches: Check = (db) =>
  checkRows(
    db,
    'I7',
    'balance projection equals the ledger up to its watermark',
    `WITH w AS (SELECT last_txid, last_id FROM projection_state WHERE name = 'wallet_balance'),
       seen AS (
         SELECT account_id, sum(delta)::bigint AS balance FROM (
           SELECT credit_account_id AS account_id, amount AS delta FROM transfers t, w WHERE (t.txid, t.id) <= (w.last_txid, w.last_id)
           UNION ALL
           SELECT debit_account_id, -amount FROM transfers t, w WHERE (t.txid, t.id) <= (w.last_txid, w.last_id)) m
         GROUP BY account_id)
       SELECT coalesce(s.account_id, b.account_id) AS account_id, s.balance AS ledger, b.balance AS projected
       FROM seen s FULL JOIN account_balance b ON b.account_id = s.account_id
       WHERE coalesce(s.balance, 0) <> coalesce(b.balance, 0)`,
    'account_balance = ledger sum for every account at the projection watermark',
  );

export const idempotencyEnforced: Check = (db) =>
  checkRows(
    db,
    'I8',
    'idempotency keys and deposit references are unique in the database',
    `SELECT want.name AS missing_index FROM (VALUES ('idempotency_keys_pkey'), ('transfers_once_deposit')) AS want(name)
       WHERE NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = want.name AND schemaname = current_schema())`,
    'unique (scope, key) on idempotency_keys; unique deposit reference',
  );

export const ledgerChecks: Check[] = [
  integerMoney,
  appendOnly,
  doubleEntry,
  noOverdraft,
  projectionMatches,
  idempotencyEnforced,
];
