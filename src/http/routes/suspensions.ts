// Suspension (issue 12 item 5): support or an operator suspends a player (bets and withdrawals
// refused with 403 SUSPENDED, funds kept) and reinstates them; both audited with a reason.
import type { FastifyInstance } from 'fastify';
import {
  listSuspensions,
  reinstatePlayer,
  suspendPlayer,
  suspensionOf,
} from '../../backoffice/suspensions.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';
import { emptyBodyAsObject, reasonBody, requireReason } from './reason.ts';

const nullableText = { type: ['string', 'null'] } as const;
const suspension = {
  type: 'object',
  required: ['userId', 'username', 'suspended', 'suspendedBy', 'suspendedAt', 'reason'],
  properties: {
    userId: { type: 'integer', minimum: 1 },
    username: { type: 'string' },
    suspended: { type: 'boolean' },
    suspendedBy: nullableText,
    suspendedAt: { type: ['string', 'null'], format: 'date-time' },
    reason: nullableText,
  },
} as const;

export function suspensionRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  const support = guard.requireRole('support', 'operator');
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/admin/suspensions',
    {
      preValidation: support,
      schema: {
        tags: ['admin'],
        summary: 'Suspended players',
        security: bearer,
        querystring: cursorQuery,
        response: {
          200: {
            type: 'object',
            required: ['suspensions', 'nextCursor'],
            properties: { suspensions: { type: 'array', items: suspension }, nextCursor: nullableText },
          },
        },
      },
    },
    async (req) => listSuspensions(deps.readPool, parseCursor(req.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/admin/players/:id/suspension',
    {
      preValidation: support,
      schema: {
        tags: ['admin'],
        summary: "A player's suspension state",
        security: bearer,
        params: idParam,
        response: { 200: suspension },
      },
    },
    async (req) => suspensionOf(deps.pool, parseId(req.params.id)),
  );

  for (const [action, suspend] of [
    ['suspend', true],
    ['reinstate', false],
  ] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string } }>(
      `/v1/admin/players/:id/${action}`,
      {
        preValidation: [support, emptyBodyAsObject],
        schema: {
          tags: ['admin'],
          summary: suspend
            ? 'Suspend a player: bets and withdrawals refused, funds kept (audited)'
            : 'Reinstate a suspended player (audited)',
          security: bearer,
          params: idParam,
          body: reasonBody(),
          response: { 200: suspension },
        },
      },
      async (req) => {
        const reason = requireReason(req.body.reason);
        const userId = parseId(req.params.id);
        const me = currentUser(req).userId;
        return suspend
          ? suspendPlayer(deps.pool, me, userId, reason)
          : reinstatePlayer(deps.pool, me, userId, reason);
      },
    );
  }
}
