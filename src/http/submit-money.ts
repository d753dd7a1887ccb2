// Submitting a money operation from an HTTP request (submitMoney): routes hand their operations to
// the transaction service (src/money.ts) through here; the Idempotency-Key header becomes a claim
// scoped to the caller, and the outcome becomes the HTTP answer (a replay answers exactly as the
// first time).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appError } from '../errors.ts';
import { requestFingerprint, type IdempotencyClaim } from '../ledger/idempotency.ts';
import type { MoneyOperation, MoneyService } from '../money.ts';
import type { Metrics } from '../observability/metrics.ts';
import { currentUser } from './auth.ts';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function idempotencyClaim(req: FastifyRequest, required: boolean): IdempotencyClaim | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) {
    if (required) throw appError('IDEMPOTENCY_KEY_REQUIRED');
    return undefined;
  }
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || !KEY_PATTERN.test(key)) {
    throw appError('VALIDATION', 'Idempotency-Key must be 1-200 printable ASCII characters');
  }
  const caller = currentUser(req);
  return {
    scope: `user:${caller.userId}`,
    key,
    requestHash: requestFingerprint({
      method: req.method,
      route: req.routeOptions.url,
      params: req.params,
      body: req.body ?? null,
    }),
  };
}

/** A client's own X-Request-Id, logged beside ours (never used as ours: it cannot spoof the ledger). */
function clientRequestId(req: FastifyRequest): { clientRequestId?: string } {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && given !== '' ? { clientRequestId: given.slice(0, 128) } : {};
}

export async function submitMoney(
  deps: { money: MoneyService; metrics: Metrics },
  req: FastifyRequest,
  reply: FastifyReply,
  op: MoneyOperation,
  options: { requireKey: boolean; onAccepted?: () => void },
): Promise<FastifyReply> {
  const idempotency = idempotencyClaim(req, options.requireKey);
  const outcome = await deps.money.run({
    op,
    idempotency,
    ctx: { requestId: req.id, actorId: req.principal?.userId },
  });
  deps.metrics.moneyOps.inc({ type: op.type, outcome: outcome.ok ? 'ok' : outcome.error.code });
  // One line per money movement (or refusal), with the request id that follows the bet into the workers.
  req.log.info(
    {
      money: Object.fromEntries(
        Object.entries(op).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
      ),
      outcome: outcome.ok ? 'ok' : outcome.error.code,
      status: outcome.ok ? outcome.status : outcome.error.status,
      replayed: outcome.ok && outcome.replayed,
      idempotencyKey: idempotency?.key,
      ...clientRequestId(req),
      result: outcome.ok ? outcome.body : undefined,
    },
    'money operation',
  );
  if (!outcome.ok) throw outcome.error;
  if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
  else options.onAccepted?.();
  return reply.status(outcome.status).send(outcome.body);
}
