// buildApp(deps): the whole HTTP API as a Fastify instance. It never listens; the CLI does.
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { appError } from '../errors.ts';
import { createLogger } from '../observability/logger.ts';
import { parseQuery } from './query.ts';
import { documentRoute } from './document-route.ts';
import { API_DESCRIPTION } from './route-docs.ts';
import { guards } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerContract } from './responses.ts';
import { registerRateLimit } from './rate-limit.ts';
import { adminRoutes } from './routes/admin.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { backOfficeRoutes } from './routes/back-office.ts';
import { authRoutes } from './routes/auth.ts';
import { betRoutes } from './routes/bets.ts';
import { gameConfigRoutes } from './routes/game-config.ts';
import { rulesRoutes } from './routes/rules.ts';
import { fundingRoutes } from './routes/funding.ts';
import { paymentRoutes } from './routes/payments.ts';
import { benchRoutes } from './routes/bench.ts';
import { roundRoutes } from './routes/rounds.ts';
import { internalOpsRoutes, opsRoutes } from './routes/ops.ts';
import { operatorRoundRoutes } from './routes/operator-rounds.ts';
import { reportRoutes } from './routes/reports.ts';
import { protectionRoutes } from './routes/protection.ts';
import { staffRoutes } from './routes/staff.ts';
import { streamRoutes } from './routes/stream.ts';
import { suspensionRoutes } from './routes/suspensions.ts';
import { walletRoutes } from './routes/wallet.ts';
import { webRoutes } from './routes/web.ts';

export type RouteModule = (app: FastifyInstance, deps: AppDeps, guard: ReturnType<typeof guards>) => void;

export async function buildApp(deps: AppDeps, extraRoutes: RouteModule[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    // One audit line per money operation (http/submit-money.ts) instead of two lines per request.
    ...(deps.config.logLevel === 'silent'
      ? {}
      : { loggerInstance: createLogger(deps.config.logLevel, deps.config.logFormat) as FastifyBaseLogger }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Ours, always: the id goes into the ledger's request_id, so a client must not choose it.
    // A client's own X-Request-Id is logged as clientRequestId (http/submit-money.ts).
    genReqId: () => randomUUID(),
    // X-Forwarded-For is believed only from the proxies in TRUST_PROXY.
    trustProxy: deps.config.trustProxy.length ? [...deps.config.trustProxy] : false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // `?cursor=` (empty) is no cursor, as docs/api.md writes it.
    routerOptions: { querystringParser: parseQuery },
    // Errors Fastify raises before routing (bad URL encoding, over-long path parameters) get
    // the same error body as everything else.
    frameworkErrors: (err, _req, reply) => {
      void (reply as unknown as FastifyReply).status(400).send(appError('VALIDATION', err.message).toBody());
    },
  });
  // Every route declares its answers, errors in the one envelope (http/responses.ts).
  registerContract(app);
  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    // The access log: one line per request at debug (money operations have their own line at
    // info, http/submit-money.ts). The path without its query, which may carry a token.
    if (req.log.level === 'debug' || req.log.level === 'trace') {
      req.log.debug(
        {
          method: req.method,
          path: req.url.split('?')[0],
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
    }
  });
  registerErrorHandler(app);
  // Security headers on every answer (CSP: scripts and styles from this origin only; the pages
  // and the API docs need nothing else), and no cross-origin access unless CORS_ORIGINS says so.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
      },
    },
  });
  await app.register(cors, { origin: deps.config.corsOrigins.length ? [...deps.config.corsOrigins] : false });
  await registerRateLimit(app, deps);
  await app.register(swagger, {
    // Shared schemas go to components/schemas under their own names (Bet, Round, ...), so a
    // generated client has one named type for each.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      info: { title: 'colorbet API', version: '1.0.0', description: API_DESCRIPTION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Each operation's summary and description (http/route-docs.ts, applied by
  // http/document-route.ts), as each route is added.
  app.addHook('onRoute', documentRoute);
  const guard = guards(deps.sessions);
  for (const routes of [
    opsRoutes,
    authRoutes,
    walletRoutes,
    fundingRoutes,
    paymentRoutes,
    roundRoutes,
    betRoutes,
    adminRoutes,
    operatorRoundRoutes,
    gameConfigRoutes,
    rulesRoutes,
    approvalRoutes,
    staffRoutes,
    suspensionRoutes,
    reportRoutes,
    backOfficeRoutes,
    streamRoutes,
    webRoutes,
    benchRoutes,
    protectionRoutes,
    ...extraRoutes,
  ]) {
    routes(app, deps, guard);
  }
  return app;
}

/** /metrics, /healthz and detailed /readyz only: the internal listener (METRICS_PORT, worker-only processes). */
export async function buildOpsApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerContract(app);
  registerErrorHandler(app);
  internalOpsRoutes(app, deps);
  return app;
}
