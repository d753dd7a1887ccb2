// GET /v1/admin/rounds: the operator page's round table, live and past, with each round's
// totals in one read (GET /v1/rounds leaves totals out to stay cheap for players).
import type { FastifyInstance } from 'fastify';
import { roundJson } from '../../betting/round-view.ts';
import { roundSummaries } from '../../betting/round-summaries.ts';
import { listRounds } from '../../betting/rounds.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { appError } from '../../errors.ts';
import { bearer, cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';

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

  // Rounds whose settlement kept failing, set aside so later rounds settle (see the settle
  // worker); an operator retries one once the cause is fixed, or voids it (everything refunded).
  app.get(
    '/v1/admin/rounds/quarantined',
    { preHandler: guard.operator, schema: { tags: ['admin'], security: bearer } },
    async () => {
      const { rows } = await deps.pool.query<{
        round_id: bigint;
        failures: number;
        last_error: string;
        last_failed_at: Date;
        quarantined_at: Date;
      }>(
        `SELECT f.round_id, f.failures, f.last_error, f.last_failed_at, f.quarantined_at
         FROM settlement_failures f JOIN rounds r ON r.id = f.round_id
         WHERE f.quarantined_at IS NOT NULL AND r.status = 'SETTLING' ORDER BY f.round_id`,
      );
      return {
        rounds: rows.map((r) => ({
          roundId: Number(r.round_id),
          failures: r.failures,
          lastError: r.last_error,
          lastFailedAt: r.last_failed_at.toISOString(),
          quarantinedAt: r.quarantined_at.toISOString(),
        })),
      };
    },
  );
  app.post<{ Params: { id: string } }>(
    '/v1/admin/rounds/:id/retry-settlement',
    { preHandler: guard.operator, schema: { tags: ['admin'], security: bearer, params: idParam } },
    async (req) => {
      const roundId = parseId(req.params.id);
      const { rowCount } = await deps.pool.query(
        `DELETE FROM settlement_failures f USING rounds r
         WHERE f.round_id = $1 AND r.id = f.round_id AND r.status = 'SETTLING' AND f.quarantined_at IS NOT NULL`,
        [roundId],
      );
      if (rowCount !== 1) throw appError('NOT_FOUND', `Round ${roundId} is not quarantined`);
      req.log.info(
        { audit: 'retry-settlement', roundId: roundId.toString(), actor: req.principal?.username },
        'audit',
      );
      deps.events.publish([{ type: 'wake', worker: 'settle' }]);
      return { roundId: Number(roundId), quarantined: false };
    },
  );
}
