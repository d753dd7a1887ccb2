// The embedded default after a hard crash (issue 14). `npm start` runs in its own process
// group on one data directory under a steady stream of bets; the whole group (service and
// PostgreSQL) is SIGKILLed at a random moment and started again at once, as systemd's
// Restart=always would. Every start must succeed, every acknowledged bet must settle exactly,
// and `colorbet verify` must pass. Then the ways it can be stopped or blocked: Ctrl-C to the
// group, SIGINT to PostgreSQL first, a live foreign process in postmaster.pid, a server that
// refuses to start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createPool, type Pool } from '../src/db/pool.ts';
import { expectedSettlement } from './helpers/rounds.ts';
import { freePort, runCli } from './helpers/process.ts';
import { startService, UNCLEAN_OUTPUT, waitReady, type Service } from './helpers/service.ts';
import { mulberry32, sleep, waitFor } from './helpers/util.ts';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 20);
const AUTH_SECRET = 'embedded-restart-test-secret-0123456789';
const PLAYERS = 8;

let dataDir: string;
let port: number;
let baseUrl: string;
const services: Service[] = [];

const env = (extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  PORT: String(port),
  AUTH_SECRET,
  LOG_LEVEL: 'warn',
  DEMO_PLAYERS: '0',
  ROUND_SECONDS: '2',
  RATE_LIMIT_MAX: '0',
  ...extra,
});

function start(extra: Record<string, string> = {}, how: 'npm' | 'direct' = 'npm'): Service {
  const s = startService(env(extra), how);
  services.push(s);
  return s;
}

async function api(method: string, url: string, token?: string, body?: unknown, headers = {}) {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'colorbet-restart-'));
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
});
after(async () => {
  for (const s of services) s.signalGroup('SIGKILL');
  await Promise.all(services.map((s) => s.exited));
  // The last server's processes may still be leaving the directory.
  await sleep(500);
  await rm(dataDir, { recursive: true, force: true });
});

/** The stake-holding truth for the test's checks, read from the service's own database. */
async function openPool(): Promise<Pool> {
  const meta = JSON.parse(await readFile(path.join(dataDir, 'embedded.json'), 'utf8')) as {
    port: number;
    password: string;
  };
  return createPool(
    `postgres://postgres:${encodeURIComponent(meta.password)}@127.0.0.1:${meta.port}/colorbet`,
    {
      max: 2,
    },
  );
}

test(
  `${CYCLES} crash-restart cycles under a steady stream of bets; every acknowledged bet settles exactly`,
  {
    timeout: 900_000,
  },
  async () => {
    const random = mulberry32(14);
    let service = start();
    await waitReady(service, baseUrl);

    const operator = await runCli(['operator', 'create', `ops_${randomUUID().slice(0, 8)}`], {
      ...process.env,
      ...env(),
    });
    assert.equal(operator.code, 0, operator.stderr);
    const operatorToken = (JSON.parse(operator.stdout) as { token: string }).token;
    const players: { userId: number; token: string }[] = [];
    for (let i = 0; i < PLAYERS; i++) {
      const reg = await api('POST', '/v1/auth/register', undefined, {
        username: `crash_${i}_${randomUUID().slice(0, 6)}`,
        password: 'a-long-enough-password',
      });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      players.push(reg.body);
      const dep = await api(
        'POST',
        '/v1/admin/deposits',
        operatorToken,
        { userId: reg.body.userId, amount: 10_000_000, reference: `crash-${randomUUID()}` },
        { 'idempotency-key': randomUUID() },
      );
      assert.equal(dep.status, 201, JSON.stringify(dep.body));
    }

    // The stream: a bet every 20 ms from a rotating player, whatever state the service is in.
    const acknowledged = new Set<string>();
    let sent = 0;
    let streaming = true;
    const inFlight = new Set<Promise<void>>();
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        const player = players[i % PLAYERS]!;
        const p = (async () => {
          sent++;
          const current = await api('GET', '/v1/rounds/current').catch(() => undefined);
          if (current?.status !== 200 || current.body.status !== 'OPEN') return;
          const res = await api(
            'POST',
            '/v1/bets',
            player.token,
            { roundId: current.body.roundId, side: i % 2 ? 'red' : 'green', amount: 10 + (i % 90) },
            { 'idempotency-key': randomUUID() },
          ).catch(() => undefined);
          if (res?.status === 202) acknowledged.add(String(res.body.betId));
        })();
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        await sleep(20);
      }
    })();

    const startTimes: number[] = [];
    let succeeded = 0;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await sleep(300 + Math.floor(random() * 2000));
      service.signalGroup('SIGKILL');
      await service.exited;
      service = start();
      startTimes.push(await waitReady(service, baseUrl));
      succeeded++;
    }
    streaming = false;
    await stream;
    await Promise.all(inFlight);
    console.log(
      `# crash-restart: ${succeeded}/${CYCLES} starts succeeded; ready after ${Math.min(...startTimes)}-${Math.max(...startTimes)} ms; ${acknowledged.size} bets acknowledged of ${sent} attempts`,
    );
    assert.equal(succeeded, CYCLES);
    assert.ok(acknowledged.size > CYCLES, `only ${acknowledged.size} bets were acknowledged`);

    const pool = await openPool();
    try {
      const ids = [...acknowledged].map((id) => BigInt(id));
      // I9: every acknowledged bet exists; then every one of them reaches SETTLED.
      await waitFor(
        'every acknowledged bet to settle',
        async () => {
          const { rows } = await pool.query<{ n: bigint }>(
            `SELECT count(*) AS n FROM bets WHERE id = ANY($1) AND status = 'SETTLED'`,
            [ids],
          );
          return rows[0]?.n === BigInt(ids.length) ? true : undefined;
        },
        120_000,
        250,
      );
      // Exactly: each bet's payout and refund are what the pure rule computes for its round.
      const rounds = await pool.query<{ round_id: bigint }>(
        'SELECT DISTINCT round_id FROM bets WHERE id = ANY($1)',
        [ids],
      );
      for (const { round_id } of rounds.rows) {
        const expected = await expectedSettlement(pool, round_id);
        const stored = await pool.query<{ id: bigint; payout: bigint; refund: bigint }>(
          'SELECT id, payout, refund FROM bets WHERE round_id = $1',
          [round_id],
        );
        const byId = new Map(stored.rows.map((b) => [b.id.toString(), b]));
        for (const b of expected.bets) {
          assert.equal(byId.get(b.betId)?.payout, b.payout, `payout of bet ${b.betId}`);
          assert.equal(byId.get(b.betId)?.refund, b.refund, `refund of bet ${b.betId}`);
        }
      }
    } finally {
      await pool.end();
    }
    const verify = await runCli(['verify'], { ...process.env, ...env() }, 120_000);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    // Ctrl-C in the terminal on `npm start`: the script `exec`s the service, so npm's status is
    // the service's own, 0 after a clean stop (test/shutdown.test.ts tests the other ways).
    service.signalGroup('SIGINT');
    const exit = await service.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, service.output.text);
    assert.doesNotMatch(service.output.text, UNCLEAN_OUTPUT);
  },
);

test(
  'Ctrl-C to the whole group (service and PostgreSQL at once): exit 0, clean output',
  {
    timeout: 120_000,
  },
  async () => {
    for (const settle of [200, 1500]) {
      const service = start({}, 'direct');
      await waitReady(service, baseUrl);
      await sleep(settle);
      service.signalGroup('SIGINT');
      const exit = await service.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, service.output.text);
      assert.doesNotMatch(service.output.text, UNCLEAN_OUTPUT);
    }
  },
);

test(
  'SIGINT to the embedded PostgreSQL first: the service says so and exits 0',
  { timeout: 120_000 },
  async () => {
    const service = start({}, 'direct');
    await waitReady(service, baseUrl);
    await sleep(1000);
    const pid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGINT');
    const exit = await service.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, service.output.text);
    assert.match(service.output.text, /embedded PostgreSQL stopped \(exit code 0\); shutting down/);
    assert.doesNotMatch(service.output.text, UNCLEAN_OUTPUT);
    for (const line of service.output.text.split('\n')) {
      assert.ok(line.length < 1000, `a log line of ${line.length} characters: ${line.slice(0, 200)}...`);
    }
  },
);

test(
  'a live foreign process in postmaster.pid: a bounded wait, then an error that names it',
  {
    timeout: 120_000,
  },
  async () => {
    const lockFile = path.join(dataDir, 'pg', 'postmaster.pid');
    const foreign = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      await writeFile(
        lockFile,
        `${foreign.pid}\n${path.join(dataDir, 'pg')}\n1795000000\n${port}\n\n127.0.0.1\n`,
      );
      const began = Date.now();
      const service = start({ EMBEDDED_START_TIMEOUT_SECONDS: '3' });
      const exit = await service.exited;
      const waited = Date.now() - began;
      assert.equal(exit.code, 1, service.output.text);
      assert.ok(waited >= 3000, `gave up after ${waited} ms, before the 3 s bound`);
      assert.ok(waited < 30_000, `waited ${waited} ms, far past the 3 s bound`);
      assert.match(service.output.text, new RegExp(`postmaster\\.pid names PID ${foreign.pid} \\(sleep\\)`));
      assert.match(service.output.text, /EmbeddedPostgresError/);
      assert.match(service.output.text, /Waited 3 s/);
      assert.doesNotMatch(service.output.text, UNCLEAN_OUTPUT);
      // The lock file of a process that is not ours was left alone.
      assert.match(await readFile(lockFile, 'utf8'), new RegExp(`^${foreign.pid}\\n`));

      // Once that process goes away while start waits, start carries on and succeeds.
      const second = start({ EMBEDDED_START_TIMEOUT_SECONDS: '30' });
      await sleep(1500);
      assert.equal(second.child.exitCode, null, 'start gave up while the process still existed');
      foreign.kill('SIGKILL');
      await waitReady(second, baseUrl);
      second.signalGroup('SIGKILL');
      await second.exited;
    } finally {
      foreign.kill('SIGKILL');
    }
  },
);

test(
  "a server that cannot start: the error carries PostgreSQL's own FATAL line and the data directory",
  {
    timeout: 120_000,
  },
  async () => {
    const conf = path.join(dataDir, 'pg', 'postgresql.auto.conf');
    const original = await readFile(conf, 'utf8');
    await appendFile(conf, "\nshared_buffers = 'not-a-size'\n");
    try {
      const service = start();
      const exit = await service.exited;
      assert.equal(exit.code, 1, service.output.text);
      assert.match(service.output.text, /colorbet: EmbeddedPostgresError: embedded PostgreSQL did not start/);
      assert.match(service.output.text, /FATAL: /);
      assert.ok(service.output.text.includes(path.join(dataDir, 'pg')), service.output.text);
      assert.doesNotMatch(service.output.text, UNCLEAN_OUTPUT);
    } finally {
      await writeFile(conf, original);
    }
    // And with the configuration repaired it starts again.
    const service = start({}, 'direct');
    await waitReady(service, baseUrl);
    service.signalGroup('SIGINT');
    assert.deepEqual(await service.exited, { code: 0, signal: null }, service.output.text);
  },
);
