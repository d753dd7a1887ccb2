// How a player gets money in and out, as the player sees it: which ways are offered here
// (GET /v1/funding), demo funds (the embedded default), deposits through the payment provider
// (a real deployment; credited by its signed callback, routes/payments.ts), and the player's
// own deposits and withdrawals with their status through to paid.
import type { FastifyInstance } from 'fastify';
import { appError } from '../../errors.ts';
import { amountJson } from '../../ledger/json.ts';
import { withdrawalJson } from '../../ledger/wallet-ops.ts';
import {
  createDepositIntent,
  demoReference,
  depositIntentJson,
  listDepositIntents,
  type DepositIntent,
} from '../../payments/intents.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { submitMoney } from '../submit-money.ts';
import { page, ref } from '../responses.ts';
import { amount, bearer, cursorQuery, parseCursor } from '../schemas.ts';

const PAGE = 20;

/** Where the player goes to pay: the provider's page, or the local test provider. */
export function payUrl(deps: AppDeps, intent: DepositIntent): string {
  const base = deps.config.funding.paymentProviderUrl ?? '/test-provider';
  return `${base}${base.includes('?') ? '&' : '?'}depositId=${intent.id}&amount=${intent.amount}`;
}

export function fundingRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  const f = deps.config.funding;
  app.get('/v1/funding', { schema: { tags: ['wallet'], response: { 200: ref('Funding') } } }, async () => ({
    demoFunds: f.demoFunds
      ? { amount: amountJson(f.demoFundsAmount), everySeconds: f.demoFundsEverySeconds }
      : null,
    deposits: f.paymentCallbackSecret !== undefined,
    maxDeposit: amountJson(deps.config.maxDeposit),
  }));

  app.post(
    '/v1/wallet/demo-funds',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        response: {
          201: { description: 'Play money credited, marked demo in the ledger', ...ref('Deposit') },
        },
      },
    },
    async (req, reply) => {
      if (!f.demoFunds) throw appError('DEMO_FUNDS_OFF');
      const userId = currentUser(req).userId;
      const nowSeconds = Date.now() / 1000;
      const window = Math.floor(nowSeconds / f.demoFundsEverySeconds);
      const reference = demoReference(userId, window);
      // The deposit key on this reference is what allows one credit per window (even to two
      // requests at once: the second gets the first's deposit); this read only says "too soon".
      const taken = await deps.pool.query(
        `SELECT 1 FROM transfer_keys WHERE round_id = 0 AND scope = 'deposit' AND key = $1`,
        [reference],
      );
      if (taken.rowCount) {
        const retryAfterSeconds = Math.ceil((window + 1) * f.demoFundsEverySeconds - nowSeconds);
        throw appError(
          'DEMO_FUNDS_TOO_SOON',
          `Demo funds were added in the last ${f.demoFundsEverySeconds} s; try again in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        );
      }
      const op = { type: 'deposit', userId, amount: f.demoFundsAmount, reference } as const;
      return submitMoney(deps, req, reply, op, { requireKey: false });
    },
  );

  app.post<{ Body: { amount: number } }>(
    '/v1/wallet/deposits',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        body: { type: 'object', required: ['amount'], additionalProperties: false, properties: { amount } },
        response: {
          201: { description: 'Started: pay at payUrl; the provider credits it', ...ref('DepositIntent') },
        },
      },
    },
    async (req, reply) => {
      if (f.paymentCallbackSecret === undefined) throw appError('PAYMENTS_OFF');
      const value = BigInt(req.body.amount);
      if (value > deps.config.maxDeposit) {
        throw appError('INVALID_AMOUNT', 'That is more than one deposit may be', {
          maxDeposit: amountJson(deps.config.maxDeposit),
        });
      }
      const provider = f.paymentProviderUrl === undefined ? 'test' : 'provider';
      const intent = await createDepositIntent(deps.pool, currentUser(req).userId, value, provider);
      req.log.info({ depositId: intent.id.toString(), amount: req.body.amount }, 'deposit started');
      return reply.status(201).send(depositIntentJson(intent, payUrl(deps, intent)));
    },
  );

  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/wallet/deposits',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        querystring: cursorQuery,
        response: { 200: page('deposits', ref('DepositIntent')) },
      },
    },
    async (req) => {
      const rows = await listDepositIntents(
        deps.pool,
        currentUser(req).userId,
        parseCursor(req.query),
        PAGE + 1,
      );
      const shown = rows.slice(0, PAGE);
      return {
        deposits: shown.map((i) => depositIntentJson(i, i.credited_at ? null : payUrl(deps, i))),
        nextCursor: rows.length > PAGE ? String(shown[shown.length - 1]!.id) : null,
      };
    },
  );

  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/wallet/withdrawals',
    {
      preValidation: guard.player,
      schema: {
        tags: ['wallet'],
        security: bearer,
        querystring: cursorQuery,
        response: { 200: page('withdrawals', ref('Withdrawal')) },
      },
    },
    async (req) => {
      const { rows } = await deps.readPool.query<{
        id: bigint;
        user_id: bigint;
        amount: bigint;
        status: string;
        requested_at: Date;
        decided_at: Date | null;
      }>(`SELECT * FROM withdrawals WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [
        currentUser(req).userId,
        parseCursor(req.query) ?? BigInt(Number.MAX_SAFE_INTEGER),
        PAGE + 1,
      ]);
      const shown = rows.slice(0, PAGE);
      return {
        withdrawals: shown.map((w) =>
          withdrawalJson(w.id, w.user_id, w.amount, w.status, w.requested_at, w.decided_at),
        ),
        nextCursor: rows.length > PAGE ? String(shown[shown.length - 1]!.id) : null,
      };
    },
  );
}
