// For a process that runs the gateway role without the API (`--roles gateway`): the stream
// plus /metrics, /healthz and /readyz, on the same port layout as the API. It never listens.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createLogger } from '../observability/logger.ts';
import { guards } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerContract } from './responses.ts';
import { opsRoutes } from './routes/ops.ts';
import { streamRoutes } from './routes/stream.ts';

export async function buildGatewayApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.config.logLevel === 'silent'
      ? {}
      : { loggerInstance: createLogger(deps.config.logLevel, deps.config.logFormat) as FastifyBaseLogger }),
  });
  registerContract(app);
  registerErrorHandler(app);
  opsRoutes(app, deps);
  streamRoutes(app, deps, guards(deps.sessions));
  return app;
}
