// The open-loop load generator of `npm run bench:http`. Request i of a step is due at
// t0 + i/R whatever happened to earlier requests: a slow server cannot slow the client down
// and so hide its own latency (no coordinated omission). Latency runs from the SCHEDULED send
// time to the end of the response, so any delay in this process or in the connection pool
// counts against the server, never in its favour.
import { performance } from 'node:perf_hooks';
import { RawHttpPool } from './raw-http.ts';
import { percentile } from './setup.ts';

export interface Target {
  port: number;
  path: string;
  roundId: number;
  tokens: string[];
  /** Makes every Idempotency-Key of the run unique across steps and modes. */
  keyPrefix: string;
}

export interface StepOptions {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  graceSeconds: number;
}

export interface StepResult {
  offered: number;
  /** Requests in the measured window (after the warm-up). */
  sent: number;
  ok: number;
  /** 2xx answers including the warm-up: each one is a bet the database must hold. */
  okAll: number;
  answeredPerSec: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Non-2xx answers, connection errors and timeouts, over `sent`. */
  failures: number;
  failRate: number;
  timeouts: number;
  statuses: Record<string, number>;
  /** p99 of how late this process sent a request after its scheduled time (ms). */
  sendLagP99: number;
}

// Enough sockets for the server to see real concurrency, few enough that the API process's
// accept queue and file descriptors stay sane; a request waiting for a socket is still timed
// from its scheduled moment.
const SOCKETS = 256;

export async function runStep(target: Target, opt: StepOptions): Promise<StepResult> {
  const interval = 1000 / opt.rate;
  const total = Math.round(opt.rate * (opt.warmupSeconds + opt.seconds));
  const warm = Math.round(opt.rate * opt.warmupSeconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  // Requests in flight and how to finish each one exactly once (answer, error or timeout).
  const inflight = new Set<number>();
  const pool = new RawHttpPool(target.port, SOCKETS);
  let ok = 0;
  let okAll = 0;
  let lastOkEnd = 0;
  let drained: () => void = () => undefined;
  let sending = true;
  const t0 = performance.now() + 5;
  const measureStart = t0 + warm * interval;
  const finishAt = (i: number, scheduled: number, status: string) => {
    if (!inflight.delete(i)) return;
    const end = performance.now();
    if (status.startsWith('2')) okAll++;
    if (i >= warm) {
      latencies.push(end - scheduled);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status.startsWith('2')) {
        ok++;
        lastOkEnd = Math.max(lastOkEnd, end);
      }
    }
    if (!sending && inflight.size === 0) drained();
  };
  const head = (i: number) =>
    `POST ${target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${
      target.tokens[i % target.tokens.length]
    }\r\nIdempotency-Key: ${target.keyPrefix}-${i}\r\nContent-Type: application/json\r\n`;

  const send = (i: number) => {
    const scheduled = t0 + i * interval;
    if (i >= warm) lags.push(performance.now() - scheduled);
    const body = `{"roundId":${target.roundId},"side":"${i % 2 ? 'red' : 'green'}","amount":${10 + (i % 91)}}`;
    inflight.add(i);
    pool.request({
      head: head(i),
      body,
      done: (status) => finishAt(i, scheduled, status ? String(status) : 'error'),
    });
  };

  // The timer loop: every ~1 ms send everything that is due. Never waits for an answer.
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) send(next++);
      if (next < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
  sending = false;

  // Wait for the stragglers up to the grace period; whatever is still open then is a timeout,
  // counted with the time it had waited (a lower bound on its latency).
  await new Promise<void>((resolve) => {
    drained = resolve;
    if (inflight.size === 0) resolve();
    setTimeout(resolve, opt.graceSeconds * 1000).unref();
  });
  let timeouts = 0;
  for (const i of [...inflight]) {
    timeouts++;
    finishAt(i, t0 + i * interval, 'timeout');
  }
  pool.close();

  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const sent = total - warm;
  const failures = sent - ok;
  // Throughput over the measured window, stretched when answers kept arriving after it: a
  // server working off a backlog must not look faster than it is.
  const windowMs = Math.max(opt.seconds * 1000, lastOkEnd - measureStart);
  return {
    offered: opt.rate,
    sent,
    ok,
    okAll,
    answeredPerSec: ok / (windowMs / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p999: percentile(latencies, 0.999),
    max: latencies[latencies.length - 1] ?? 0,
    failures,
    failRate: sent ? failures / sent : 0,
    timeouts,
    statuses,
    sendLagP99: percentile(lags, 0.99),
  };
}
