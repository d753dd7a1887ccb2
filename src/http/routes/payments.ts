// The payment provider's callback, and the local test provider that signs callbacks the same
// way. The callback is trusted only for its signature: HMAC-SHA256 over the raw body with
// PAYMENT_CALLBACK_SECRET (src/payments/signature.ts), checked before the body is looked at.
// It credits the deposit the player started as an ordinary deposit with the reference
// `payment:<id>`, so a replayed or repeated callback credits it once (the deposit key, I5).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { appError } from '../../errors.ts';
import { depositIntentJson, getDepositIntent, paymentReference } from '../../payments/intents.ts';
import { SIGNATURE_HEADER, signCallback, verifyCallback } from '../../payments/signature.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ref } from '../responses.ts';

const callbackBody = {
  type: 'object',
  required: ['depositId', 'amount', 'status'],
  additionalProperties: false,
  properties: {
    depositId: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    amount: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    status: { type: 'string', enum: ['succeeded', 'failed'] },
    providerReference: { type: 'string', maxLength: 200 },
  },
} as const;

type Callback = {
  depositId: number;
  amount: number;
  status: 'succeeded' | 'failed';
  providerReference?: string;
};

const rawBodies = new WeakMap<FastifyRequest, Buffer>();
const TEST_PAGE = fileURLToPath(new URL('../../../web/test-provider.html', import.meta.url));

export function paymentRoutes(app: FastifyInstance, deps: AppDeps, _guard: Guards): void {
  const secret = deps.config.funding.paymentCallbackSecret;
  // Its own scope: only here is JSON kept as the bytes that were signed.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      rawBodies.set(req, body as Buffer);
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(Object.assign(new SyntaxError('The request body is not valid JSON'), { statusCode: 400 }));
      }
    });
    scope.post<{ Body: Callback }>(
      '/v1/payments/callback',
      {
        schema: {
          tags: ['payments'],
          description: `Called by the payment provider, signed: header ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body with PAYMENT_CALLBACK_SECRET>`,
          headers: {
            type: 'object',
            required: [SIGNATURE_HEADER],
            properties: { [SIGNATURE_HEADER]: { type: 'string' } },
          },
          body: callbackBody,
          response: { 200: { description: 'The deposit after the callback', ...ref('DepositIntent') } },
        },
        // The signature first: an unsigned caller learns nothing about the body's shape.
        preValidation: async (req) => {
          if (secret === undefined) throw appError('PAYMENTS_OFF');
          const header = req.headers[SIGNATURE_HEADER];
          const raw = rawBodies.get(req);
          if (!raw || !verifyCallback(secret, raw, typeof header === 'string' ? header : undefined)) {
            throw appError('PAYMENT_SIGNATURE_INVALID');
          }
        },
      },
      async (req) => {
        const intentId = BigInt(req.body.depositId);
        const intent = await getDepositIntent(deps.pool, intentId);
        if (!intent) throw appError('NOT_FOUND', `No deposit ${req.body.depositId}`);
        if (intent.amount !== BigInt(req.body.amount)) {
          throw appError('PAYMENT_MISMATCH', `Deposit ${intentId} was started for ${intent.amount}`);
        }
        req.log.info(
          {
            depositId: req.body.depositId,
            status: req.body.status,
            providerReference: req.body.providerReference,
          },
          'payment callback',
        );
        if (req.body.status === 'failed') return depositIntentJson(intent, null);
        const outcome = await deps.money.run({
          op: {
            type: 'deposit',
            userId: intent.user_id,
            amount: intent.amount,
            reference: paymentReference(intentId),
          },
          ctx: { requestId: req.id },
        });
        deps.metrics.moneyOps.inc({ type: 'deposit', outcome: outcome.ok ? 'ok' : outcome.error.code });
        if (!outcome.ok) throw outcome.error;
        return depositIntentJson((await getDepositIntent(deps.pool, intentId))!, null);
      },
    );
  });

  if (!deps.config.funding.paymentTestProvider || secret === undefined) return;
  // The local test provider: a page where the player "pays", and the route behind its button,
  // which signs the callback exactly as a provider would and delivers it to this service.
  app.get(
    '/test-provider',
    { schema: { hide: true, response: { 200: { description: 'an HTML page', type: 'string' } } } },
    async (_req, reply) => reply.type('text/html; charset=utf-8').send(await readFile(TEST_PAGE)),
  );
  app.post<{ Body: Callback }>(
    '/test-provider/pay',
    {
      schema: {
        tags: ['payments'],
        description: 'The local test provider (PAYMENT_TEST_PROVIDER=1): signs and sends the callback',
        body: callbackBody,
        response: {
          200: {
            type: 'object',
            required: ['callbackStatus', 'callbackBody'],
            properties: { callbackStatus: { type: 'integer' }, callbackBody: {} },
          },
        },
      },
    },
    async (req) => {
      const payload = JSON.stringify({ ...req.body, providerReference: `test-${Date.now()}` });
      const res = await app.inject({
        method: 'POST',
        url: '/v1/payments/callback',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signCallback(secret, payload) },
        payload,
      });
      return { callbackStatus: res.statusCode, callbackBody: res.json() as unknown };
    },
  );
}
