import type { FastifyInstance } from 'fastify';
import { betJson, getBetView, listBets } from '../../betting/bets.ts';
import { AppError, appError } from '../../errors.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { submitMoney } from '../submit-money.ts';
import { page, ref } from '../responses.ts';
import {
  amount,
  bearer,
  cursorQuery,
  idempotencyHeaders,
  idParam,
  parseCursor,
  parseId,
} from '../schemas.ts';

const PAGE = 50;

/** The body of POST /v1/bets (also what the benchmark's no-op route validates). */
export const betBody = {
  type: 'object',
  required: ['roundId', 'side', 'amount'],
  additionalProperties: false,
  properties: {
    roundId: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    side: { type: 'string', minLength: 1, maxLength: 32 },
    amount,
  },
  // What /docs puts in "Try it out": take roundId from GET /v1/rounds/current.
  examples: [{ roundId: 1, side: 'red', amount: 100 }],
} as const;

export function betRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.post<{ Body: { roundId: number; side: string; amount: number } }>(
    '/v1/bets',
    {
      preValidation: guard.player,
      schema: {
        tags: ['bets'],
        security: bearer,
        headers: idempotencyHeaders(true),
        body: betBody,
        response: { 202: { description: 'Accepted: matched by the match worker', ...ref('Bet') } },
      },
    },
    async (req, reply) => {
      try {
        const op = {
          type: 'placeBet',
          userId: currentUser(req).userId,
          roundId: BigInt(req.body.roundId),
          side: req.body.side,
          amount: BigInt(req.body.amount),
        } as const;
        // A replay is not a new bet: only first answers count as accepted.
        return await submitMoney(deps, req, reply, op, {
          requireKey: true,
          onAccepted: () => deps.metrics.betsAccepted.inc(),
        });
      } catch (err) {
        deps.metrics.betsRejected.inc({ reason: err instanceof AppError ? err.code : 'INTERNAL' });
        throw err;
      }
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/bets/:id',
    {
      preValidation: guard.authenticated,
      schema: { tags: ['bets'], security: bearer, params: idParam, response: { 200: ref('Bet') } },
    },
    async (req) => {
      const bet = await getBetView(deps.pool, parseId(req.params.id));
      if (!bet) throw appError('NOT_FOUND', `No bet ${req.params.id}`);
      const me = currentUser(req);
      if (bet.user_id !== me.userId && me.role !== 'operator') throw appError('FORBIDDEN', 'Not your bet');
      return betJson(bet);
    },
  );
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/bets',
    {
      preValidation: guard.player,
      schema: {
        tags: ['bets'],
        security: bearer,
        querystring: cursorQuery,
        response: { 200: page('bets', ref('Bet')) },
      },
    },
    async (req) => {
      // A list may lag a moment behind (the read replica); GET /v1/bets/:id, which a client
      // polls right after placing, reads the primary.
      const rows = await listBets(deps.readPool, currentUser(req).userId, parseCursor(req.query), PAGE + 1);
      const page = rows.slice(0, PAGE);
      return {
        bets: page.map(betJson),
        nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
      };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/bets/:id',
    {
      preValidation: guard.player,
      schema: {
        tags: ['bets'],
        security: bearer,
        headers: idempotencyHeaders(false),
        params: idParam,
        response: { 200: { description: 'The bet after the cancel', ...ref('Bet') } },
      },
    },
    async (req, reply) =>
      submitMoney(
        deps,
        req,
        reply,
        { type: 'cancelBet', userId: currentUser(req).userId, betId: parseId(req.params.id) },
        {
          requireKey: false,
        },
      ),
  );
}
