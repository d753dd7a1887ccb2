// The scheduler: one leader at a time (a session advisory lock), exactly one OPEN round at any
// moment, fail-over when the leader stops or is SIGKILLed, and a round whose scheduler died
// mid-round still closes at its closes_at once a scheduler runs again, and settles.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, test } from 'node:test';
import { gameConfigSeed, seedGameConfig } from '../src/betting/game-config.ts';
import { localHub } from '../src/bus/events.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startScheduler, type Scheduler } from '../src/workers/scheduler.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { fundedPlayers } from './helpers/game.ts';
import { assertAudit } from './helpers/ledger.ts';
import { assertNoErrors, cliEnv, freePort, kill9, startCli, stopChild } from './helpers/process.ts';
import { sleep, waitFor } from './helpers/util.ts';

const AUTH_SECRET = 'scheduler-test-secret-0123456789abcdefgh';

let t: TestApp;
const schedulers: Scheduler[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

before(async () => {
  t = await startTestApp({ AUTH_SECRET });
});
after(async () => {
  await Promise.all(schedulers.map((s) => s.stop()));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => stopChild(c, 1000)));
  await t.close();
});

function inProcessScheduler(roundSeconds = 1): Scheduler {
  const s = startScheduler({
    databaseUrl: t.db.url,
    terms: { sides: ['red', 'green'], rakeBps: 200n, roundSeconds },
    seeds: t.deps.seeds,
    logger: createLogger('silent'),
    events: localHub(),
    tickMs: 50,
  });
  schedulers.push(s);
  return s;
}

async function stopScheduler(s: Scheduler): Promise<void> {
  await s.stop();
  schedulers.splice(schedulers.indexOf(s), 1);
}

/**
 * Round length is game configuration (migration 0020): the environment only seeds version 1,
 * so a later length is a new version, as an operator would write it.
 */
async function useRoundSeconds(roundSeconds: number): Promise<void> {
  await seedGameConfig(t.db.pool, gameConfigSeed(t.deps.config));
  const res = await t.request({
    method: 'POST',
    url: '/v1/admin/config',
    token: t.operatorToken,
    body: { roundSeconds, reason: 'scheduler test' },
  });
  assert.ok(res.status === 201 || res.body.error?.code === 'CONFIG_UNCHANGED', JSON.stringify(res.body));
}

async function startProcess(roles: string, roundSeconds: number, logLevel = 'warn') {
  const proc = startCli(
    ['start', '--roles', roles],
    cliEnv({
      DATABASE_URL: t.db.url,
      LOG_LEVEL: logLevel,
      AUTH_SECRET,
      PORT: String(await freePort()),
      ROUND_SECONDS: String(roundSeconds),
      // Failover and restart are under test, not the pause between rounds.
      REVEAL_SECONDS: '0',
    }),
  );
  children.push(proc.child);
  const output = Object.assign(proc.output, { leaderAt: undefined as number | undefined });
  proc.child.stdout.on('data', () => {
    if (output.leaderAt === undefined && output.stdout.includes('this process is now the leader')) {
      output.leaderAt = Date.now();
    }
  });
  return { child: proc.child, output };
}

interface RoundState {
  open: bigint[];
  newest: bigint;
  closed: number;
}

async function rounds(): Promise<RoundState> {
  const { rows } = await t.db.pool.query<{ open: bigint[] | null; newest: bigint | null; closed: bigint }>(
    `SELECT array_agg(id) FILTER (WHERE status = 'OPEN') AS open, max(id) AS newest,
            count(*) FILTER (WHERE status <> 'OPEN') AS closed FROM rounds`,
  );
  const r = rows[0]!;
  return { open: (r.open ?? []).map((id) => BigInt(id)), newest: r.newest ?? 0n, closed: Number(r.closed) };
}

/** Sessions holding the scheduler's advisory lock in this database (key 3 << 56). */
async function lockHolders(): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()
       AND l.classid = $1 AND l.objid = 0 AND l.objsubid = 1`,
    [3 << 24],
  );
  return Number(rows[0]!.n);
}

/** Samples for `ms`: there is always exactly one OPEN round (and, for in-process schedulers, one leader). */
async function watch(
  ms: number,
  leaders?: Scheduler[],
): Promise<{ samples: number; first: RoundState; last: RoundState }> {
  const first = await rounds();
  let last = first;
  let samples = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    last = await rounds();
    assert.equal(last.open.length, 1, `exactly one OPEN round, saw ${JSON.stringify(last.open.map(String))}`);
    if (leaders) assert.equal(leaders.filter((s) => s.isLeader()).length, 1, 'exactly one leader');
    samples++;
    await sleep(10);
  }
  return { samples, first, last };
}

test('two schedulers: one leader, one OPEN round at a time; stopping the leader hands over', async () => {
  const a = inProcessScheduler();
  const b = inProcessScheduler();
  await waitFor('a first round', async () => ((await rounds()).open.length === 1 ? true : undefined), 15_000);
  await waitFor('a leader', async () => (a.isLeader() || b.isLeader() ? true : undefined), 15_000);
  const seen = await watch(2500, [a, b]);
  assert.ok(
    seen.last.newest >= seen.first.newest + 2n,
    `rounds keep rolling: ${seen.first.newest} -> ${seen.last.newest}`,
  );
  assert.equal(await lockHolders(), 1);

  const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
  const stoppedAt = Date.now();
  const before = await rounds();
  await stopScheduler(leader);
  await waitFor('the follower to take over', async () => (follower.isLeader() ? true : undefined), 5000);
  const takeover = Date.now() - stoppedAt;
  assert.ok(takeover < 3000, `took over in ${takeover} ms`);
  const afterwards = await watch(2500, [follower]);
  assert.ok(afterwards.last.newest >= before.newest + 2n, 'the new leader opens rounds');
  assert.ok(afterwards.last.closed > before.closed, 'and closes them');
  assert.equal(await lockHolders(), 1);
  await stopScheduler(follower);
  assert.equal(await lockHolders(), 0, 'a stopped scheduler lets go of the lock');
});

test('a scheduler process SIGKILLed: the standby takes over within seconds, rounds keep opening and closing', async () => {
  const startedAt = new Date();
  const proc = await startProcess('scheduler', 1);
  // The process is the leader once it has opened a round (nothing else runs now).
  await waitFor(
    'the process to open a round',
    async () => {
      const { rows } = await t.db.pool.query(`SELECT 1 FROM rounds WHERE opens_at > $1`, [startedAt]);
      return rows.length ? true : undefined;
    },
    20_000,
  );
  const standby = inProcessScheduler();
  await watch(1500);
  assert.equal(standby.isLeader(), false, 'the standby waits while the process leads');
  assert.equal(await lockHolders(), 1);

  const before = await rounds();
  const killedAt = Date.now();
  await kill9(proc.child);
  await waitFor('the standby to take over', async () => (standby.isLeader() ? true : undefined), 10_000);
  const takeover = Date.now() - killedAt;
  assert.ok(takeover < 5000, `took over in ${takeover} ms`);
  const afterwards = await watch(2500, [standby]);
  assert.ok(
    afterwards.last.newest >= before.newest + 2n,
    `rounds keep opening: ${before.newest} -> ${afterwards.last.newest}`,
  );
  assert.ok(afterwards.last.closed >= before.closed + 2, 'and closing');
  await stopScheduler(standby);
  assertNoErrors(proc.output);
});

test('kill the process mid-round, restart it: the round still closes at its closes_at and settles', async () => {
  const ROUND_SECONDS = 10;
  await useRoundSeconds(ROUND_SECONDS);
  const players = await fundedPlayers(t, 3, 5000);
  const startedAt = new Date();
  const first = await startProcess('scheduler,match,settle', ROUND_SECONDS);
  const round = await waitFor(
    'a round opened by the process',
    async () => {
      const { rows } = await t.db.pool.query<{ id: bigint; closes_at: Date }>(
        `SELECT id, closes_at FROM rounds WHERE status = 'OPEN' AND opens_at > $1`,
        [startedAt],
      );
      return rows[0];
    },
    20_000,
  );
  const betIds: number[] = [];
  for (const [i, [who, side, amount]] of (
    [
      [0, 'red', 700],
      [1, 'green', 500],
      [2, 'green', 400],
    ] as const
  ).entries()) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/bets',
      token: players[who]!.token,
      body: { roundId: Number(round.id), side, amount },
      headers: { 'idempotency-key': `sched-${i}` },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    betIds.push(res.body.betId);
  }
  assert.ok(
    Date.now() < round.closes_at.getTime() - 3000,
    'enough of the round is left to kill it mid-round',
  );
  await kill9(first.child);
  await sleep(300);
  assert.deepEqual((await rounds()).open, [round.id], 'still OPEN after the crash');

  const second = await startProcess('scheduler,match,settle', ROUND_SECONDS, 'info');
  const settled = await waitFor(
    `round ${round.id} to settle`,
    async () => {
      const { rows } = await t.db.pool.query<{ status: string; closes_at: Date; closed_at: Date | null }>(
        'SELECT status, closes_at, closed_at FROM rounds WHERE id = $1',
        [round.id],
      );
      return rows[0]!.status === 'SETTLED' ? rows[0] : undefined;
    },
    Math.max(0, round.closes_at.getTime() - Date.now()) + 20_000,
  );
  const late = settled.closed_at!.getTime() - settled.closes_at.getTime();
  assert.ok(late >= 0, `closed ${-late} ms before its closes_at`);
  assert.ok(second.output.leaderAt !== undefined, 'the restarted process became the leader');
  assert.ok(
    second.output.leaderAt < settled.closes_at.getTime(),
    'the restarted process was up before the round was due (else this test proves less)',
  );
  assert.ok(late < 1500, `closed ${late} ms after its closes_at`);
  const bets = await t.db.pool.query<{ status: string; matched_amount: bigint }>(
    'SELECT status, matched_amount FROM bets WHERE id = ANY($1::bigint[]) ORDER BY id',
    [betIds],
  );
  assert.deepEqual(
    bets.rows.map((b) => [b.status, b.matched_amount]),
    [
      ['SETTLED', 700n],
      ['SETTLED', 500n],
      ['SETTLED', 200n],
    ],
  );
  // The next round opened when this one closed, and the restarted process runs it.
  const next = await rounds();
  assert.equal(next.open.length, 1);
  assert.ok(next.open[0]! > round.id);
  await stopChild(second.child);
  for (const out of [first.output, second.output]) assertNoErrors(out);
  await assertAudit(t.db.pool);
});
