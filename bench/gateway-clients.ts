// Many WebSocket clients from one process. Each binds to one of several loopback source
// addresses (127.0.0.1, .2, ...): one source address has only ~28k ephemeral ports towards
// one server port, and spreading also spreads the kernel's connection hash buckets.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { sleep } from '../test/helpers/util.ts';

export interface ClientFleet {
  sockets: WebSocket[];
  failures: Map<string, number>;
  connectSeconds: number;
  /** Per trial, the delivery latency (ms) of each client that received it. */
  latencies: Map<number, number[]>;
  /** Per trial, performance.now() in this process when the publish was requested. */
  publishedAt: Map<number, number>;
  closeAll(): Promise<void>;
}

const BENCH_MARK = '"bench":';

export async function openClients(opts: {
  url: string;
  count: number;
  sourceAddresses: number;
  concurrency: number;
  onProgress: (open: number, failed: number) => void;
}): Promise<ClientFleet> {
  const sockets: WebSocket[] = [];
  const failures = new Map<string, number>();
  const latencies = new Map<number, number[]>();
  const publishedAt = new Map<number, number>();
  const fail = (reason: string) => failures.set(reason, (failures.get(reason) ?? 0) + 1);
  let failed = 0;
  let closing = false;

  const onMessage = (data: WebSocket.RawData) => {
    const received = performance.now();
    const text = data.toString();
    // Only the benchmark's own event is parsed; hellos are skipped cheaply.
    if (!text.includes(BENCH_MARK)) return;
    const msg = JSON.parse(text) as { bench: number };
    let list = latencies.get(msg.bench);
    if (!list) latencies.set(msg.bench, (list = []));
    // Relative to when this process asked the server to publish: one clock for both ends.
    list.push(received - (publishedAt.get(msg.bench) ?? NaN));
  };

  const openOne = (i: number) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(opts.url, {
        localAddress: `127.0.0.${1 + (i % opts.sourceAddresses)}`,
        perMessageDeflate: false,
        handshakeTimeout: 20_000,
      });
      ws.on('message', onMessage);
      ws.once('open', () => {
        sockets.push(ws);
        // A connection the server drops during the run (heartbeat, slow client) is reported.
        ws.once('close', () => closing || fail('closed by server during the run'));
        resolve();
      });
      ws.once('error', (err: NodeJS.ErrnoException) => {
        if (ws.readyState !== WebSocket.OPEN) {
          failed++;
          fail(err.code ?? err.message.slice(0, 60));
          resolve();
        }
      });
    });

  const started = performance.now();
  let next = 0;
  const progress = setInterval(() => opts.onProgress(sockets.length, failed), 1000);
  // A fixed number of handshakes in flight, so the server's accept queue never overflows.
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.count) await openOne(next++);
    }),
  );
  clearInterval(progress);
  opts.onProgress(sockets.length, failed);
  return {
    sockets,
    failures,
    latencies,
    publishedAt,
    connectSeconds: (performance.now() - started) / 1000,
    closeAll: async () => {
      closing = true;
      for (const ws of sockets) ws.terminate();
      await sleep(200);
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
