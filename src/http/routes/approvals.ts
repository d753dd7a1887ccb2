// Four eyes (issue 12): the waiting approvals, and a second operator carrying one out. The
// requests come from POST /v1/admin/deposits and POST /v1/admin/rounds/:id/void (admin.ts),
// which answer 202 {"approvalId"} instead of moving money.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listApprovals, requestApproval, type ApprovalRequest } from '../../backoffice/approvals.ts';
import { idJson } from '../../ledger/json.ts';
import { currentUser, type Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { submitMoney } from '../submit-money.ts';
import { bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';
import { emptyBodyAsObject, reasonBody } from './reason.ts';

const nullableId = { type: ['integer', 'null'] } as const;
const nullableText = { type: ['string', 'null'] } as const;

export const approvalSchema = {
  type: 'object',
  required: ['approvalId', 'kind', 'status', 'requestedBy', 'requestedAt', 'amount'],
  properties: {
    approvalId: { type: 'integer', minimum: 1 },
    kind: { type: 'string', enum: ['deposit', 'void'] },
    status: { type: 'string', enum: ['WAITING', 'APPROVED', 'REJECTED'] },
    requestedBy: { type: 'integer', minimum: 1 },
    requester: nullableText,
    requestedAt: { type: 'string', format: 'date-time' },
    reason: nullableText,
    userId: nullableId,
    roundId: nullableId,
    amount: {
      type: 'integer',
      minimum: 0,
      description: 'minor units: the deposit, or the stakes a void refunds',
    },
    reference: nullableText,
    decidedBy: nullableId,
    decider: nullableText,
    decidedAt: { type: ['string', 'null'], format: 'date-time' },
    result: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: 'the answer of the deposit or void once carried out',
    },
  },
} as const;

export function approvalRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get<{ Querystring: { cursor?: string; status?: string } }>(
    '/v1/admin/approvals',
    {
      preValidation: guard.requireRole('operator'),
      schema: {
        tags: ['admin'],
        summary: 'Deposits and voids waiting for a second operator (or decided, with ?status=)',
        security: bearer,
        querystring: {
          ...cursorQuery,
          properties: {
            ...cursorQuery.properties,
            status: { type: 'string', enum: ['WAITING', 'APPROVED', 'REJECTED', 'ALL'] },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['approvals', 'nextCursor'],
            properties: { approvals: { type: 'array', items: approvalSchema }, nextCursor: nullableText },
          },
        },
      },
    },
    async (req) => {
      const status = req.query.status ?? 'WAITING';
      return listApprovals(deps.readPool, status === 'ALL' ? undefined : status, parseCursor(req.query));
    },
  );

  for (const [suffix, approve] of [
    ['', true],
    ['/reject', false],
  ] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string } }>(
      `/v1/admin/approvals/:id${suffix}`,
      {
        preValidation: [guard.requireRole('operator'), emptyBodyAsObject],
        schema: {
          tags: ['admin'],
          summary: approve
            ? 'Carry out a waiting deposit or void (a second operator; exactly once)'
            : 'Reject a waiting deposit or void (a second operator)',
          security: bearer,
          params: idParam,
          body: reasonBody(),
          response: { 200: { description: 'The decided approval', ...approvalSchema } },
        },
      },
      async (req, reply) =>
        submitMoney(
          deps,
          req,
          reply,
          {
            type: 'decideApproval',
            approvalId: parseId(req.params.id),
            approve,
            ...(req.body.reason?.trim() ? { reason: req.body.reason.trim() } : {}),
          },
          { requireKey: false },
        ),
    );
  }
}

/** The 202 of a deposit or void that now waits for a second operator. */
export const approvalRequested = {
  description:
    'Above the four-eyes threshold (or a void after the reveal): nothing moved; it waits for a second operator',
  type: 'object',
  required: ['approvalId', 'kind', 'status'],
  properties: {
    approvalId: { type: 'integer', minimum: 1 },
    kind: { type: 'string', enum: ['deposit', 'void'] },
    status: { type: 'string', enum: ['WAITING', 'APPROVED', 'REJECTED'] },
  },
} as const;

/** Records the request (or finds the same one) and answers 202 {approvalId}; moves nothing. */
export async function answerWithApproval(
  deps: AppDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  request: ApprovalRequest,
): Promise<FastifyReply> {
  const { approval, created } = await requestApproval(deps.pool, currentUser(req).userId, request);
  req.log.info(
    { audit: 'approval_request', actor: req.principal?.username, approvalId: String(approval.id), created },
    'four eyes: waiting for a second operator',
  );
  return reply
    .status(202)
    .send({ approvalId: idJson(approval.id), kind: approval.kind, status: approval.status });
}
