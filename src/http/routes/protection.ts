// Player protection (docs/player-protection.md): the player's own limits, time-out,
// self-exclusion and reality-check activity; support's read-only view of a player's.
// Bets and deposits are refused inside their own transactions (ledger/protection.ts), not here.
import type { FastifyInstance } from 'fastify';
import { userExists } from '../../auth/users.ts';
import { appError } from '../../errors.ts';
import { activitySince } from '../../ledger/activity.ts';
import {
  LIMIT_KINDS,
  LIMIT_PERIODS,
  SELF_EXCLUSION_DAYS,
  TIMEOUT_HOURS,
  getProtection,
  pauseAccount,
  protectionLog,
  setLimits,
  type LimitChanges,
} from '../../ledger/protection-settings.ts';
import type { Guards } from '../auth.ts';
import { currentUser } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { MAX_JSON_INTEGER, bearer, idParam, parseId } from '../schemas.ts';
import { protectionSchemas } from './protection-schemas.ts';

type LimitsBody = Partial<Record<string, Partial<Record<string, number | null>>>> & {
  realityCheckMinutes?: number | null;
};

const limitValue = { type: ['integer', 'null'], minimum: 0, maximum: MAX_JSON_INTEGER } as const;
const perPeriod = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(LIMIT_PERIODS.map((p) => [p, limitValue])),
} as const;
const limitsBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...Object.fromEntries(LIMIT_KINDS.map((k) => [k, perPeriod])),
    realityCheckMinutes: {
      type: ['integer', 'null'],
      minimum: 5,
      maximum: 480,
      description: 'minutes between reality checks on the player page; null turns them off',
    },
  },
} as const;

export function protectionRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  for (const schema of protectionSchemas) app.addSchema(schema);
  const view = { $ref: 'Protection#' } as const;
  const me = { tags: ['protection'], security: bearer } as const;

  app.get(
    '/v1/me/limits',
    { preValidation: guard.player, schema: { ...me, response: { 200: view } } },
    // The primary: the page shows what the next bet will be checked against.
    async (req) => getProtection(deps.pool, currentUser(req).userId),
  );
  app.put<{ Body: LimitsBody }>(
    '/v1/me/limits',
    {
      preValidation: guard.player,
      schema: {
        ...me,
        description: 'A lower limit applies at once; a higher one, or none, after the 24 h cooling-off.',
        body: limitsBody,
        response: { 200: view },
      },
    },
    async (req) => {
      const userId = currentUser(req).userId;
      const changes: LimitChanges = {};
      for (const kind of LIMIT_KINDS) {
        const given = req.body[kind];
        if (!given) continue;
        changes[kind] = Object.fromEntries(
          Object.entries(given).map(([period, v]) => [
            period,
            v === null || v === undefined ? null : BigInt(v),
          ]),
        );
      }
      await setLimits(deps.pool, userId, changes, req.body.realityCheckMinutes);
      return getProtection(deps.pool, userId);
    },
  );
  app.post<{ Body: { hours: number } }>(
    '/v1/me/timeout',
    {
      preValidation: guard.player,
      schema: {
        ...me,
        description: 'Bets and deposits are refused until it ends; it cannot be shortened.',
        body: {
          type: 'object',
          required: ['hours'],
          additionalProperties: false,
          properties: { hours: { type: 'integer', minimum: TIMEOUT_HOURS.min, maximum: TIMEOUT_HOURS.max } },
        },
        response: { 200: view },
      },
    },
    async (req) => {
      const userId = currentUser(req).userId;
      await pauseAccount(deps.pool, userId, { kind: 'timeout', hours: req.body.hours });
      return getProtection(deps.pool, userId);
    },
  );
  app.post<{ Body: { days: number } }>(
    '/v1/me/self-exclusion',
    {
      preValidation: guard.player,
      schema: {
        ...me,
        description:
          'Bets and deposits are refused until it ends; it cannot be undone early. Withdrawals stay open.',
        body: {
          type: 'object',
          required: ['days'],
          additionalProperties: false,
          properties: {
            days: { type: 'integer', minimum: SELF_EXCLUSION_DAYS.min, maximum: SELF_EXCLUSION_DAYS.max },
          },
        },
        response: { 200: view },
      },
    },
    async (req) => {
      const userId = currentUser(req).userId;
      await pauseAccount(deps.pool, userId, { kind: 'self_exclusion', days: req.body.days });
      return getProtection(deps.pool, userId);
    },
  );
  app.get<{ Querystring: { since?: string } }>(
    '/v1/me/activity',
    {
      preValidation: guard.player,
      schema: {
        ...me,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: {
              type: 'string',
              format: 'date-time',
              description: 'the login time; default and earliest: 24 h / 7 days ago',
            },
          },
        },
        response: { 200: { $ref: 'Activity#' } },
      },
    },
    async (req) => {
      const since = req.query.since === undefined ? undefined : new Date(req.query.since);
      if (since && Number.isNaN(since.getTime())) throw appError('VALIDATION', 'since must be an ISO time');
      return activitySince(deps.pool, currentUser(req).userId, since);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/admin/players/:id/protection',
    {
      preValidation: guard.requireRole('support', 'operator'),
      schema: {
        tags: ['admin'],
        security: bearer,
        params: idParam,
        response: { 200: { $ref: 'PlayerProtection#' } },
      },
    },
    async (req) => {
      const userId = parseId(req.params.id);
      if (!(await userExists(deps.pool, userId))) throw appError('NOT_FOUND', `No user ${userId}`);
      return {
        userId: Number(userId),
        ...(await getProtection(deps.pool, userId)),
        log: await protectionLog(deps.pool, userId),
      };
    },
  );
}
