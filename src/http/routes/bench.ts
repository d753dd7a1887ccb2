// POST /v1/bench/noop-bet, served only with BENCH_ROUTES=1: the bet route without the
// database. It authenticates the player, validates the same body, reads the Idempotency-Key
// and computes the same request fingerprint, then answers 202. The benchmark compares bet
// placement against it to show what the database and the transaction service cost.
import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { idempotencyClaim } from '../submit-money.ts';
import { bearer } from '../schemas.ts';
import { betBody } from './bets.ts';

const noopBet = {
  type: 'object',
  properties: { betId: { type: 'integer' }, userId: { type: 'integer' }, status: { type: 'string' } },
} as const;

export function benchRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  if (!deps.config.benchRoutes) return;
  app.post<{ Body: { roundId: number; side: string; amount: number } }>(
    '/v1/bench/noop-bet',
    {
      preValidation: guard.player,
      schema: { hide: true, security: bearer, body: betBody, response: { 202: noopBet } },
    },
    async (req, reply) => {
      idempotencyClaim(req, true);
      return reply.status(202).send({ betId: 0, userId: Number(currentUser(req).userId), status: 'PENDING' });
    },
  );
}
