// The server side of `npm run bench:gateway`, in its own process so its memory is measured
// without the 20k client sockets next to it. It is the real app (buildApp: API + gateway)
// on a real PostgreSQL, with an in-process event hub: the bench measures the gateway's
// fan-out, not the bus. The driver talks to it over IPC: memory, publish, stop.
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { localHub } from '../src/bus/events.ts';
import { openRound, currentRound } from '../src/betting/rounds.ts';
import { buildDeps, openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { sleep } from '../test/helpers/util.ts';

export type ServerRequest = { type: 'memory' } | { type: 'publish'; trial: number } | { type: 'stop' };
export type ServerReply =
  | { type: 'ready'; port: number; roundId: number }
  | { type: 'memory'; rss: number; heapUsed: number; external: number; clients: number }
  | { type: 'published'; trial: number; at: number };

const send = (msg: ServerReply) => process.send?.(msg);
const gc = (globalThis as { gc?: () => void }).gc;

const config = loadConfig({
  ...process.env,
  LOG_LEVEL: 'silent',
  DATA_DIR: process.env.DATA_DIR ?? path.resolve('.colorbet/bench'),
  DEMO_PLAYERS: '0',
});
const logger = createLogger('warn');
const runtime = await openRuntime(config, logger, { poolSize: 5, applicationName: 'colorbet-bench-gateway' });
const events = localHub();
const deps = await buildDeps(runtime, events, 'bench');
let round = await currentRound(runtime.pool);
if (round?.status !== 'OPEN') {
  round = await openRound(
    runtime.pool,
    { sides: config.sides, rakeBps: config.rakeBps, roundSeconds: 3600 },
    deps.seeds,
  );
}
const app = await buildApp(deps);
// A deep accept queue: the driver opens hundreds of connections at once.
await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;

async function memory(): Promise<ServerReply> {
  // Collect twice, so garbage from the connect storm does not count as per-connection memory.
  for (let i = 0; i < 2; i++) {
    gc?.();
    await sleep(50);
  }
  const m = process.memoryUsage();
  const clients = Number((await deps.metrics.wsClients.get()).values[0]?.value ?? 0);
  return { type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external, clients };
}

async function stop(): Promise<void> {
  await app.close();
  await events.close();
  await runtime.close();
  process.exit(0);
}

process.on('message', (msg: ServerRequest) => {
  if (msg.type === 'memory') void memory().then(send);
  else if (msg.type === 'stop') void stop();
  else if (msg.type === 'publish') {
    // A round result as the scheduler and settle worker publish it; the gateway enriches it
    // with the round row (one read per event per process), as in production.
    const at = performance.now();
    events.publish([{ type: 'round', roundId: round!.id.toString(), status: 'SETTLED', bench: msg.trial }]);
    send({ type: 'published', trial: msg.trial, at });
  }
});
// The driver's death must not leave this process (and its PostgreSQL) behind.
process.on('disconnect', () => void stop());
send({ type: 'ready', port, roundId: Number(round.id) });
