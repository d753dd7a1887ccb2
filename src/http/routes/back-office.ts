// The back office's read-only views (issue 13 item 3, issue 12 item 5): player search with
// balances and holds, a player's recent activity, a round's bets with their matches and its
// settlement lines, and the integrity signals. Paged by cursor, newest first, like the rest.
import type { FastifyInstance } from 'fastify';
import { appError } from '../../errors.ts';
import { listEntries } from '../../ledger/queries.ts';
import { getPlayer, listAdminBets, roundSettlementLines, searchPlayers } from '../../reports/back-office.ts';
import { pairSignals, sourceSignals, THRESHOLDS, timingSignals } from '../../reports/integrity.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { cursorParam, jsonOf, pageLimit } from '../report-params.ts';
import { page, ref } from '../responses.ts';
import { bearer, idParam, parseId } from '../schemas.ts';
import { adminBet, integrity, obj, pageQuery, player, settlementLine } from './back-office-schemas.ts';

const nextOf = <T>(rows: T[], more: boolean, key: (r: T) => bigint) =>
  more ? String(key(rows[rows.length - 1]!)) : null;

export function backOfficeRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  const playerData = guard.requireRole('support', 'operator');
  const roundData = guard.requireRole('operator', 'support', 'auditor');
  const tags = ['back office'];
  type Paged = { cursor?: string; limit?: string };
  const before = (q: Paged) => (q.cursor ? BigInt(q.cursor) : undefined);

  app.get<{ Querystring: Paged & { q?: string } }>(
    '/v1/admin/players',
    {
      preValidation: playerData,
      schema: {
        tags,
        security: bearer,
        querystring: pageQuery({
          q: { type: 'string', maxLength: 64, description: 'name prefix or user id' },
        }),
        response: { 200: page('players', player) },
      },
    },
    async (req) => {
      const limit = pageLimit(req.query.limit, 200, 50);
      const found = await searchPlayers(deps.readPool, req.query.q, { limit, beforeUser: before(req.query) });
      return jsonOf({
        players: found.players,
        nextCursor: nextOf(found.players, found.more, (p) => p.userId),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/admin/players/:id',
    {
      preValidation: playerData,
      schema: {
        tags,
        security: bearer,
        params: idParam,
        response: {
          200: obj({
            player,
            recentBets: { type: 'array', items: adminBet },
            entries: { type: 'array', items: ref('WalletEntry') },
            nextCursor: { type: ['string', 'null'], description: 'older entries: GET .../entries?cursor=' },
          }),
        },
      },
    },
    async (req) => {
      const userId = parseId(req.params.id);
      const found = await getPlayer(deps.readPool, userId);
      if (!found) throw appError('NOT_FOUND', `No player ${req.params.id}`);
      const bets = await listAdminBets(deps.readPool, { userId }, { limit: 10 });
      const entries = await listEntries(deps.readPool, userId, undefined, 20);
      return { ...entries, player: jsonOf(found), recentBets: jsonOf(bets.bets) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { cursor?: string } }>(
    '/v1/admin/players/:id/entries',
    {
      preValidation: playerData,
      schema: {
        tags,
        security: bearer,
        params: idParam,
        querystring: { type: 'object', additionalProperties: false, properties: { cursor: cursorParam } },
        response: { 200: page('entries', ref('WalletEntry')) },
      },
    },
    async (req) => listEntries(deps.readPool, parseId(req.params.id), before(req.query)),
  );

  app.get<{ Params: { id: string }; Querystring: Paged }>(
    '/v1/admin/rounds/:id/bets',
    {
      preValidation: roundData,
      schema: {
        tags,
        security: bearer,
        params: idParam,
        querystring: pageQuery(),
        response: { 200: page('bets', adminBet) },
      },
    },
    async (req) => {
      const limit = pageLimit(req.query.limit, 200, 50);
      const found = await listAdminBets(
        deps.readPool,
        { roundId: parseId(req.params.id) },
        { limit, beforeBet: before(req.query) },
      );
      return jsonOf({ bets: found.bets, nextCursor: nextOf(found.bets, found.more, (b) => b.betId) });
    },
  );

  app.get<{ Params: { id: string }; Querystring: Paged }>(
    '/v1/admin/rounds/:id/settlements',
    {
      preValidation: roundData,
      schema: {
        tags,
        security: bearer,
        params: idParam,
        querystring: pageQuery(),
        response: { 200: page('settlements', settlementLine) },
      },
    },
    async (req) => {
      const limit = pageLimit(req.query.limit, 200, 50);
      const found = await roundSettlementLines(deps.readPool, parseId(req.params.id), {
        limit,
        beforeUser: before(req.query),
      });
      return jsonOf({
        settlements: found.lines,
        nextCursor: nextOf(found.lines, found.more, (l) => l.userId),
      });
    },
  );

  app.get<{ Querystring: { rounds?: string; days?: string } }>(
    '/v1/admin/integrity',
    {
      preValidation: playerData,
      schema: {
        tags,
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            rounds: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,4}$',
              description: 'the last N rounds (default 500)',
            },
            days: {
              type: 'string',
              pattern: '^[1-9][0-9]{0,2}$',
              description: 'deposits of the last N days (default 30)',
            },
          },
        },
        response: { 200: integrity },
      },
    },
    async (req) => {
      const rounds = BigInt(req.query.rounds ?? 500);
      const { rows } = await deps.readPool.query<{ top: bigint | null }>('SELECT max(id) AS top FROM rounds');
      const toRound = rows[0]?.top ?? 0n;
      const fromRound = toRound - rounds + 1n > 0n ? toRound - rounds + 1n : 0n;
      const since = new Date(Date.now() - Number(req.query.days ?? 30) * 86_400_000);
      return jsonOf({
        window: { fromRound, toRound, since },
        thresholds: THRESHOLDS,
        pairs: await pairSignals(deps.readPool, fromRound, toRound),
        timing: await timingSignals(deps.readPool, fromRound, toRound),
        sources: await sourceSignals(deps.readPool, since),
      });
    },
  );
}
