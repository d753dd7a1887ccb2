// Back-office actions carry a reason that goes into the audit log. A missing or blank one is
// REASON_REQUIRED (not a schema error), also when the request has no body at all.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appError } from '../../errors.ts';

export const reasonProperty = {
  type: 'string',
  maxLength: 500,
  description: 'why; kept in the audit log',
} as const;

/** A JSON body of `extra` properties plus `reason` (checked by requireReason, not the schema). */
export const reasonBody = (extra: Record<string, object> = {}, required: string[] = []) =>
  ({
    type: 'object',
    additionalProperties: false,
    ...(required.length ? { required } : {}),
    properties: { ...extra, reason: reasonProperty },
  }) as const;

/** preValidation: a request sent without a body is validated as `{}`. */
export async function emptyBodyAsObject(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

export function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') throw appError('REASON_REQUIRED');
  return trimmed;
}
