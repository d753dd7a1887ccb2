// The read replica (issue 10, item 5). A real primary and a real streaming replica: a fresh
// cluster initdb'd on a free port with wal_level=replica, pg_basebackup -R from it, the standby
// started on another port. The service runs with DATABASE_URL=primary and
// DATABASE_READ_URL=replica; with replay paused on the replica, new money is missing from the
// history and list endpoints while the balance and bet placement (money decisions) see it on the
// primary. Then: the lag gauge, /readyz, a replica that goes away (reads fall back to the
// primary), and a clean stop of everything.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createUser } from '../src/auth/users.ts';
import { TokenService } from '../src/auth/tokens.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { LOOPBACK_ONLY, startPostmaster, type Postmaster } from '../src/db/postmaster.ts';
import { replicaFailure } from '../src/db/read-pool.ts';
import { requireDependency } from './helpers/env.ts';
import { cliEnv, freePort, runCli } from './helpers/process.ts';
import { startService, waitReady, type Service } from './helpers/service.ts';
import { waitFor } from './helpers/util.ts';

const run = promisify(execFile);
const SECRET = 'read-replica-test-secret-0123456789abcdef';
const NEEDED = ['initdb', 'postgres', 'pg_basebackup'];

/** PG_BIN, else the newest /usr/lib/postgresql/<version>/bin that has every program needed. */
function findBinaries(): string | undefined {
  const candidates = process.env.PG_BIN ? [process.env.PG_BIN] : [];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v));
    versions.sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  return candidates.find((dir) => NEEDED.every((p) => existsSync(path.join(dir, p))));
}

const BIN = findBinaries();
const skip = requireDependency(
  `PostgreSQL server programs (${NEEDED.join(', ')}; set PG_BIN or install postgresql)`,
  BIN !== undefined,
);

/** As root, PostgreSQL's programs run as the `postgres` user (as startPostmaster does). */
async function postgresIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

let dir: string;
let ids: { uid?: number; gid?: number };
let primary: Postmaster | undefined;
let replica: Postmaster | undefined;
let service: Service | undefined;
const serverLog: string[] = [];
let primaryUrl: string;
let replicaUrl: string;
let baseUrl: string;

async function pgProgram(name: string, args: string[]): Promise<void> {
  try {
    await run(path.join(BIN!, name), args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${name} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

function server(dataDir: string, port: number, extra: string[]): Promise<Postmaster> {
  return startPostmaster({
    binary: path.join(BIN!, 'postgres'),
    dataDir,
    port,
    flags: [...LOOPBACK_ONLY, '-c', 'fsync=off', ...extra],
    log: (line) => serverLog.push(`${path.basename(dataDir)}: ${line}`),
  });
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

before(async () => {
  if (skip) return;
  ids = await postgresIds();
  dir = await mkdtemp(path.join(tmpdir(), 'colorbet-replica-'));
  if (ids.uid !== undefined) await chown(dir, ids.uid, ids.gid!);
  const [primaryPort, replicaPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');

  await pgProgram('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  await appendFile(
    path.join(primaryDir, 'pg_hba.conf'),
    '\n# the read-replica test: pg_basebackup and the standby stream over TCP\nhost replication postgres 127.0.0.1/32 trust\n',
  );
  primary = await server(primaryDir, primaryPort, ['-c', 'wal_level=replica', '-c', 'max_wal_senders=4']);
  const admin = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  await sql(admin, 'CREATE DATABASE colorbet');
  primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/colorbet`;
  const pool = createPool(primaryUrl, { max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }

  await pgProgram('pg_basebackup', ['-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast', '-d', admin]);
  replica = await server(replicaDir, replicaPort, ['-c', 'hot_standby=on']);
  replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/colorbet`;
  const [standby] = await sql<{ r: boolean }>(replicaUrl, 'SELECT pg_is_in_recovery() AS r');
  assert.equal(standby?.r, true, 'the second server is a standby');

  baseUrl = `http://127.0.0.1:${apiPort}`;
  service = startService(
    {
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URL: replicaUrl,
      PORT: String(apiPort),
      AUTH_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      DEMO_PLAYERS: '0',
      ROUND_SECONDS: '4',
      RATE_LIMIT_MAX: '0',
    },
    'direct',
  );
  await waitReady(service, baseUrl);
});

after(async () => {
  if (service) {
    service.signalGroup('SIGKILL');
    await service.exited;
  }
  await replica?.stop();
  await primary?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function api(method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /metrics
  }
  return { status: res.status, body: parsed };
}

async function openRound(): Promise<number> {
  return waitFor('an open round with 1.5 s left', async () => {
    const r = await api('GET', '/v1/rounds/current');
    if (r.status !== 200 || r.body.status !== 'OPEN') return undefined;
    return Date.parse(r.body.closesAt) - Date.parse(r.body.serverTime) > 1500
      ? Number(r.body.roundId)
      : undefined;
  });
}

function gauge(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('DATABASE_READ_URL is validated like DATABASE_URL, and a bad one stops the program naming it', async () => {
  const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
  for (const bad of ['not a url', 'http://127.0.0.1/db']) {
    assert.throws(
      () => loadConfig({ ...base, DATABASE_READ_URL: bad }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'DATABASE_READ_URL',
    );
  }
  assert.throws(
    () => loadConfig({ DATABASE_READ_URL: 'postgres://u@127.0.0.1:5433/db' }),
    /DATABASE_READ_URL: needs DATABASE_URL/,
  );
  assert.equal(loadConfig(base).databaseReadUrl, undefined);
  const res = await runCli(['migrate'], cliEnv({ ...base, DATABASE_READ_URL: 'mysql://x/y' }));
  assert.equal(res.code, 2);
  assert.match(res.stderr, /bad configuration: DATABASE_READ_URL: must use postgres: or postgresql:/);
});

test('a read falls back to the primary only for replica trouble, never for its own mistakes', () => {
  const pgError = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(replicaFailure(pgError('ECONNREFUSED')), 'unreachable');
  assert.equal(replicaFailure(pgError('57P03')), 'unreachable');
  assert.equal(replicaFailure(pgError('08006')), 'unreachable');
  assert.equal(replicaFailure(new Error('Connection terminated unexpectedly')), 'unreachable');
  assert.equal(replicaFailure(pgError('40001')), 'conflict');
  assert.equal(replicaFailure(pgError('42P01')), undefined);
  assert.equal(replicaFailure(pgError('57014')), undefined);
});

test(
  'lagging reads come from the replica; money decisions from the primary',
  { skip, timeout: 180_000 },
  async () => {
    const primaryPool = createPool(primaryUrl, { max: 2 });
    const operator = await createUser(
      primaryPool,
      `op_${randomUUID().slice(0, 8)}`,
      'op-password',
      'operator',
    );
    await primaryPool.end();
    const opToken = await new TokenService(SECRET, 3600).issue(operator);
    const reg = await api('POST', '/v1/auth/register', undefined, {
      username: `replica_${randomUUID().slice(0, 8)}`,
      password: 'password-123',
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const { userId, token } = reg.body as { userId: number; token: string };
    const deposit = async (amount: number, reference: string) => {
      const res = await api('POST', '/v1/admin/deposits', opToken, { userId, amount, reference });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    };
    const bet = async (amount: number) => {
      const res = await api('POST', '/v1/bets', token, { roundId: await openRound(), side: 'red', amount });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return Number(res.body.betId);
    };
    const references = async () => {
      const res = await api('GET', '/v1/wallet/entries', token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.entries as { reference: string | null }[]).map((e) => e.reference);
    };
    const listedBets = async () => {
      const res = await api('GET', '/v1/bets', token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.bets as { betId: number }[]).map((b) => b.betId);
    };
    const balance = async () => Number((await api('GET', '/v1/wallet', token)).body.balance);
    const metrics = async () => String((await api('GET', '/metrics')).body);

    // Streaming: what is written on the primary shows up through the read endpoints.
    await deposit(5000, 'before-pause');
    const firstBet = await bet(100);
    await waitFor('the deposit in the history', async () =>
      (await references()).includes('before-pause') ? true : undefined,
    );
    await waitFor('the bet in the bet list', async () =>
      (await listedBets()).includes(firstBet) ? true : undefined,
    );
    const rounds = await api('GET', '/v1/rounds');
    assert.equal(rounds.status, 200);
    assert.ok(rounds.body.rounds.length >= 1, 'round history through the replica');
    const report = await api('GET', '/v1/admin/rounds', opToken);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.ok(report.body.rounds.length >= 1, 'the operator round report through the replica');

    // Replay paused: the replica keeps receiving WAL but shows nothing new.
    await sql(replicaUrl, 'SELECT pg_wal_replay_pause()');
    await waitFor('replay to pause', async () => {
      const [row] = await sql<{ state: string }>(
        replicaUrl,
        'SELECT pg_get_wal_replay_pause_state() AS state',
      );
      return row?.state === 'paused' ? true : undefined;
    });
    await deposit(777, 'while-paused');
    // The balance a player decides on is the primary's (its projection catches up in ms).
    await waitFor('the primary balance to include the new deposit', async () =>
      // 5000 - 100 + 777, or 100 more once the first round refunded the unmatched bet.
      (await balance()) >= 5677 ? true : undefined,
    );
    // A bet that only the new deposit pays for (the replica shows at most 5000) is accepted:
    // placement reads the primary.
    const secondBet = await bet(5500);
    const byId = await api('GET', `/v1/bets/${secondBet}`, token);
    assert.equal(byId.status, 200, 'a single bet is read from the primary');
    for (let i = 0; i < 5; i++) {
      assert.ok(!(await references()).includes('while-paused'), 'history is the replica, which is paused');
      assert.ok(!(await listedBets()).includes(secondBet), 'the bet list is the replica, which is paused');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The auditor's reports read the replica too: the paused deposit is not in them yet.
    const external = async () => {
      const res = await api('GET', '/v1/admin/reports/reconciliation', opToken);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.ok, true);
      return (res.body.lines as { line: string; balance: number }[]).find((l) => l.line === 'external')!
        .balance;
    };
    assert.equal(await external(), -5000, 'the reconciliation is the replica, which is paused');
    const lagging = await waitFor('colorbet_replica_lag_seconds above 0 while paused', async () => {
      const value = gauge(await metrics(), 'colorbet_replica_lag_seconds');
      return value !== undefined && value > 0 ? value : undefined;
    });
    console.log(`# replica lag while replay is paused: ${lagging.toFixed(2)} s`);
    const ready = await api('GET', '/readyz');
    assert.equal(ready.status, 200);
    const check = (ready.body.checks as { name: string; ok: boolean; detail: string }[]).find(
      (c) => c.name === 'replica',
    );
    assert.ok(check?.ok && /^up, [\d.]+s behind$/.test(check.detail), JSON.stringify(ready.body));

    // Replay resumed: the replica catches up and the gauge comes back down.
    await sql(replicaUrl, 'SELECT pg_wal_replay_resume()');
    await waitFor('the paused deposit in the history', async () =>
      (await references()).includes('while-paused') ? true : undefined,
    );
    await waitFor('the second bet in the bet list', async () =>
      (await listedBets()).includes(secondBet) ? true : undefined,
    );
    await waitFor('the paused deposit in the reconciliation', async () =>
      (await external()) === -5777 ? true : undefined,
    );
    await waitFor('the lag gauge back under 2 s', async () => {
      const value = gauge(await metrics(), 'colorbet_replica_lag_seconds');
      return value !== undefined && value < 2 ? true : undefined;
    });

    // The replica goes away: the same reads are answered by the primary, and the service stays
    // ready (it says why in /readyz).
    await replica!.stop();
    await deposit(1, 'replica-gone');
    const history = await references();
    assert.ok(history.includes('replica-gone'), 'history falls back to the primary');
    assert.ok((await listedBets()).includes(secondBet));
    const readyWithout = await api('GET', '/readyz');
    assert.equal(readyWithout.status, 200, JSON.stringify(readyWithout.body));
    const down = (readyWithout.body.checks as { name: string; ok: boolean; detail: string }[]).find(
      (c) => c.name === 'replica',
    );
    assert.match(down?.detail ?? '', /^DOWN: reads meant for it use the primary/);
    assert.match(
      await metrics(),
      /^colorbet_replica_fallbacks_total\{[^}]*reason="unreachable"[^}]*\} [1-9]/m,
    );

    // A clean stop closes both pools: the service exits 0 on SIGTERM.
    service!.signalGroup('SIGTERM');
    const exit = await service!.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, service!.output.text);
    assert.doesNotMatch(service!.output.text, /"level":(50|60)/);
  },
);
