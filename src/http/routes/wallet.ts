import type { FastifyInstance } from 'fastify';
import { getWallet, listEntries } from '../../ledger/queries.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { submitMoney } from '../submit-money.ts';
import { page, ref } from '../responses.ts';
import { amount, bearer, cursorQuery, idempotencyHeaders, parseCursor } from '../schemas.ts';

export function walletRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get(
    '/v1/wallet',
    {
      preValidation: guard.player,
      schema: { tags: ['wallet'], security: bearer, response: { 200: ref('Wallet') } },
    },
    // The balance a player decides on: the primary, never a replica that may lag.
    async (req) => getWallet(deps.pool, currentUser(req).userId),
  );
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/wallet/entries',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        querystring: cursorQuery,
        response: { 200: page('entries', ref('WalletEntry')) },
      },
    },
    // History may lag a moment behind: the read replica when there is one.
    async (req) => listEntries(deps.readPool, currentUser(req).userId, parseCursor(req.query)),
  );
  app.post<{ Body: { amount: number } }>(
    '/v1/wallet/withdrawals',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        headers: idempotencyHeaders(true),
        body: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount } },
        response: { 202: { description: 'Requested: the amount is held', ...ref('Withdrawal') } },
      },
    },
    async (req, reply) =>
      submitMoney(
        deps,
        req,
        reply,
        { type: 'requestWithdrawal', userId: currentUser(req).userId, amount: BigInt(req.body.amount) },
        { requireKey: true },
      ),
  );
}
