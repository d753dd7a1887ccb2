// GET /v1/admin/rounds: the operator page's round table, live and past, with each round's
// totals in one read (GET /v1/rounds leaves totals out to stay cheap for players).
import type { FastifyInstance } from 'fastify';
import { roundJson } from '../../betting/round-view.ts';
import { roundSummaries } from '../../betting/round-summaries.ts';
import { listRounds } from '../../betting/rounds.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { bearer, cursorQuery, parseCursor } from '../schemas.ts';

const PAGE = 20;

export function operatorRoundRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/admin/rounds',
    { preHandler: guard.operator, schema: { tags: ['admin'], security: bearer, querystring: cursorQuery } },
    async (req) => {
      const rows = await listRounds(deps.pool, parseCursor(req.query), PAGE + 1);
      const page = rows.slice(0, PAGE);
      const summaries = await roundSummaries(deps.pool, page);
      return {
        rounds: page.map((r) => {
          const s = summaries.get(r.id)!;
          return { ...roundJson(r, s.totals), players: Number(s.players) };
        }),
        nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
      };
    },
  );
}
