// Health, readiness and metrics. With METRICS_TOKEN set, /metrics and the detail of /readyz
// (which dependency is down, and the database's own error text) need
// `Authorization: Bearer <METRICS_TOKEN>`; the load balancer's plain /readyz still gets ready or
// not, with each check's name and state only. With METRICS_PORT, API and gateway processes serve
// them on a separate internal listener (METRICS_HOST, loopback by default) instead: the public
// port has no /metrics and its /readyz says ready or not, nothing else.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appError } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import { ref } from '../responses.ts';

function canSeeInternals(deps: AppDeps, req: FastifyRequest): boolean {
  const token = deps.config.metricsToken;
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * The public port's: with METRICS_PORT set, /metrics is not served here (404) and /readyz says
 * only ready or not; the internal listener (internalOpsRoutes) serves them.
 */
export function opsRoutes(app: FastifyInstance, deps: AppDeps): void {
  serveOps(app, deps, deps.config.metricsPort === undefined);
}

/** The internal listener's (METRICS_PORT, or a worker-only process's): everything. */
export function internalOpsRoutes(app: FastifyInstance, deps: AppDeps): void {
  serveOps(app, deps, true);
}

function serveOps(app: FastifyInstance, deps: AppDeps, internals: boolean): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        response: {
          200: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean', enum: [true] } } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  const readiness = {
    200: ref('Readiness'),
    503: { description: 'a dependency is down', ...ref('Readiness') },
  };
  app.get('/readyz', { schema: { tags: ['ops'], response: readiness } }, async (req, reply) => {
    const checks = await deps.readiness();
    const ok = checks.every((c) => c.ok);
    // Where the internals are not served, ready or not and nothing more.
    const shown = !internals
      ? []
      : canSeeInternals(deps, req)
        ? checks
        : checks.map(({ name, ok }) => ({ name, ok }));
    return reply.status(ok ? 200 : 503).send({ ok, checks: shown });
  });
  if (!internals) return;
  const metrics = { 200: { description: 'Prometheus text format', type: 'string' } };
  app.get('/metrics', { schema: { hide: true, response: metrics } }, async (req, reply) => {
    if (!canSeeInternals(deps, req)) throw appError('UNAUTHORIZED', 'Metrics need the scrape token');
    const pool = deps.pool;
    deps.metrics.poolClients.set({ state: 'total' }, pool.totalCount);
    deps.metrics.poolClients.set({ state: 'idle' }, pool.idleCount);
    deps.metrics.poolClients.set({ state: 'waiting' }, pool.waitingCount);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
