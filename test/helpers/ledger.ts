// Small helpers for the money suites: the ledger tables (read-only, plain SQL), the projection
// caught up, the audit, and the database's refusals. Child processes (the colorbet command)
// are in ./process.ts.
import assert from 'node:assert/strict';
import { runAudit } from '../../src/verify-run.ts';
import type { Pool } from '../../src/db/pool.ts';
import { catchUp, projectionLag } from '../../src/ledger/projection.ts';
import { sleep } from './util.ts';

/**
 * catchUp() stops at the oldest transaction still running anywhere in the cluster (other test
 * files share the server), so repeat it until nothing of this database is left unprojected.
 */
export async function projectAll(pool: Pool, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await catchUp(pool);
    if ((await projectionLag(pool)).entries === 0) return;
    if (Date.now() > deadline) throw new Error('projection did not catch up in time');
    await sleep(25);
  }
}

/** Runs the audit; every invariant must hold (the failing checks are the message). */
export async function assertAudit(pool: Pool): Promise<void> {
  const report = await runAudit(pool);
  assert.ok(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok)));
}

/** Sum of every player wallet's overdraft guard (the money players hold). */
export async function guardSum(pool: Pool): Promise<bigint> {
  const { rows } = await pool.query<{ total: bigint | null }>(
    'SELECT sum(balance)::bigint AS total FROM wallet_guard',
  );
  return rows[0]?.total ?? 0n;
}

export async function guardBalance(pool: Pool, userId: number | bigint): Promise<bigint> {
  const { rows } = await pool.query<{ balance: bigint }>(
    `SELECT g.balance FROM wallet_guard g JOIN accounts a ON a.id = g.account_id
     WHERE a.kind = 'player' AND a.user_id = $1`,
    [userId],
  );
  if (!rows[0]) throw new Error(`no wallet guard for user ${userId}`);
  return rows[0].balance;
}

/** The balance of the account `a` matching `where`, straight from the ledger rows. */
export async function accountBalance(
  pool: Pool,
  where: string,
  params: unknown[],
): Promise<bigint | undefined> {
  const { rows } = await pool.query<{ balance: bigint }>(
    `SELECT (coalesce((SELECT sum(amount) FROM transfers WHERE credit_account_id = a.id), 0)
           - coalesce((SELECT sum(amount) FROM transfers WHERE debit_account_id = a.id), 0))::bigint AS balance
     FROM accounts a WHERE ${where}`,
    params,
  );
  return rows[0]?.balance;
}

/** A player's wallet balance straight from the ledger rows. */
export async function ledgerBalance(pool: Pool, userId: number | bigint): Promise<bigint> {
  const balance = await accountBalance(pool, `a.kind = 'player' AND a.user_id = $1`, [userId]);
  if (balance === undefined) throw new Error(`no wallet for user ${userId}`);
  return balance;
}

/** A round's escrow balance straight from the ledger rows. */
export async function escrowBalance(pool: Pool, roundId: bigint): Promise<bigint> {
  const balance = await accountBalance(pool, `a.kind = 'escrow' AND a.round_id = $1`, [roundId]);
  if (balance === undefined) throw new Error(`no escrow account for round ${roundId}`);
  return balance;
}

/** What PostgreSQL answers a refused statement with: its SQLSTATE and the guard that fired. */
export interface PgRefusal extends Error {
  code?: string;
  constraint?: string;
}

/** Runs `sql`, which the database must refuse, and returns the refusal (fails if it is accepted). */
export async function refusalOf(pool: Pool, sql: string, params: unknown[] = []): Promise<PgRefusal> {
  try {
    await pool.query(sql, params);
  } catch (err) {
    return err as PgRefusal;
  }
  assert.fail(`the database accepted: ${sql}`);
}
