import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';

export function opsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', { schema: { tags: ['ops'] } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { tags: ['ops'] } }, async (_req, reply) => {
    const checks = await deps.readiness();
    const ok = checks.every((c) => c.ok);
    return reply.status(ok ? 200 : 503).send({ ok, checks });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const pool = deps.pool;
    deps.metrics.poolClients.set({ state: 'total' }, pool.totalCount);
    deps.metrics.poolClients.set({ state: 'idle' }, pool.idleCount);
    deps.metrics.poolClients.set({ state: 'waiting' }, pool.waitingCount);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
