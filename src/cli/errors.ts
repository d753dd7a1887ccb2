// What the command line says when it cannot do its job: which address it tried, and why, in
// words (a refused connection, a host not found, a timeout) rather than "fetch failed".
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../observability/describe-error.ts';

/** An error whose message is the whole story for the person at the terminal. */
export class CliError extends Error {
  override name = 'CliError';
}

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening there',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporarily)',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  '28P01': 'password authentication failed',
  '28000': 'the server refused this login',
  '3D000': 'the database does not exist',
  '57P03': 'the server is starting up or shutting down',
};

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "connection refused: nothing is listening there (ECONNREFUSED)" for a thrown value and its causes. */
export function networkCause(err: unknown): string {
  let current: unknown = err;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const code = codeOf(current);
    if (code && WORDS[code]) return `${WORDS[code]} (${code})`;
    if (current instanceof Error && current.name === 'TimeoutError') return 'timed out';
    current = current instanceof Error ? current.cause : undefined;
  }
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  return describeError(cause);
}

/** True when the error says the server could not be reached or refused the login (not a bug). */
export function isConnectionError(err: unknown): boolean {
  let current: unknown = err;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const code = codeOf(current);
    if (code && WORDS[code]) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** A URL without its password, for messages. */
export function withoutPassword(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Throws a CliError naming the URL and the cause unless a colorbet API answers at `url`. */
export async function checkApi(url: string, hint: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new CliError(`cannot reach the colorbet API at ${url}: ${networkCause(err)}. ${hint}`);
  }
  await res.text().catch(() => undefined);
  if (!res.ok) {
    throw new CliError(
      `the API at ${url} answered /healthz with HTTP ${res.status}: is it colorbet? ${hint}`,
    );
  }
}

/** fetch(), with a failure that names the URL and the cause. */
export async function fetchOrExplain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(10_000), ...init });
  } catch (err) {
    throw new CliError(`cannot reach ${url}: ${networkCause(err)}`);
  }
}

/**
 * A one-shot command run where no `npm start` ever ran (another folder, a mistyped DATA_DIR)
 * must not start an empty database and answer "no round 3": it says where it looked.
 */
export function requireEmbeddedDatabase(dataDir: string): void {
  const dir = path.resolve(dataDir);
  if (existsSync(path.join(dir, 'pg', 'PG_VERSION'))) return;
  throw new CliError(
    `no colorbet database in ${dir} (DATA_DIR); nothing was created. Run the command from the folder ` +
      'where `npm start` runs, set DATA_DIR to its data directory, or set DATABASE_URL ' +
      '(`colorbet start` or `colorbet migrate` create a new one).',
  );
}

/** The database could not be reached: say which one (never its password) and why. */
export function databaseUnreachable(url: string, given: boolean, err: unknown): Error {
  if (!isConnectionError(err)) return err instanceof Error ? err : new Error(describeError(err));
  return new CliError(
    `cannot connect to PostgreSQL at ${withoutPassword(url)} (${given ? 'DATABASE_URL' : 'the embedded server'}): ${networkCause(err)}`,
  );
}

/** A second `npm start` on the same port: say which port and what to do. */
export function portInUse(err: unknown, host: string, port: number): unknown {
  if ((err as { code?: unknown } | undefined)?.code !== 'EADDRINUSE') return err;
  return new CliError(
    `cannot listen on ${host}:${port}: the port is in use (another colorbet, or another program). Stop it, or set PORT to another port.`,
  );
}
