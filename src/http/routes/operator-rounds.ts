// GET /v1/admin/rounds: the operator page's round table, live and past, with each round's
// totals in one read (GET /v1/rounds leaves totals out to stay cheap for players).
import type { FastifyInstance } from 'fastify';
import { listQuarantined, releaseQuarantined } from '../../betting/quarantine.ts';
import { roundJson } from '../../betting/round-view.ts';
import { roundSummaries } from '../../betting/round-summaries.ts';
import { listRounds } from '../../betting/rounds.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { appError } from '../../errors.ts';
import { idJson } from '../../ledger/json.ts';
import { page, ref } from '../responses.ts';
import { bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';

const PAGE = 20;

const roundId = { type: 'integer', minimum: 1 } as const;
const quarantined = {
  type: 'object',
  required: ['rounds'],
  properties: {
    rounds: {
      type: 'array',
      items: {
        type: 'object',
        required: ['roundId', 'failures', 'lastError', 'lastFailedAt', 'quarantinedAt'],
        properties: {
          roundId,
          failures: { type: 'integer', minimum: 0 },
          lastError: { type: 'string' },
          lastFailedAt: { type: 'string', format: 'date-time' },
          quarantinedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;
const released = {
  type: 'object',
  required: ['roundId', 'quarantined'],
  properties: { roundId, quarantined: { type: 'boolean', enum: [false] } },
} as const;

export function operatorRoundRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/admin/rounds',
    {
      preValidation: guard.operator,
      schema: {
        tags: ['admin'],
        security: bearer,
        querystring: cursorQuery,
        response: { 200: page('rounds', ref('AdminRound')) },
      },
    },
    async (req) => {
      // A report over many rounds' bets: the read replica when there is one.
      const rows = await listRounds(deps.readPool, parseCursor(req.query), PAGE + 1);
      const page = rows.slice(0, PAGE);
      const summaries = await roundSummaries(deps.readPool, page);
      return {
        rounds: page.map((r) => {
          const s = summaries.get(r.id)!;
          return { ...roundJson(r, s.totals), players: Number(s.players) };
        }),
        nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
      };
    },
  );

  // Rounds whose settlement kept failing, set aside so later rounds settle (see the settle
  // worker); an operator retries one once the cause is fixed, or voids it (everything refunded).
  app.get(
    '/v1/admin/rounds/quarantined',
    {
      preValidation: guard.operator,
      schema: { tags: ['admin'], security: bearer, response: { 200: quarantined } },
    },
    async () => ({
      rounds: (await listQuarantined(deps.pool)).map((r) => ({
        roundId: idJson(r.roundId),
        failures: r.failures,
        lastError: r.lastError,
        lastFailedAt: r.lastFailedAt.toISOString(),
        quarantinedAt: r.quarantinedAt.toISOString(),
      })),
    }),
  );
  app.post<{ Params: { id: string } }>(
    '/v1/admin/rounds/:id/retry-settlement',
    {
      preValidation: guard.operator,
      schema: { tags: ['admin'], security: bearer, params: idParam, response: { 200: released } },
    },
    async (req) => {
      const roundId = parseId(req.params.id);
      if (!(await releaseQuarantined(deps.pool, roundId))) {
        throw appError('NOT_FOUND', `Round ${roundId} is not quarantined`);
      }
      req.log.info(
        { audit: 'round_retry_settlement', actor: req.principal?.username, roundId: req.params.id },
        'operator retry settlement',
      );
      deps.events.publish([{ type: 'wake', worker: 'settle' }]);
      return { roundId: idJson(roundId), quarantined: false };
    },
  );
}
