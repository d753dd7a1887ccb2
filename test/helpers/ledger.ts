// Small helpers for the money suites: the ledger tables (read-only, plain SQL), and the
// colorbet command run as a child process.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../src/audit.ts';
import type { Pool } from '../../src/db/pool.ts';
import { catchUp, projectionLag } from '../../src/ledger/projection.ts';
import { sleep } from './util.ts';

export { freePort } from '../../scripts/lib/ports.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

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

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/colorbet.js <args>` to completion with the given environment. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 45_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/colorbet.js', ...args], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`colorbet ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `node bin/colorbet.js <args>` from the project's folder, left running; its output is collected as it comes. */
export function startCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['bin/colorbet.js', ...args], { cwd: ROOT, env, stdio: 'pipe' });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  return { child, output };
}

/** No error or fatal lines (pino levels 50 and 60) in a process's output. */
export function assertNoErrors(output: { stdout: string; stderr: string }): void {
  const text = output.stdout + output.stderr;
  assert.equal(/"level":(50|60)/.test(text), false, text);
}

/** A child environment without any colorbet settings inherited from the test process. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'AUTH_SECRET', 'PORT', 'HOST', 'REDIS_URL', 'DATA_DIR', 'LOG_LEVEL']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SIGKILL, resolved once the process has exited. */
export function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
