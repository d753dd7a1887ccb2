// Named back-office accounts and the audit log (issue 12): operators list staff and grant or
// revoke roles; auditors (and operators) read the audit log of every back-office action.
import type { FastifyInstance } from 'fastify';
import { listStaff, setStaffRole, type StaffRoleOrNone } from '../../backoffice/staff.ts';
import { listAuditLog } from '../../ledger/audit-log.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';
import { reasonBody, requireReason } from './reason.ts';

const nullableId = { type: ['integer', 'null'] } as const;
const nullableText = { type: ['string', 'null'] } as const;
const staffAccount = {
  type: 'object',
  required: ['userId', 'username', 'role', 'createdAt'],
  properties: {
    userId: { type: 'integer', minimum: 1 },
    username: { type: 'string' },
    role: { type: 'string', enum: ['operator', 'support', 'auditor', 'none'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;
const auditEntry = {
  type: 'object',
  required: ['id', 'at', 'actorId', 'actor', 'action', 'subjectUserId', 'subject', 'roundId', 'approvalId'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    at: { type: 'string', format: 'date-time' },
    actorId: nullableId,
    actor: nullableText,
    action: {
      type: 'string',
      description: 'role.grant, role.revoke, approval.request, approval.approve, ...',
    },
    subjectUserId: nullableId,
    subject: nullableText,
    roundId: nullableId,
    approvalId: nullableId,
    reason: nullableText,
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

export function staffRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get(
    '/v1/admin/staff',
    {
      preValidation: guard.requireRole('operator'),
      schema: {
        tags: ['admin'],
        summary: 'Back-office accounts and their roles',
        security: bearer,
        response: {
          200: {
            type: 'object',
            required: ['staff'],
            properties: { staff: { type: 'array', items: staffAccount } },
          },
        },
      },
    },
    async () => listStaff(deps.readPool),
  );

  app.post<{ Params: { id: string }; Body: { role: StaffRoleOrNone; reason?: string } }>(
    '/v1/admin/staff/:id/role',
    {
      preValidation: guard.requireRole('operator'),
      schema: {
        tags: ['admin'],
        summary: "Grant a back-office role, or revoke with role 'none' (audited; signs the account out)",
        security: bearer,
        params: idParam,
        body: reasonBody({ role: { type: 'string', enum: ['operator', 'support', 'auditor', 'none'] } }, [
          'role',
        ]),
        response: {
          200: {
            type: 'object',
            required: ['account', 'changed'],
            properties: { account: staffAccount, changed: { type: 'boolean' } },
          },
        },
      },
    },
    async (req) => {
      const reason = requireReason(req.body.reason);
      const me = currentUser(req);
      const userId = parseId(req.params.id);
      const out = await setStaffRole(deps.pool, me.userId, userId, req.body.role, reason);
      if (out.changed) {
        // Every session of the account ends: its next login carries the new role.
        await deps.sessions.logout({ userId, role: req.body.role, username: out.account.username }, true);
      }
      return out;
    },
  );

  app.get<{ Querystring: { cursor?: string; userId?: string; action?: string } }>(
    '/v1/admin/audit-log',
    {
      preValidation: guard.requireRole('auditor', 'operator'),
      schema: {
        tags: ['admin'],
        summary: 'Every back-office action, newest first',
        security: bearer,
        querystring: {
          ...cursorQuery,
          properties: {
            ...cursorQuery.properties,
            userId: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
            action: { type: 'string', pattern: '^[a-z][a-z_.]{0,63}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['entries', 'nextCursor'],
            properties: { entries: { type: 'array', items: auditEntry }, nextCursor: nullableText },
          },
        },
      },
    },
    async (req) =>
      listAuditLog(deps.readPool, {
        ...(req.query.userId ? { subjectUserId: BigInt(req.query.userId) } : {}),
        ...(req.query.action ? { action: req.query.action } : {}),
        ...(parseCursor(req.query) !== undefined ? { cursor: parseCursor(req.query)! } : {}),
      }),
  );
}
