// `colorbet start --roles api --processes N`: N API processes on one port (node:cluster), so
// one box uses all its cores. The primary owns the database (the embedded server, if any, and
// the migrations), forks the workers with its DATABASE_URL, restarts a worker that dies, and
// stops them all on SIGINT/SIGTERM. The kernel spreads connections over the workers
// (SCHED_NONE): the primary never touches a request.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../observability/logger.ts';
import type { Runtime } from './runtime.ts';
import { shutdownOn } from './shutdown.ts';
import type { Role } from './start.ts';

/** Roles that may run N times on one port: they keep no state and serve the same port. */
const SHAREABLE: readonly Role[] = ['api', 'gateway'];

export function checkProcesses(raw: string | undefined, roles: Set<Role>): number {
  if (raw === undefined) return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
    throw new Error(`--processes must be an integer from 1 to 64, got ${JSON.stringify(raw)}`);
  }
  const n = Number(raw);
  if (n > 1 && [...roles].some((r) => !SHAREABLE.includes(r))) {
    throw new Error(
      `--processes ${n} runs only the roles ${SHAREABLE.join(', ')}; start the other roles separately`,
    );
  }
  return n;
}

export const isClusterWorker = (): boolean => cluster.isWorker;

export async function runPrimary(rt: Runtime, processes: number, logger: Logger): Promise<void> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const fork = (): Worker => cluster.fork({ DATABASE_URL: rt.databaseUrl });
  for (let i = 0; i < processes; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    // A clean exit was asked for (Ctrl-C reaches the workers too); only a crash is replaced.
    if (stopping || (code === 0 && !signal)) return;
    logger.warn({ pid: worker.process.pid, code, signal }, 'API process exited; starting another');
    setTimeout(fork, 500);
  });
  logger.info({ processes }, 'API processes started');

  shutdownOn(rt, (reason, code) => {
    stopping = true;
    logger.info({ reason }, 'shutting down the API processes');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    void Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
            setTimeout(() => w.process.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    )
      .then(() => rt.close())
      .finally(() => process.exit(code));
  });
}
