// GET /v1/stream: the WebSocket gateway on the API's own port (protocol in docs/web.md).
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { createGateway, type GatewayOptions } from '../../gateway/gateway.ts';
import { appError } from '../../errors.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { noBody } from '../responses.ts';

type StreamQuery = { Querystring: { token?: string } };

export function streamRoutesWith(options: GatewayOptions = {}) {
  return (app: FastifyInstance, deps: AppDeps, _guard: Guards): void => {
    const gateway = createGateway(
      {
        events: deps.events,
        tokens: deps.sessions,
        db: deps.pool,
        metrics: deps.metrics,
        onError: (err, what) => app.log.warn({ err, what }, 'gateway read failed; clients will refetch'),
      },
      options,
    );
    app.addHook('onClose', async () => gateway.close());
    void app.register(websocket, {
      // Clients only send auth and ping; anything bigger is not ours.
      options: { maxPayload: 8 * 1024, perMessageDeflate: false },
      // A client vanishing mid-frame is normal life for a gateway, not an error to page about.
      errorHandler: (err, socket, req) => {
        req.log.debug({ err }, 'websocket client error');
        socket.terminate();
      },
    });
    // Declared inside a plugin registered after @fastify/websocket, so its onRoute hook sees it.
    void app.register(async (scope) => {
      scope.route<StreamQuery>({
        method: 'GET',
        url: '/v1/stream',
        // The access log would otherwise record ?token= in the URL.
        logLevel: 'warn',
        schema: {
          tags: ['stream'],
          description:
            'WebSocket: round, bet and balance events. Authenticate with ?token= or a first message {"type":"auth","token":"..."}. See docs/web.md.',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } },
          },
          // A plain GET (no Upgrade) is a 400 in the error envelope.
          response: { 101: noBody('Switching Protocols: the WebSocket is open') },
        },
        handler: async () => {
          throw appError('VALIDATION', 'GET /v1/stream is a WebSocket endpoint: send an Upgrade request');
        },
        wsHandler: (socket, req) => gateway.accept(socket, req.query.token),
      });
    });
  };
}

export const streamRoutes = streamRoutesWith();
