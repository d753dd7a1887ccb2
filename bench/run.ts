// `npm run bench`: the core figures. Each benchmark runs against real PostgreSQL on this
// machine; results are printed and written to docs/benchmarks.md (section "Core").
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { localHub } from '../src/bus/events.ts';
import { loadConfig } from '../src/config.ts';
import { buildDeps, type Runtime } from '../src/cli/runtime.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createUser } from '../src/auth/users.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { openRound } from '../src/betting/rounds.ts';
import { matchBets, type IncomingBet, type RestingBet } from '../src/betting/matching.ts';
import { runMatchPass } from '../src/betting/match-pass.ts';
import { settleNext } from '../src/workers/settle.ts';
import { finalPass } from '../src/workers/final-pass.ts';
import { closeRound } from '../src/betting/rounds.ts';
import { benchDatabase, machine, percentile } from './setup.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const results: string[] = [];
const say = (line: string) => {
  console.log(line);
  results.push(line);
};

async function timed(n: number, concurrency: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: n / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

const db = await benchDatabase();
try {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    AUTH_SECRET: 'bench-secret-0123456789-0123456789',
    MAX_BET: '1000000',
  });
  const logger = createLogger('silent');
  const rt: Runtime = { config, logger, pool: db.pool, databaseUrl: db.url, close: async () => undefined };
  const deps = await buildDeps(rt, localHub());
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const players: { userId: bigint; token: string }[] = [];
  for (let i = 0; i < 200; i++) {
    const p = await createUser(db.pool, `bench_p${i}`, 'bench-password', 'player');
    // A day's lifetime, whatever TOKEN_TTL_SECONDS says: a benchmark client does not renew.
    players.push({ userId: p.userId, token: await deps.tokens.issue(p, 'access', 86_400) });
    await deps.money.run({
      op: { type: 'deposit', userId: p.userId, amount: 10n ** 12n, reference: `bench-${i}` },
    });
  }
  say(`machine: ${machine()}`);

  // 1. Wallet debits through the transaction service (no HTTP): withdrawal holds, each a transfer.
  const n1 = 20_000;
  const debit = await timed(n1, CONCURRENCY, async (i) => {
    const p = players[i % players.length]!;
    await deps.money.run({
      op: { type: 'requestWithdrawal', userId: p.userId, amount: 1n },
      idempotency: { scope: `user:${p.userId}`, key: `w${i}`, requestHash: 'x' },
    });
  });
  say(
    `wallet debits (transaction service, ${CONCURRENCY} concurrent, ${n1} ops): ${debit.perSecond.toFixed(0)}/s, p50 ${debit.p50.toFixed(1)} ms, p99 ${debit.p99.toFixed(1)} ms`,
  );

  // 2. Bets through real HTTP on loopback (placement only: no workers running).
  const round = await withTransaction(db.pool, (c) =>
    openRound(c, { sides: config.sides, rakeBps: config.rakeBps, roundSeconds: 3600 }, deps.seeds),
  );
  const n2 = Math.max(2000, SECONDS * 400);
  const bets = await timed(n2, CONCURRENCY, async (i) => {
    const p = players[i % players.length]!;
    const res = await fetch(`${base}/v1/bets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${p.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        roundId: Number(round.id),
        side: i % 2 ? 'red' : 'green',
        amount: 10 + (i % 1000),
      }),
    });
    await res.text();
    if (res.status !== 202) throw new Error(`bet answered ${res.status}`);
  });
  say(
    `bets over HTTP (one API process, ${CONCURRENCY} concurrent clients, ${n2} bets): ${bets.perSecond.toFixed(0)}/s, p50 ${bets.p50.toFixed(1)} ms, p99 ${bets.p99.toFixed(1)} ms`,
  );

  // 3. The matching pass in the database over those bets (one worker).
  let t0 = performance.now();
  const pass = await withTransaction(db.pool, async (c) => {
    let booked = 0;
    for (;;) {
      const r = await runMatchPass(c, round.id);
      booked += r.booked;
      if (r.booked === 0) return booked;
    }
  });
  const matchSeconds = (performance.now() - t0) / 1000;
  say(
    `matching pass in PostgreSQL: ${pass} bets booked in ${matchSeconds.toFixed(2)} s (${(pass / matchSeconds).toFixed(0)} bets/s)`,
  );

  // 4. Close, reveal and settle that round in chunks of players.
  await withTransaction(db.pool, (c) => closeRound(c, round.id, deps.seeds));
  const workerDeps = {
    pool: db.pool,
    metrics: deps.metrics,
    logger: createLogger('silent'),
    events: localHub(),
  };
  while (await finalPass(workerDeps));
  t0 = performance.now();
  const settled = await settleNext({ ...workerDeps, chunkPlayers: config.settleChunkPlayers });
  say(
    `settlement of one round: ${settled?.bets} bets, ${settled?.players} players in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );

  // 5. The pure matching rule.
  const book: RestingBet[] = [];
  const incoming: IncomingBet[] = [];
  for (let i = 0; i < 100_000; i++) {
    book.push({ id: `r${i}`, playerId: `p${i % 5000}`, side: 'red', remaining: BigInt(1 + (i % 97)) });
    incoming.push({
      id: `g${i}`,
      playerId: `p${(i * 7) % 5000}`,
      side: i % 10 ? 'green' : 'red',
      amount: BigInt(1 + (i % 89)),
    });
  }
  matchBets(book, incoming);
  t0 = performance.now();
  const { fills } = matchBets(book, incoming);
  say(
    `pure matching: 100k resting vs 100k arriving, ${fills.length} fills in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await app.close();
} finally {
  await db.drop();
}

const file = 'docs/benchmarks.md';
const section = `## Core\n\nCommand: \`npm run bench\` (BENCH_CONCURRENCY=${CONCURRENCY}), run on ${new Date().toISOString().slice(0, 10)}.\nThe API, PostgreSQL and the load generator share the machine's cores.\n\n${results.map((r) => `- ${r}`).join('\n')}\n`;
let doc = existsSync(file)
  ? readFileSync(file, 'utf8')
  : "# Benchmarks\n\nFigures measured on this project's machines; every number comes with the command that produced it.\n";
doc = /## Core\n[\s\S]*?(?=\n## |$)/.test(doc)
  ? doc.replace(/## Core\n[\s\S]*?(?=\n## |$)/, section)
  : `${doc.trimEnd()}\n\n${section}`;
writeFileSync(file, doc);
console.log(`written to ${file}`);
