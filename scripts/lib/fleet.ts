// A local fleet on loopback: API processes behind HAProxy, match and settle workers, a relay,
// a projection worker and the scheduler, each a separate `colorbet start --roles ...` process,
// sharing one PostgreSQL and one Redis. Used by `npm run fleet` and the chaos run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpOk, waitFor } from './ports.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(ROOT, 'bin/colorbet.js');

export interface FleetOptions {
  databaseUrl: string;
  redisUrl: string;
  lbPort: number;
  apiProcesses?: number;
  matchWorkers?: number;
  settleWorkers?: number;
  logDir: string;
  env?: Record<string, string>;
}

export interface FleetProcess {
  name: string;
  roles: string;
  /** API processes: the HTTP port. */
  port?: number;
  /** The internal listener (METRICS_PORT): /metrics and detailed /readyz. */
  metricsPort?: number;
  child?: ChildProcess;
}

export interface Fleet {
  url: string;
  processes: FleetProcess[];
  kill(name: string, signal?: NodeJS.Signals): void;
  start(name: string): Promise<void>;
  stop(): Promise<void>;
}

function haproxyConfig(lbPort: number, apis: FleetProcess[]): string {
  const template = readFileSync(path.join(ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8');
  return template
    .replace('bind 127.0.0.1:3000', `bind 127.0.0.1:${lbPort}`)
    .replace(
      /^ *# fleet servers[\s\S]*?# end fleet servers$/m,
      apis.map((a) => `  server ${a.name} 127.0.0.1:${a.port} check`).join('\n'),
    );
}

/** Prometheus file_sd targets for this fleet (see deploy/prometheus/prometheus.yml). */
function writePrometheusTargets(dir: string, processes: FleetProcess[]): void {
  const group = (port: number | undefined, role: string) =>
    `- targets: ['127.0.0.1:${port}']\n  labels: { role: '${role}' }`;
  writeFileSync(
    path.join(dir, 'targets-api.yml'),
    processes
      .filter((p) => p.port)
      .map((p) => group(p.metricsPort ?? p.port, p.roles))
      .join('\n') + '\n',
  );
  writeFileSync(
    path.join(dir, 'targets-workers.yml'),
    processes
      .filter((p) => !p.port && p.metricsPort)
      .map((p) => group(p.metricsPort, p.roles))
      .join('\n') + '\n',
  );
}

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  mkdirSync(o.logDir, { recursive: true });
  const processes: FleetProcess[] = [];
  for (let i = 1; i <= (o.apiProcesses ?? 2); i++) {
    // Metrics and readiness detail on an internal listener, not on the port HAProxy exposes.
    processes.push({
      name: `api${i}`,
      roles: 'api,gateway',
      port: await freePort(),
      metricsPort: await freePort(),
    });
  }
  for (let i = 1; i <= (o.matchWorkers ?? 2); i++) processes.push({ name: `match${i}`, roles: 'match' });
  for (let i = 1; i <= (o.settleWorkers ?? 2); i++) processes.push({ name: `settle${i}`, roles: 'settle' });
  processes.push(
    { name: 'relay', roles: 'relay' },
    { name: 'project', roles: 'project' },
    { name: 'scheduler', roles: 'scheduler' },
  );

  const start = async (p: FleetProcess) => {
    const log = createWriteStream(path.join(o.logDir, `${p.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [BIN, 'start', '--roles', p.roles], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        DEMO_PLAYERS: '0',
        ...o.env,
        DATABASE_URL: o.databaseUrl,
        REDIS_URL: o.redisUrl,
        PORT: String(p.port ?? 0),
        ...(p.metricsPort ? { METRICS_PORT: String(p.metricsPort) } : {}),
        HOST: '127.0.0.1',
        // The fleet's HAProxy (on loopback) forwards the client address. Its simulated crowd
        // registers hundreds of players from this one address: no per-address signup limit.
        TRUST_PROXY: '127.0.0.1',
        AUTH_RATE_LIMIT_MAX: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    p.child = child;
    if (p.port)
      await waitFor(`${p.name} /healthz`, () => httpOk(`http://127.0.0.1:${p.port}/healthz`), 60_000);
  };
  // Migrate once before the fleet starts, so the processes do not queue on the migration lock.
  await new Promise<void>((resolve, reject) => {
    const m = spawn(process.execPath, [BIN, 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: o.databaseUrl },
      stdio: 'inherit',
    });
    m.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`colorbet migrate exited ${code}`))));
  });
  const lb: FleetProcess = { name: 'haproxy', roles: 'load balancer' };
  const url = `http://127.0.0.1:${o.lbPort}`;
  const stopAll = async () => {
    const all = [...processes, lb].filter((p) => p.child && p.child.exitCode === null);
    await Promise.all(
      all.map(
        (p) =>
          new Promise<void>((resolve) => {
            const c = p.child!;
            const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
  };
  writePrometheusTargets(o.logDir, processes);
  try {
    await Promise.all(processes.map(start));
    const cfg = path.join(o.logDir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      haproxyConfig(
        o.lbPort,
        processes.filter((p) => p.port),
      ),
    );
    lb.child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor('haproxy', () => httpOk(`${url}/healthz`), 20_000);
  } catch (err) {
    await stopAll();
    throw err;
  }

  const byName = (name: string) => {
    const p = processes.find((x) => x.name === name);
    if (!p) throw new Error(`no fleet process ${name}`);
    return p;
  };
  return {
    url,
    processes,
    kill: (name, signal = 'SIGKILL') => {
      const p = byName(name);
      p.child?.kill(signal);
      p.child = undefined;
    },
    start: (name) => start(byName(name)),
    stop: stopAll,
  };
}
