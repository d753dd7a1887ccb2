// `colorbet start [--roles ...]`: every role in one process by default, or only those named.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../http/app.ts';
import type { Worker } from '../workers/loop.ts';
import { startProjectionWorker } from '../workers/project.ts';
import { buildDeps, type Runtime } from './runtime.ts';

export const ROLES = ['api', 'gateway', 'relay', 'match', 'settle', 'project', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export function parseRoles(raw: string | undefined): Set<Role> {
  if (!raw || raw === 'all') return new Set(ROLES);
  const roles = raw.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new Error(`--roles: unknown role "${r}"; choose from ${ROLES.join(', ')}`);
    }
  }
  return new Set(roles as Role[]);
}

export interface Started {
  app?: FastifyInstance;
  workers: Worker[];
  stop(): Promise<void>;
}

export async function startRoles(rt: Runtime, roles: Set<Role>): Promise<Started> {
  const deps = await buildDeps(rt, [...roles].join('+'));
  const workers: Worker[] = [];
  if (roles.has('project')) workers.push(...startProjectionWorker(rt.pool, deps.metrics, rt.logger));
  let app: FastifyInstance | undefined;
  if (roles.has('api')) {
    app = await buildApp(deps);
    await app.listen({ port: rt.config.port, host: rt.config.host });
  }
  rt.logger.info({ roles: [...roles] }, 'colorbet started');
  return {
    app,
    workers,
    stop: async () => {
      await app?.close();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
