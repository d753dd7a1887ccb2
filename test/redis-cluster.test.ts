// The bus on a real Redis Cluster (three masters on loopback made by redis-cli --cluster
// create): partitions spread over the nodes by their hash tags, and the end-to-end game
// still matches and settles every bet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runAudit } from '../src/audit.ts';
import { connectRedis, isCluster, type RedisClient } from '../src/bus/redis.ts';
import { StreamBus } from '../src/bus/streams.ts';
import { catchUp } from '../src/ledger/projection.ts';
import { startRedisCluster } from '../scripts/lib/redis-server.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { requireDependency } from './helpers/env.ts';
import { allFinal, openRoundId, startGameWorkers, waitUntil } from './helpers/game.ts';

const skip = requireDependency(
  'redis-server and redis-cli',
  spawnSync('redis-cli', ['--version']).status === 0,
);

let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let client: RedisClient;
let t: TestApp;
let game: { stop(): Promise<void> };
const prefix = `c${randomUUID().slice(0, 8)}`;

before(async () => {
  if (skip) return;
  cluster = await startRedisCluster();
  assert.equal(await isCluster(cluster.url), true);
  client = await connectRedis(cluster.url, true, 'test');
  t = await startTestApp({ ROUND_SECONDS: '3' });
  game = startGameWorkers(t, { bus: new StreamBus(client, prefix, 6), matchWorkers: 2 });
});
after(async () => {
  if (skip) return;
  await game.stop();
  client.disconnect();
  await t.close();
  await cluster.stop();
});

test('end to end on a three-master Redis Cluster', { skip, timeout: 120_000 }, async () => {
  const players: { token: string }[] = [];
  for (let i = 0; i < 12; i++) {
    const p = await t.registerPlayer();
    await t.deposit(p.userId, 100_000);
    players.push(p);
  }
  const rounds: number[] = [];
  const bets: number[] = [];
  for (let r = 0; r < 2; r++) {
    const roundId = await openRoundId(t, 1200, rounds.at(-1) ?? 0);
    rounds.push(roundId);
    const answers = await Promise.all(
      players.map((p, i) =>
        t.request({
          method: 'POST',
          url: '/v1/bets',
          token: p.token,
          headers: { 'idempotency-key': randomUUID() },
          body: { roundId, side: i % 2 ? 'red' : 'green', amount: 50 + i * 10 },
        }),
      ),
    );
    for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
    bets.push(...answers.map((a) => a.body.betId as number));
  }
  await waitUntil('rounds settled', () => allFinal(t, rounds), 60_000);
  const { rows } = await t.db.pool.query(
    `SELECT count(*)::int AS n FROM bets WHERE id = ANY($1) AND status = 'SETTLED'`,
    [bets],
  );
  assert.equal(rows[0].n, bets.length);
  // Relayed events reached the streams, and the streams live on more than one master.
  const nodesWithKeys = cluster.nodes.filter(
    (n) =>
      spawnSync('redis-cli', ['-p', String(n.port), '--scan', '--pattern', `${prefix}:*`], {
        encoding: 'utf8',
      }).stdout.trim() !== '',
  );
  assert.ok(nodesWithKeys.length >= 2, `streams on ${nodesWithKeys.length} node(s)`);
  await catchUp(t.db.pool);
  const audit = await runAudit(t.db.pool);
  assert.ok(audit.ok, JSON.stringify(audit.checks.filter((c) => !c.ok)));
});
