// `npm run bench:gateway`: how many WebSocket clients one gateway process holds, what each
// costs in server memory, and how long one round result takes to reach all of them.
// The server runs in a child process (clean memory figures); the clients run here. Results
// go to docs/benchmarks.md under "## Gateway". It stops by itself.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sleep } from '../test/helpers/util.ts';
import { openClients, percentile } from './gateway-clients.ts';
import { gatewaySection, writeSection, type GatewayResults } from './gateway-report.ts';
import type { ServerReply, ServerRequest } from './gateway-server.ts';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

const REQUESTED = intEnv('GATEWAY_CLIENTS', 20_000);
let clients = REQUESTED;
const SOURCES = Math.min(250, Math.max(1, intEnv('GATEWAY_SOURCE_ADDRESSES', 8)));
const TRIALS = Math.max(1, intEnv('GATEWAY_TRIALS', 5));
const CONCURRENCY = Math.max(1, intEnv('GATEWAY_CONNECT_CONCURRENCY', 256));
const TIME_LIMIT_S = intEnv('GATEWAY_TIME_LIMIT_SECONDS', 300);
// Headroom for the server's own files (PostgreSQL connections, logs) and the driver's.
const FD_HEADROOM = 200;
const HERE = path.dirname(fileURLToPath(import.meta.url));

const fdLimit = () => Number(execFileSync('bash', ['-c', 'ulimit -n']).toString().trim()) || Infinity;

// Each process (driver and server) holds one descriptor per connection. If the limit is too
// low, restart under a raised one (works as root or below the hard limit), else run fewer.
let fdNote = `Open-files limit ${fdLimit()} per process was enough; nothing was raised.`;
if (fdLimit() < clients + FD_HEADROOM) {
  if (!process.env.COLORBET_BENCH_FD_RAISED) {
    const want = clients + FD_HEADROOM;
    console.log(
      `# open-files limit is ${fdLimit()}, ${clients} clients need ${want}: restarting under ulimit -n ${want}`,
    );
    const again = spawnSync(
      'bash',
      [
        '-c',
        `ulimit -n ${want} 2>/dev/null || exit 97; exec "$@"`,
        'bash',
        process.execPath,
        ...process.execArgv,
        ...process.argv.slice(1),
      ],
      { stdio: 'inherit', env: { ...process.env, COLORBET_BENCH_FD_RAISED: String(fdLimit()) } },
    );
    if (again.status !== 97) process.exit(again.status ?? 1);
    const hard = execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim();
    console.log(
      `# could not raise it (hard limit ${hard}; raising that needs CAP_SYS_RESOURCE): running fewer clients`,
    );
  }
  const limit = fdLimit();
  if (limit < clients + FD_HEADROOM) {
    clients = Math.max(100, limit - FD_HEADROOM);
    fdNote = `The open-files limit (${limit}) capped the run at ${clients} clients; raise it (ulimit -n) for more.`;
  }
}
if (process.env.COLORBET_BENCH_FD_RAISED && fdNote.startsWith('Open-files')) {
  fdNote = `The script raised the open-files limit from ${process.env.COLORBET_BENCH_FD_RAISED} to ${fdLimit()} (ulimit -n, as root) for both processes.`;
}

const deadline = setTimeout(() => {
  console.error(`# time limit of ${TIME_LIMIT_S} s reached: stopping`);
  server.kill('SIGKILL');
  process.exit(1);
}, TIME_LIMIT_S * 1000);
deadline.unref();

const server: ChildProcess = spawn(
  process.execPath,
  ['--expose-gc', ...process.execArgv, path.join(HERE, 'gateway-server.ts')],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env },
);
server.once('exit', (code) => {
  if (!stopping) {
    console.error(`# the server process exited early (code ${code})`);
    process.exit(1);
  }
});
let stopping = false;

function reply<T extends ServerReply['type']>(type: T, request?: ServerRequest) {
  return new Promise<Extract<ServerReply, { type: T }>>((resolve) => {
    const onMessage = (msg: ServerReply) => {
      if (msg.type !== type) return;
      server.off('message', onMessage);
      resolve(msg as Extract<ServerReply, { type: T }>);
    };
    server.on('message', onMessage);
    if (request) server.send(request);
  });
}

console.log(`# starting the server (real app on PostgreSQL; the first run initialises an embedded one)`);
const ready = await reply('ready');
const url = `ws://127.0.0.1:${ready.port}/v1/stream`;

// Warm-up: the first connections pay for JIT and lazily loaded code, not per-connection memory.
const warm = await openClients({
  url,
  count: 200,
  sourceAddresses: SOURCES,
  concurrency: 50,
  onProgress: () => undefined,
});
await warm.closeAll();
await sleep(500);
const baseline = await reply('memory', { type: 'memory' });

console.log(
  `# opening ${clients} clients over ${SOURCES} source addresses, ${CONCURRENCY} handshakes at a time`,
);
const fleet = await openClients({
  url,
  count: clients,
  sourceAddresses: SOURCES,
  concurrency: CONCURRENCY,
  onProgress: (open, failed) => process.stdout.write(`\r#   open ${open}, failed ${failed}   `),
});
process.stdout.write('\n');
const connected = fleet.sockets.length;
await sleep(2000);
const loaded = await reply('memory', { type: 'memory' });

const trials: GatewayResults['trials'] = [];
for (let trial = 1; trial <= TRIALS; trial++) {
  fleet.publishedAt.set(trial, performance.now());
  await reply('published', { type: 'publish', trial });
  const until = Date.now() + 15_000;
  while ((fleet.latencies.get(trial)?.length ?? 0) < connected && Date.now() < until) await sleep(20);
  const sorted = [...(fleet.latencies.get(trial) ?? [])].sort((a, b) => a - b);
  const row = {
    trial,
    reached: sorted.length,
    first: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
  trials.push(row);
  console.log(
    `# trial ${trial}: ${row.reached}/${connected} clients, first ${row.first.toFixed(1)} ms, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, max ${row.max.toFixed(1)} ms`,
  );
  await sleep(500);
}

await fleet.closeAll();
stopping = true;
server.send({ type: 'stop' } satisfies ServerRequest);
await new Promise((r) => server.once('exit', r));

const extra = ['GATEWAY_CLIENTS', 'GATEWAY_SOURCE_ADDRESSES', 'GATEWAY_TRIALS']
  .filter((n) => process.env[n])
  .map((n) => `${n}=${process.env[n]} `)
  .join('');
const results: GatewayResults = {
  command: `${extra}npm run bench:gateway`,
  requested: REQUESTED,
  connected,
  failures: fleet.failures,
  connectSeconds: fleet.connectSeconds,
  serverClients: loaded.clients,
  rssPerClient: (loaded.rss - baseline.rss) / Math.max(1, connected),
  heapPerClient: (loaded.heapUsed - baseline.heapUsed) / Math.max(1, connected),
  baseline,
  loaded,
  trials,
  fdNote,
};
const section = gatewaySection(results);
await writeSection(path.resolve(HERE, '../docs/benchmarks.md'), section);
console.log(`\n${section}\n# written to docs/benchmarks.md (## Gateway)`);
process.exit(0);
