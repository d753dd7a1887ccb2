// A check set, with the shape every check set shares (Check, offending, checkResult), run by
// src/verify-run.ts.
// Invariant checks over the ledger (I1-I4, I7, I8; each rule, its database guard and its tests
// are in docs/invariants.md). Each check is one entry: a query that returns offending rows (so a
// report says exactly what is wrong), run over a scope that the audit (src/verify-run.ts) gives it:
// everything (`verify --full`), or only what is new since the checkpoint of the last run that
// found everything holding (docs/partitioning.md).
import type { Pool, Queryable } from '../db/pool.ts';

export interface CheckResult {
  invariant: string;
  name: string;
  ok: boolean;
  detail: string;
  violations?: unknown[];
  /** How long the check took in this run. */
  ms?: number;
}

/** What one audit run proves. Every SQL fragment below reads the run's one snapshot. */
export interface VerifyScope {
  /** The run's REPEATABLE READ transaction: every check sees the same snapshot. */
  db: Queryable;
  /** For a check that must try a write and roll it back (I2), outside the run's transaction. */
  pool: Pool;
  full: boolean;
  /** SQL relation: the transfers this run proves, every visible one after the checkpoint. */
  fresh: string;
  /** SQL relation (account_id, balance): the ledger sums per account at the checkpoint. */
  carried: string;
  /** SQL row value: the checkpoint's (txid, id); ('0', 0) in a full run. */
  cursor: string;
  /** SQL relation (id): the rounds this run proves. */
  rounds: string;
  /** SQL predicate: `column` (a round id) is one of the rounds this run proves (an index condition). */
  roundIn(column: string): string;
  /** SQL timestamptz: idempotency keys created from then on are proved. */
  keysSince: string;
}

export interface Check {
  /** Stable name: the key of its row in verify_checkpoints. */
  id: string;
  invariant: string;
  name: string;
  okDetail: string;
  /** What an incremental run covers, and why that stays bounded (shown in docs/partitioning.md). */
  incremental: string;
  /** The problems found in the scope (at most a sample of them). */
  find(scope: VerifyScope): Promise<unknown[]>;
}

const SAMPLE = 10;

/** A (txid, id) position as SQL; its parts come back from the database as text, and only digits pass. */
export function rowValue(txid: string, id: string | bigint): string {
  const digits = (v: string) => {
    if (!/^\d{1,20}$/.test(v)) throw new Error(`not an unsigned integer: ${JSON.stringify(v)}`);
    return v;
  };
  return `('${digits(txid)}'::xid8, ${digits(id.toString())}::bigint)`;
}

/** At most a sample of the rows `sql` returns, bigints as strings (JSON-safe). */
export async function offending(db: Queryable, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const { rows } = await db.query(`SELECT * FROM (${sql}) problems LIMIT ${SAMPLE}`, params);
  return rows.map((r: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])),
  );
}

export function checkResult(check: Check, violations: unknown[]): CheckResult {
  const { invariant, name } = check;
  return violations.length === 0
    ? { invariant, name, ok: true, detail: check.okDetail }
    : { invariant, name, ok: false, detail: `${violations.length}+ violation(s)`, violations };
}

/**
 * Per-account ledger balance in the run's snapshot: the sums carried at the checkpoint plus the
 * fresh transfers. O(accounts + fresh transfers), never O(ledger) in an incremental run.
 */
export const balances = (s: VerifyScope) => `
  SELECT coalesce(c.account_id, d.account_id) AS account_id, coalesce(c.balance, 0) + coalesce(d.delta, 0) AS balance
  FROM ${s.carried} c FULL JOIN (${movements(s.fresh)}) d ON d.account_id = c.account_id`;

/** Per account, what the transfers of `transfers` (an SQL relation) move: credits minus debits. */
export const movements = (transfers: string, where = 'true') => `
  SELECT account_id, sum(delta)::bigint AS delta FROM (
    SELECT credit_account_id AS account_id, amount AS delta FROM ${transfers} t WHERE ${where}
    UNION ALL SELECT debit_account_id, -amount FROM ${transfers} t WHERE ${where}) m
  GROUP BY account_id`;

/**
 * One row (`problem`) per trigger that is missing or not enabled in ordinary sessions
 * (`tgenabled = 'O'`), each named with its table: the catalog half of the checks that a rule is
 * still in force. Names are this file's literals, never input.
 */
export const triggersNotInForce = (triggers: readonly { table: string; name: string }[]) => `
  SELECT 'missing or disabled trigger: ' || want.name || ' on ' || want.tab AS problem
  FROM (VALUES ${triggers.map((t) => `('${t.table}', '${t.name}')`).join(', ')}) AS want(tab, name)
  WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgname = want.name
                      AND t.tgrelid = to_regclass(want.tab) AND t.tgenabled = 'O')`;

export const integerMoney: Check = {
  id: 'integer-money',
  invariant: 'I1',
  name: 'money columns are BIGINT minor units',
  okDetail: 'every amount, balance, payout, refund and commission column is bigint',
  incremental: 'the catalog, every run',
  find: (s) =>
    offending(
      s.db,
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema()
         AND column_name IN ('amount', 'balance', 'payout', 'refund', 'commission', 'matched_amount',
                             'cancelled_amount', 'staked', 'received', 'net')
         AND data_type <> 'bigint'`,
    ),
};

export const appendOnly: Check = {
  id: 'append-only',
  invariant: 'I2',
  name: 'ledger is append-only',
  okDetail: 'UPDATE/DELETE/TRUNCATE on transfers are refused by triggers',
  incremental: 'the catalog and one refused UPDATE, every run',
  find: async (s) => {
    const missing = await offending(
      s.db,
      triggersNotInForce(
        ['transfers_append_only', 'transfers_no_truncate', 'transfers_guard_wallets'].map((name) => ({
          table: 'transfers',
          name,
        })),
      ),
    );
    if (missing.length) return missing;
    // Prove it: an UPDATE of a real row must be refused (rolled back either way).
    const client = await s.pool.connect();
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
    return refused ? [] : [{ problem: 'UPDATE on transfers was accepted' }];
  },
};

export const doubleEntry: Check = {
  id: 'double-entry',
  invariant: 'I3',
  name: 'double entry; all balances sum to zero',
  okDetail: 'every transfer debits one account and credits another; sum = 0',
  incremental: 'fresh transfers row by row; the sum over the carried balances plus the fresh transfers',
  find: async (s) => {
    const bad = await offending(
      s.db,
      `SELECT id, amount, debit_account_id, credit_account_id FROM ${s.fresh} t
       WHERE amount <= 0 OR debit_account_id = credit_account_id
          OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.debit_account_id)
          OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.credit_account_id)`,
    );
    const { rows } = await s.db.query<{ total: bigint | null }>(
      // The sum of the balances without grouping by account: carried total plus what fresh rows move.
      `SELECT (coalesce((SELECT sum(balance) FROM ${s.carried} c), 0)
               + coalesce((SELECT sum(amount) FROM ${s.fresh} f), 0)
               - coalesce((SELECT sum(amount) FROM ${s.fresh} f), 0))::bigint AS total`,
    );
    const total = rows[0]?.total ?? 0n;
    if (total !== 0n)
      bad.push({ problem: 'sum of all account balances is not zero', total: total.toString() });
    return bad;
  },
};

export const noOverdraft: Check = {
  id: 'no-overdraft',
  invariant: 'I4',
  name: 'no player wallet below zero; guard equals ledger',
  okDetail: 'every player wallet is >= 0, its guard matches the ledger, and the guard is in force',
  incremental:
    'every wallet guard against its carried balance plus fresh transfers: O(wallets), not O(ledger), so a guard changed behind the trigger is still found',
  find: async (s) => {
    const problems = await offending(
      s.db,
      `SELECT a.id AS account_id, a.user_id, coalesce(l.balance, 0) AS ledger_balance, g.balance AS guard_balance
       FROM accounts a LEFT JOIN (${balances(s)}) l ON l.account_id = a.id
       LEFT JOIN wallet_guard g ON g.account_id = a.id
       WHERE a.kind = 'player' AND (coalesce(l.balance, 0) < 0 OR g.balance IS NULL OR g.balance <> coalesce(l.balance, 0))`,
    );
    // The guard itself must be in force: its CHECK and the triggers that keep it.
    problems.push(
      ...(await offending(
        s.db,
        `${triggersNotInForce([
          { table: 'transfers', name: 'transfers_guard_wallets' },
          { table: 'wallet_guard', name: 'wallet_guard_only_by_transfer' },
        ])}
         UNION ALL
         SELECT 'missing: wallet_never_negative' WHERE NOT EXISTS (
           SELECT 1 FROM pg_constraint WHERE conname = 'wallet_never_negative' AND convalidated)`,
      )),
    );
    return problems;
  },
};

export const projectionMatches: Check = {
  id: 'projection',
  invariant: 'I7',
  name: 'balance projection equals the ledger up to its watermark',
  okDetail: 'account_balance = ledger sum for every account at the projection watermark',
  incremental:
    'every projected balance against the carried sums moved to the projection watermark: O(accounts + the distance between the watermark and the checkpoint)',
  // The ledger at the watermark W = carried (at checkpoint C) + fresh transfers up to W, minus
  // the transfers between W and C when the projection is behind the checkpoint.
  find: async (s) => {
    const w = (
      await s.db.query<{ txid: string; id: bigint }>(
        `SELECT last_txid::text AS txid, last_id AS id FROM projection_state WHERE name = 'wallet_balance'`,
      )
    ).rows[0];
    const watermark = w ? rowValue(w.txid, w.id) : rowValue('0', 0n);
    return offending(
      s.db,
      `WITH moved AS (
         SELECT account_id, sum(delta)::bigint AS delta FROM (
           SELECT account_id, delta FROM (${movements(s.fresh, `(t.txid, t.id) <= ${watermark}`)}) ahead
           UNION ALL SELECT account_id, -delta FROM (${movements(
             'transfers',
             `(t.txid, t.id) > ${watermark} AND (t.txid, t.id) <= ${s.cursor}`,
           )}) behind) m
         GROUP BY account_id),
       seen AS (
         SELECT coalesce(c.account_id, d.account_id) AS account_id, coalesce(c.balance, 0) + coalesce(d.delta, 0) AS balance
         FROM ${s.carried} c FULL JOIN moved d ON d.account_id = c.account_id)
       SELECT coalesce(s.account_id, b.account_id) AS account_id, s.balance AS ledger, b.balance AS projected
       FROM seen s FULL JOIN account_balance b ON b.account_id = s.account_id
       WHERE coalesce(s.balance, 0) <> coalesce(b.balance, 0)`,
    );
  },
};

export const idempotencyEnforced: Check = {
  id: 'idempotency',
  invariant: 'I8',
  name: 'idempotency keys and deposit references are unique in the database',
  okDetail:
    'unique (day, scope, key) on idempotency_keys, every claim shadowed in the next day (trigger idempotency_keys_shadowed); unique deposit reference',
  incremental: 'the catalog, every run',
  find: (s) =>
    offending(
      s.db,
      `SELECT 'missing index: ' || want.name AS problem
       FROM (VALUES ('idempotency_keys_pkey'), ('transfer_keys_pkey')) AS want(name)
       WHERE NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = want.name AND schemaname = current_schema())
       UNION ALL
       -- Keys are unique across days only while every claim writes its shadow (migration 0028).
       ${triggersNotInForce([{ table: 'idempotency_keys', name: 'idempotency_keys_shadowed' }])}`,
    ),
};

export const ledgerChecks: Check[] = [
  integerMoney,
  appendOnly,
  doubleEntry,
  noOverdraft,
  projectionMatches,
  idempotencyEnforced,
];
