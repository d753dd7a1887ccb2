// The checkpoint of the check runner (src/verify-run.ts).
// Where the audit has proved the ledger up to (migrations/0017_verify_checkpoints.sql): read
// at the start of a run to scope it, advanced at its end, in the same transaction, only when
// every check held. Transfers are taken in the projection's commit-safe (txid, id) order and
// only from transactions older than every one still running (src/ledger/projection.ts), so a
// transfer with a lower id that commits after the run is still proved by the next one.
import type { Pool, Queryable } from './db/pool.ts';
import { rowValue, type Check, type VerifyScope } from './ledger/ledger-checks.ts';
import { oneRow } from './db/rows.ts';

export interface Checkpoint {
  lastTxid: string;
  lastId: bigint;
  lastRoundId: bigint;
  provedAt: Date;
  /** The oldest full run among the checks (null when one of them never had one). */
  fullAt: Date | null;
}

/** The checkpoint's (txid, id) as it is reported. */
export interface Position {
  txid: string;
  id: string;
  roundId: string;
  /**
   * Set when transfers this run read stay past the checkpoint because a transaction older than
   * them was still running when the run began (anywhere on the server): which one, so an
   * operator can see why the next run proves them again.
   */
  heldBackBy?: string;
}

const IN_PLAY = `('OPEN', 'CLOSED', 'SETTLING')`;
const FINAL = `('SETTLED', 'VOID')`;

/** Values that come back from the database as text are spliced into SQL only as digits. */
function digits(v: string | bigint): string {
  const s = v.toString();
  if (!/^\d{1,20}$/.test(s)) throw new Error(`not an unsigned integer: ${JSON.stringify(s)}`);
  return s;
}

/**
 * The checkpoint every one of `checks` was proved up to, or undefined when the run must be full:
 * no run has held yet, a check is new (no row), or the rows disagree.
 */
export async function readCheckpoint(db: Queryable, checks: Check[]): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<{
    last_txid: string;
    last_id: bigint;
    last_round_id: bigint;
    proved_at: Date;
    full_at: Date | null;
  }>(
    `SELECT last_txid::text, last_id, last_round_id, proved_at, full_at FROM verify_checkpoints
     WHERE name = ANY ($1::text[])`,
    [checks.map((c) => c.id)],
  );
  const first = rows[0];
  if (!first || rows.length !== checks.length) return undefined;
  const same = rows.every(
    (r) =>
      r.last_txid === first.last_txid &&
      r.last_id === first.last_id &&
      r.last_round_id === first.last_round_id,
  );
  if (!same) return undefined;
  const fulls = rows.map((r) => r.full_at);
  return {
    lastTxid: first.last_txid,
    lastId: first.last_id,
    lastRoundId: first.last_round_id,
    provedAt: rows.reduce((min, r) => (r.proved_at < min ? r.proved_at : min), first.proved_at),
    fullAt: fulls.some((f) => f === null) ? null : new Date(Math.min(...fulls.map((f) => f!.getTime()))),
  };
}

/** When the last full run of these checks was (null: never); for AUDIT_FULL_EVERY_SECONDS. */
export async function lastFullRun(db: Queryable, checks: Check[]): Promise<Date | null> {
  return (await readCheckpoint(db, checks))?.fullAt ?? null;
}

export interface RunScope {
  scope: VerifyScope;
  /** pg_snapshot_xmin of the run's snapshot: transfers below it are final and can be checkpointed. */
  horizon: string;
  /** The checkpoint the run started from (('0', 0) in a full run). */
  from: { txid: string; id: bigint };
  transfers: number;
  rounds: number;
}

/** What this run proves: everything without a checkpoint, else what is new since it. */
export async function scopeRun(db: Queryable, pool: Pool, cp: Checkpoint | undefined): Promise<RunScope> {
  const horizon = oneRow(
    await db.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin'),
    'the snapshot xmin',
  ).xmin;
  const from = cp ? { txid: cp.lastTxid, id: cp.lastId } : { txid: '0', id: 0n };
  const cursor = rowValue(from.txid, from.id);
  const fresh = cp ? `(SELECT * FROM transfers WHERE (txid, id) > ${cursor})` : '(SELECT * FROM transfers)';
  const base = {
    db,
    pool,
    full: !cp,
    fresh,
    cursor,
    carried: cp ? 'verify_balances' : '(SELECT NULL::bigint AS account_id, 0::bigint AS balance WHERE false)',
    // Keys are proved by age. A key is written in the transaction of its money movement (short:
    // 30 s per statement), so ten minutes of slack covers any that was still running at the last run.
    keysSince: cp
      ? `('${cp.provedAt.toISOString()}'::timestamptz - interval '10 minutes')`
      : `'-infinity'::timestamptz`,
  };
  const transfers = Number(
    oneRow(await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${fresh} f`), 'a count of new transfers')
      .n,
  );
  if (!cp) {
    const rounds = Number(
      oneRow(await db.query<{ n: bigint }>('SELECT count(*) AS n FROM rounds'), 'a count of rounds').n,
    );
    const scope = { ...base, rounds: 'SELECT id FROM rounds', roundIn: () => 'true' };
    return { scope, horizon, from, transfers, rounds };
  }
  // Rounds in play (their bets still move), rounds final since the checkpoint, and final rounds
  // a fresh transfer touches (by round, bet or escrow account): a late or forged row is proved.
  const { rows } = await db.query<{ ids: string[] }>(
    `SELECT coalesce(array_agg(id ORDER BY id), '{}')::text[] AS ids FROM (
       SELECT id FROM rounds WHERE status IN ${IN_PLAY}
       UNION SELECT id FROM rounds r
         WHERE r.id > $1 AND r.status IN ${FINAL}
           AND r.id <> ALL (SELECT unnest(proved_rounds) FROM verify_checkpoints)
       UNION SELECT f.round_id FROM ${fresh} f WHERE f.round_id IS NOT NULL
       UNION SELECT b.round_id FROM ${fresh} f JOIN bets b ON b.id = f.bet_id WHERE f.round_id IS NULL
       UNION SELECT a.round_id FROM accounts a
         WHERE a.kind = 'escrow' AND a.id IN (SELECT credit_account_id FROM ${fresh} f
                                              UNION SELECT debit_account_id FROM ${fresh} f)) s
     WHERE id IN (SELECT id FROM rounds)`,
    [cp.lastRoundId],
  );
  const ids = oneRow(rows, 'the rounds touched since the checkpoint').ids.map(digits);
  return {
    scope: {
      ...base,
      rounds: `SELECT unnest('{${ids.join(',')}}'::bigint[]) AS id`,
      roundIn: (column: string) => `${column} = ANY ('{${ids.join(',')}}'::bigint[])`,
    },
    horizon,
    from,
    transfers,
    rounds: ids.length,
  };
}

/**
 * Moves the checkpoint of `checks` to what this run proved for good: the transfers of
 * transactions older than the run's horizon (their per-account sums added to verify_balances)
 * and every round final in its snapshot. Call only when every check held.
 */
export async function advanceCheckpoint(db: Queryable, checks: Check[], run: RunScope): Promise<Position> {
  const { scope, horizon, from } = run;
  const last = (
    await db.query<{ txid: string; id: bigint }>(
      `SELECT txid::text, id FROM ${scope.fresh} f WHERE txid < '${digits(horizon)}'::xid8
       ORDER BY txid DESC, id DESC LIMIT 1`,
    )
  ).rows[0];
  // The rows first: a run that read an older checkpoint fails here (serialization) before it
  // can add its sums twice.
  const { rows } = await db.query<{ txid: string; id: bigint; round_id: bigint }>(
    `WITH old AS (SELECT coalesce(max(last_round_id), 0) AS r FROM verify_checkpoints WHERE name = ANY ($1::text[]) AND NOT $4),
       prefix AS (SELECT coalesce((SELECT min(id) - 1 FROM rounds WHERE id > old.r AND status IN ${IN_PLAY}),
                                  (SELECT max(id) FROM rounds), old.r) AS r FROM old),
       proved AS (SELECT coalesce(array_agg(id ORDER BY id), '{}') AS ids FROM rounds, prefix
                  WHERE rounds.id > prefix.r AND rounds.status IN ${FINAL})
     INSERT INTO verify_checkpoints AS v (name, last_txid, last_id, last_round_id, proved_rounds, proved_at, full_at)
     SELECT name, $2::xid8, $3::bigint, prefix.r, proved.ids, now(), CASE WHEN $4 THEN now() END
     FROM unnest($1::text[]) name, prefix, proved
     ON CONFLICT (name) DO UPDATE SET last_txid = EXCLUDED.last_txid, last_id = EXCLUDED.last_id,
       last_round_id = EXCLUDED.last_round_id, proved_rounds = EXCLUDED.proved_rounds,
       proved_at = EXCLUDED.proved_at, full_at = coalesce(EXCLUDED.full_at, v.full_at)
     RETURNING last_txid::text AS txid, last_id AS id, last_round_id AS round_id`,
    [checks.map((c) => c.id), last?.txid ?? from.txid, last?.id ?? from.id, scope.full],
  );
  if (scope.full) await db.query('DELETE FROM verify_balances');
  if (last) {
    await db.query(
      `INSERT INTO verify_balances AS v (account_id, balance)
       SELECT account_id, sum(delta)::bigint FROM (
         SELECT credit_account_id AS account_id, amount AS delta FROM window_rows w
         UNION ALL SELECT debit_account_id, -amount FROM window_rows w) m
       GROUP BY account_id ORDER BY account_id
       ON CONFLICT (account_id) DO UPDATE SET balance = v.balance + EXCLUDED.balance`.replaceAll(
        'window_rows',
        `(SELECT * FROM transfers WHERE (txid, id) > ${scope.cursor} AND (txid, id) <= ${rowValue(last.txid, last.id)})`,
      ),
    );
  }
  const row = oneRow(rows, 'the digest of the transfers in scope');
  const position = { txid: row.txid, id: row.id.toString(), roundId: row.round_id.toString() };
  const heldBackBy = await holderOfHorizon(db, scope.fresh, horizon);
  return heldBackBy ? { ...position, heldBackBy } : position;
}

/**
 * Undefined when every transfer the run read is below its horizon. Otherwise the oldest
 * transaction of the server still holding a transaction id (a backend or a prepared
 * transaction): pg_snapshot_xmin is the server's, so a writer in another database holds a
 * checkpoint back as much as one in this.
 */
async function holderOfHorizon(db: Queryable, fresh: string, horizon: string): Promise<string | undefined> {
  const past = await db.query(`SELECT 1 FROM ${fresh} f WHERE txid >= '${digits(horizon)}'::xid8 LIMIT 1`);
  if (past.rows.length === 0) return undefined;
  // Only a transaction at or below the horizon held it: one that began after the run did not.
  const { rows } = await db.query<{ who: string }>(
    `SELECT who FROM (
       SELECT age(backend_xid) AS age,
         format('pid %s (%s, database %s, %s) in a transaction since %s', pid,
           coalesce(nullif(application_name, ''), backend_type), coalesce(datname, '-'),
           coalesce(state, 'state not visible'), coalesce(xact_start::text, 'an unknown time')) AS who
       FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
       UNION ALL
       SELECT age(transaction), format('prepared transaction %L (database %s) since %s', gid, database, prepared)
       FROM pg_prepared_xacts) w
     WHERE age >= age(xid($1::xid8))
     ORDER BY age DESC LIMIT 1`,
    [horizon],
  );
  return (
    rows[0]?.who ?? 'a transaction that has ended since, or that this role cannot see (pg_stat_activity)'
  );
}
