// The bus on a real Redis Cluster (three masters on loopback made by redis-cli --cluster
// create): partitions spread over the nodes by their hash tags, and the end-to-end game
// still matches and settles every bet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { isCluster } from '../src/bus/redis.ts';
import { catchUp } from '../src/ledger/projection.ts';
import { startRedisCluster } from '../scripts/lib/redis-server.ts';
import type { TestApp } from './helpers/app.ts';
import { assertAudit } from './helpers/ledger.ts';
import { requireDependency } from './helpers/env.ts';
import { allFinal, fundedPlayers, openRoundId, placeAll, startBusGame, waitUntil } from './helpers/game.ts';

const skip = requireDependency(
  'redis-server and redis-cli',
  spawnSync('redis-cli', ['--version']).status === 0,
);

let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let game: Awaited<ReturnType<typeof startBusGame>>;
let t: TestApp;
const prefix = `c${randomUUID().slice(0, 8)}`;

before(async () => {
  if (skip) return;
  cluster = await startRedisCluster();
  assert.equal(await isCluster(cluster.url), true);
  game = await startBusGame(cluster.url, { cluster: true, roundSeconds: 3, prefix, partitions: 6 });
  t = game.t;
});
after(async () => {
  if (skip) return;
  await game.stop();
  await cluster.stop();
});

test('end to end on a three-master Redis Cluster', { skip, timeout: 120_000 }, async () => {
  const players = await fundedPlayers(t, 12, 100_000);
  const rounds: number[] = [];
  const bets: number[] = [];
  for (let r = 0; r < 2; r++) {
    const roundId = await openRoundId(t, 1200, rounds.at(-1) ?? 0);
    rounds.push(roundId);
    const placed = players.map((p, i) => ({
      token: p.token,
      side: i % 2 ? 'red' : 'green',
      amount: 50 + i * 10,
    }));
    bets.push(...(await placeAll(t, roundId, placed)));
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
  await assertAudit(t.db.pool);
});
