import type { FastifyInstance } from 'fastify';
import { userExists } from '../../auth/users.ts';
import { listWithdrawals } from '../../ledger/queries.ts';
import { isReservedReference } from '../../payments/intents.ts';
import { fourEyesAbove, roundStakes } from '../../backoffice/four-eyes.ts';
import { AppError, appError } from '../../errors.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { submitMoney } from '../submit-money.ts';
import { page, ref } from '../responses.ts';
import { amount, bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';
import { answerWithApproval, approvalRequested } from './approvals.ts';
import { emptyBodyAsObject, reasonBody, reasonProperty, requireReason } from './reason.ts';

const voided = {
  type: 'object',
  required: ['roundId', 'status', 'players', 'bets', 'refunded'],
  properties: {
    roundId: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: ['VOID'] },
    players: { type: 'integer', minimum: 0 },
    bets: { type: 'integer', minimum: 0 },
    refunded: { type: 'integer', minimum: 0, description: 'minor units returned to wallets' },
  },
} as const;

/** The `colorbet verify` report. */
const auditReport = {
  type: 'object',
  required: ['ok', 'checkedAt', 'mode', 'proved', 'checkpoint', 'checks'],
  properties: {
    ok: { type: 'boolean' },
    checkedAt: { type: 'string', format: 'date-time' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['invariant', 'name', 'ok', 'detail'],
        properties: {
          invariant: { type: 'string' },
          name: { type: 'string' },
          ok: { type: 'boolean' },
          detail: { type: 'string' },
          violations: { type: 'array', description: 'a sample of the offending rows', items: {} },
          ms: { type: 'integer', minimum: 0, description: 'how long the check took' },
        },
      },
    },
    mode: { type: 'string', enum: ['full', 'incremental'] },
    proved: {
      type: 'object',
      description: 'what this run read: transfers after the checkpoint, rounds in scope',
      required: ['transfers', 'rounds', 'seconds'],
      properties: {
        transfers: { type: 'integer', minimum: 0 },
        rounds: { type: 'integer', minimum: 0 },
        seconds: { type: 'number', minimum: 0 },
      },
    },
    checkpoint: {
      type: 'object',
      description: 'the checkpoint after the run; it moves only when every check held',
      required: ['advanced'],
      properties: {
        advanced: { type: 'boolean' },
        reason: { type: 'string' },
        txid: { type: 'string' },
        id: { type: 'string' },
        roundId: { type: 'string' },
        heldBackBy: {
          type: 'string',
          description:
            'set when transfers read stay past the checkpoint: the oldest transaction still running when the run began',
        },
      },
    },
  },
} as const;

export function adminRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.post<{ Body: { userId: number; amount: number; reference: string; reason?: string } }>(
    '/v1/admin/deposits',
    {
      preValidation: guard.operator,
      schema: {
        tags: ['admin'],
        security: bearer,
        body: {
          type: 'object',
          required: ['userId', 'amount', 'reference'],
          additionalProperties: false,
          properties: {
            userId: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            amount,
            reference: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              pattern: '^[^\\u0000-\\u001f\\u007f]+$',
            },
            reason: reasonProperty,
          },
        },
        response: {
          201: { description: 'Credited (or the first deposit of this reference)', ...ref('Deposit') },
          202: approvalRequested,
        },
      },
    },
    async (req, reply) => {
      const value = BigInt(req.body.amount);
      if (value > deps.config.maxDeposit) {
        throw appError('INVALID_AMOUNT', `A deposit is at most ${deps.config.maxDeposit}`, {
          maxDeposit: Number(deps.config.maxDeposit),
        });
      }
      // demo: and payment: references are written only by the service (src/payments/intents.ts).
      if (isReservedReference(req.body.reference)) {
        throw appError('VALIDATION', 'References starting with demo: or payment: are reserved', {
          field: 'reference',
        });
      }
      const userId = BigInt(req.body.userId);
      if (!(await userExists(deps.pool, userId))) throw appError('NOT_FOUND', 'No such user');
      // Four eyes: above the threshold nothing moves until a second operator approves.
      if (value > (await fourEyesAbove(deps.pool, deps.config.fourEyesAbove))) {
        const reason = req.body.reason?.trim();
        return answerWithApproval(deps, req, reply, {
          kind: 'deposit',
          userId,
          amount: value,
          reference: req.body.reference,
          ...(reason ? { reason } : {}),
        });
      }
      req.log.info(
        {
          audit: 'deposit',
          actor: req.principal?.username,
          userId: req.body.userId,
          amount: req.body.amount,
          reference: req.body.reference,
          idempotencyKey: req.headers['idempotency-key'],
        },
        'operator deposit',
      );
      return submitMoney(
        deps,
        req,
        reply,
        { type: 'deposit', userId, amount: value, reference: req.body.reference },
        { requireKey: false },
      );
    },
  );

  const decideSchema = {
    preValidation: guard.operator,
    schema: {
      tags: ['admin'],
      security: bearer,
      params: idParam,
      response: { 200: { description: 'The decided withdrawal', ...ref('Withdrawal') } },
    },
  };
  for (const [action, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/v1/admin/withdrawals/:id/${action}`,
      decideSchema,
      async (req, reply) => {
        req.log.info(
          {
            audit: `withdrawal_${action}`,
            actor: req.principal?.username,
            withdrawalId: req.params.id,
            idempotencyKey: req.headers['idempotency-key'],
          },
          'operator decision',
        );
        const op = { type: 'decideWithdrawal', withdrawalId: parseId(req.params.id), approve } as const;
        return submitMoney(deps, req, reply, op, { requireKey: false });
      },
    );
  }

  app.get<{ Querystring: { cursor?: string; status?: string } }>(
    '/v1/admin/withdrawals',
    {
      // Reading players' withdrawals is player data: support too; deciding them is money.
      preValidation: guard.requireRole('operator', 'support'),
      schema: {
        tags: ['admin'],
        security: bearer,
        querystring: {
          ...cursorQuery,
          properties: {
            ...cursorQuery.properties,
            status: { type: 'string', enum: ['REQUESTED', 'APPROVED', 'REJECTED'] },
          },
        },
        response: { 200: page('withdrawals', ref('Withdrawal')) },
      },
    },
    async (req) => listWithdrawals(deps.pool, req.query.status, parseCursor(req.query)),
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    '/v1/admin/rounds/:id/void',
    {
      preValidation: [guard.operator, emptyBodyAsObject],
      schema: {
        tags: ['admin'],
        summary:
          'Void a round and refund every stake (a reason is required; four eyes above the threshold or after the reveal)',
        security: bearer,
        params: idParam,
        body: reasonBody(),
        response: { 200: voided, 202: approvalRequested },
      },
    },
    async (req, reply) => {
      const reason = requireReason(req.body.reason);
      const roundId = parseId(req.params.id);
      const round = await roundStakes(deps.pool, roundId);
      if (!round) throw appError('NOT_FOUND', `No round ${roundId}`);
      const approval = { kind: 'void', roundId, amount: round.staked, reason } as const;
      // After the reveal (CLOSED, SETTLING) a void always needs a second operator; before it,
      // only above the threshold. A SETTLED or VOID round goes on to the money operation,
      // which refuses it (or replays the first answer of an Idempotency-Key).
      const revealed = round.status === 'CLOSED' || round.status === 'SETTLING';
      const settled = round.status === 'SETTLED' || round.status === 'VOID';
      if (
        !settled &&
        (revealed || round.staked > (await fourEyesAbove(deps.pool, deps.config.fourEyesAbove)))
      ) {
        return answerWithApproval(deps, req, reply, approval);
      }
      req.log.info(
        {
          audit: 'round_void',
          actor: req.principal?.username,
          roundId: req.params.id,
          reason,
          idempotencyKey: req.headers['idempotency-key'],
        },
        'operator void',
      );
      return submitMoney(
        deps,
        req,
        reply,
        { type: 'voidRound', roundId, reason },
        { requireKey: false },
      ).catch((err: unknown) => {
        // The round closed meanwhile (the void's transaction saw it): it now needs four eyes.
        if (err instanceof AppError && err.code === 'APPROVAL_REQUIRED') {
          return answerWithApproval(deps, req, reply, approval);
        }
        throw err;
      });
    },
  );

  app.get(
    '/v1/admin/audit',
    {
      preValidation: guard.requireRole('auditor', 'operator'),
      schema: { tags: ['admin'], security: bearer, response: { 200: auditReport } },
    },
    async () => deps.audit(),
  );
}
