// Small helpers over the ledger tables for the money suites (read-only, plain SQL).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Pool } from '../../src/db/pool.ts';
import { catchUp, projectionLag } from '../../src/ledger/projection.ts';

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
    await new Promise((r) => setTimeout(r, 25));
  }
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

/** A player's wallet balance straight from the ledger rows. */
export async function ledgerBalance(pool: Pool, userId: number | bigint): Promise<bigint> {
  const { rows } = await pool.query<{ balance: bigint }>(
    `SELECT (coalesce((SELECT sum(amount) FROM transfers WHERE credit_account_id = a.id), 0)
           - coalesce((SELECT sum(amount) FROM transfers WHERE debit_account_id = a.id), 0))::bigint AS balance
     FROM accounts a WHERE a.kind = 'player' AND a.user_id = $1`,
    [userId],
  );
  if (!rows[0]) throw new Error(`no wallet for user ${userId}`);
  return rows[0].balance;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
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
