// Redis is not a single point of data loss: with Redis killed the API still takes bets (the
// outbox holds them), readiness reports it, and after Redis returns empty every accepted bet
// is still matched and settled, because PostgreSQL is the source of truth.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { readiness } from '../src/cli/readiness.ts';
import { catchUp } from '../src/ledger/projection.ts';
import { outboxBacklog } from '../src/outbox/outbox.ts';
import { startRedisServer, type RedisServer } from '../scripts/lib/redis-server.ts';
import type { TestApp } from './helpers/app.ts';
import { assertAudit } from './helpers/ledger.ts';
import { allFinal, fundedPlayers, openRoundId, placeAll, startBusGame, waitUntil } from './helpers/game.ts';
import { requireDependency } from './helpers/env.ts';
import { spawnSync } from 'node:child_process';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
const skip = requireDependency('redis-server', hasRedis);

let redis: RedisServer;
let game: Awaited<ReturnType<typeof startBusGame>>;
let t: TestApp;

before(async () => {
  if (skip) return;
  redis = await startRedisServer();
  const prefix = `t${randomUUID().slice(0, 8)}`;
  game = await startBusGame(redis.url, { cluster: false, roundSeconds: 4, prefix, partitions: 4 });
  t = game.t;
});
after(async () => {
  if (skip) return;
  await game.stop();
  await redis.stop();
});

const betMany = (players: { token: string }[], roundId: number, sides: string[]) =>
  placeAll(
    t,
    roundId,
    players.map((p, i) => ({ token: p.token, side: sides[i % 2]!, amount: 100 + i })),
  );

test('bets survive a Redis SIGKILL and an empty restart', { skip, timeout: 120_000 }, async () => {
  const players = await fundedPlayers(t, 10, 100_000);
  const r1 = await openRoundId(t);
  const before = await betMany(players, r1, ['red', 'green']);
  await waitUntil('bets matched through the bus', async () => {
    const { rows } = await t.db.pool.query(
      'SELECT count(*)::int AS n FROM bets WHERE id = ANY($1) AND seq IS NOT NULL',
      [before],
    );
    return rows[0].n === before.length;
  });

  redis.kill();
  const down = await readiness(t.db.pool, game.client);
  assert.match(down.find((c) => c.name === 'redis')!.detail!, /DOWN/);
  assert.ok(
    down.every((c) => c.ok),
    'the API stays ready: PostgreSQL takes the bets',
  );

  const r2 = await openRoundId(t, 1500, r1);
  const during = await betMany(players, r2, ['green', 'red']);
  const backlog = await outboxBacklog(t.db.pool);
  assert.ok(backlog.events > 0, 'unrelayed events wait in the outbox while Redis is down');

  await redis.start();
  const all = [...before, ...during];
  await waitUntil('both rounds settled', () => allFinal(t, [r1, r2]), 60_000);
  await waitUntil('outbox relayed', async () => (await outboxBacklog(t.db.pool)).events === 0, 30_000);
  const { rows } = await t.db.pool.query(
    `SELECT count(*)::int AS n FROM bets WHERE id = ANY($1) AND status IN ('SETTLED', 'VOID')`,
    [all],
  );
  assert.equal(rows[0].n, all.length, 'every accepted bet reached a final state');
  const matched = await t.db.pool.query('SELECT count(*)::int AS n FROM matches WHERE round_id = $1', [r2]);
  assert.ok(matched.rows[0].n > 0, 'bets placed while Redis was down were matched');
  await catchUp(t.db.pool);
  await assertAudit(t.db.pool);
});
