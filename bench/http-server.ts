// The API under test for `npm run bench:http`: `node bin/colorbet.js start --roles api` as a
// separate process, so the load generator's CPU and memory are not the server's, and the
// server is the very command production runs. Its RSS is sampled from /proc while it works.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpOk } from '../scripts/lib/ports.ts';
import { sleep } from '../test/helpers/util.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ApiProcess {
  port: number;
  pid: number;
  /** Highest RSS (MiB) seen since the last reset. */
  peakRssMb(): number;
  resetPeak(): void;
  /** CPU clock ticks the API process has used so far. */
  cpuTicks(): number;
  /** Why the process is gone (a crash under load must not look like a slow server), else undefined. */
  exit(): string | undefined;
  stop(): Promise<void>;
}

/** VmRSS of a process in MiB, from /proc (the child is node itself, no wrapper shell). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Clock ticks the whole machine spent busy and in all, summed over its cores (/proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total }; // minus idle and iowait
}

/** Clock ticks used so far by every PostgreSQL process on this machine (server and backends). */
export function postgresTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        ticks += processTicks(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return ticks;
}

/** User + system clock ticks a process has used (/proc/<pid>/stat fields 14 and 15). */
function processTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The process and its children (the API workers of `--processes N`), from /proc. */
function family(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    return [pid, ...kids.map(Number)];
  } catch {
    return [pid];
  }
}

export async function startApi(opts: {
  databaseUrl: string;
  authSecret: string;
  batchWindowMs: number;
  /** API processes on the port (`--processes`); CPU and RSS are summed over all of them. */
  processes?: number;
}): Promise<ApiProcess> {
  const port = await freePort();
  // BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the API process (not this one).
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      path.join(ROOT, 'bin/colorbet.js'),
      'start',
      '--roles',
      'api',
      ...(opts.processes && opts.processes > 1 ? ['--processes', String(opts.processes)] : []),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH_SECRET: opts.authSecret,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '0',
        DEMO_PLAYERS: '0',
        BENCH_ROUTES: '1',
        MAX_BET: '1000000',
        BATCH_WINDOW_MS: String(opts.batchWindowMs),
      },
      // The server's output goes to our stderr: stdout stays ours (its last line is the JSON).
      stdio: ['ignore', 2, 2],
    },
  );
  const pid = child.pid!;
  let peak = 0;
  const rssAll = () => family(pid).reduce((sum, p) => sum + rssMb(p), 0);
  const sampler = setInterval(() => (peak = Math.max(peak, rssAll())), 100);
  sampler.unref();
  const stop = async () => {
    clearInterval(sampler);
    child.kill('SIGTERM');
    if (!(await exited(child, 5000))) {
      child.kill('SIGKILL');
      await exited(child, 5000);
    }
  };
  // Ready when /readyz answers 200 (PostgreSQL reachable, routes registered).
  const deadline = Date.now() + 60_000;
  while (!(await httpOk(`http://127.0.0.1:${port}/readyz`).catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`API process did not become ready (exit code ${child.exitCode})`);
    }
    await sleep(200);
  }
  return {
    port,
    pid,
    peakRssMb: () => Math.max(peak, rssAll()),
    resetPeak: () => (peak = rssAll()),
    cpuTicks: () => family(pid).reduce((sum, p) => sum + processTicks(p), 0),
    exit: () =>
      child.exitCode !== null || child.signalCode !== null
        ? `API process exited (${child.signalCode ?? `code ${child.exitCode}`})`
        : undefined,
    stop,
  };
}
