// Writes the `## Gateway` section of docs/benchmarks.md, leaving every other section as it is.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';

export interface GatewayResults {
  command: string;
  requested: number;
  connected: number;
  failures: Map<string, number>;
  connectSeconds: number;
  serverClients: number;
  rssPerClient: number;
  heapPerClient: number;
  baseline: { rss: number; heapUsed: number };
  loaded: { rss: number; heapUsed: number };
  trials: { trial: number; reached: number; first: number; p50: number; p99: number; max: number }[];
  fdNote: string;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (v: number) => `${v.toFixed(1)} ms`;

export function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} (nproc ${os.availableParallelism()})`,
    `- memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node ${process.version}, ${os.type()} ${os.release()}`,
  ].join('\n');
}

export function gatewaySection(r: GatewayResults): string {
  const failures = [...r.failures].map(([k, v]) => `${v} × ${k}`).join(', ') || 'none';
  const trials = r.trials
    .map(
      (t) =>
        `| ${t.trial} | ${t.reached} / ${r.connected} | ${ms(t.first)} | ${ms(t.p50)} | ${ms(t.p99)} | ${ms(t.max)} |`,
    )
    .join('\n');
  const med = [...r.trials].sort((a, b) => a.p99 - b.p99)[Math.floor(r.trials.length / 2)];
  return `## Gateway

Measured ${new Date().toISOString().slice(0, 10)} with \`${r.command}\` (bench/gateway.ts): the real app
(buildApp with the \`/v1/stream\` gateway, on PostgreSQL) in a child process, and that many
WebSocket clients in the driver process, spread over several 127.0.0.x source addresses.

${machine()}

| measure | result |
|---|---|
| clients connected | **${r.connected}** of ${r.requested} requested (failures: ${failures}); the server counted ${r.serverClients} |
| time to connect them all | ${r.connectSeconds.toFixed(1)} s (${Math.round(r.connected / r.connectSeconds)} connections/s, hello included) |
| server memory per connection | **${kib(r.rssPerClient)} RSS**, ${kib(r.heapPerClient)} JS heap |
| server totals | RSS ${mib(r.baseline.rss)} idle → ${mib(r.loaded.rss)} with all clients; heap ${mib(r.baseline.heapUsed)} → ${mib(r.loaded.heapUsed)} |
| one round result to every client (median of ${r.trials.length} trials) | **p50 ${ms(med?.p50 ?? NaN)}, p99 ${ms(med?.p99 ?? NaN)}, max ${ms(med?.max ?? NaN)}** |

Delivery of one round-result event, published on the hub in the server process, per trial:

| trial | clients reached | first client | p50 | p99 | max |
|---|---|---|---|---|---|
${trials}

How to read it:

- Memory per connection = (server RSS, resp. heap, with every client connected − before any),
  after two forced GCs, divided by the connections. It covers the socket, ws and Fastify's
  request objects kept per connection, and the gateway's own index entry.
- Latency = receive time in the client − the moment the driver asked the server (over IPC,
  about 0.1 ms) to publish; one clock for both ends. It includes the gateway's one round read from PostgreSQL that
  adds the revealed seed and result, serialising the message once, writing it to every
  socket, the kernel, and the client process working through its own backlog: with one client
  process, the max is mostly the time that single event loop needs to read N messages.
  "first client" is the fixed part (the round read, one serialisation); the spread from it to
  the max is the fan-out itself, bounded by one system call per socket on each side.
- On this box a plain loopback TCP write costs tens of microseconds (a 2-vCPU VM), so the
  fan-out is bounded by system calls: repeated runs differed by up to 2× in latency, while
  memory per connection stayed within a few hundred bytes.
- The hub is in-process (\`localHub\`), so this is one gateway's fan-out. Across nodes, add
  one hop of the bus (PostgreSQL NOTIFY or Redis pub/sub) per event, not per client.
- ${r.fdNote}

Reproduce: \`npm run bench:gateway\`; \`GATEWAY_CLIENTS\`, \`GATEWAY_SOURCE_ADDRESSES\`,
\`GATEWAY_TRIALS\` change the load; \`DATABASE_URL\` uses that PostgreSQL instead of an
embedded one under \`.colorbet/bench\`. It stops by itself (\`GATEWAY_TIME_LIMIT_SECONDS\`).
`;
}

export async function writeSection(file: string, section: string): Promise<void> {
  const current = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n';
  const start = current.search(/^## Gateway\s*$/m);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const rest = current.slice(start + 1);
    const after = rest.search(/^## /m);
    const end = after === -1 ? current.length : start + 1 + after;
    next = `${current.slice(0, start)}${section}${after === -1 ? '' : `\n${current.slice(end)}`}`;
  }
  await writeFile(file, next.endsWith('\n') ? next : `${next}\n`);
}
