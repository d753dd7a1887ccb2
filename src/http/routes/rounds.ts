import type { FastifyInstance } from 'fastify';
import { fairnessProof, roundJson } from '../../betting/round-view.ts';
import { currentRound, getRound, listRounds, roundTotals } from '../../betting/rounds.ts';
import { appError } from '../../errors.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { page, ref } from '../responses.ts';
import { cursorQuery, idParam, parseCursor, parseId } from '../schemas.ts';

const PAGE = 50;

export function roundRoutes(app: FastifyInstance, deps: AppDeps, _guard: Guards): void {
  // The current round is read by every client; its totals are cached briefly per process.
  let cached: { at: number; body: unknown } | undefined;
  // A round event (opened, closed, settled) makes the cached view stale at once.
  const unsubscribe = deps.events.subscribe((e) => {
    if (e.type === 'round' && e.change !== 'totals') cached = undefined;
  });
  app.addHook('onClose', async () => unsubscribe());
  const round = { 200: ref('Round') };
  app.get('/v1/rounds/current', { schema: { tags: ['rounds'], response: round } }, async () => {
    if (cached && Date.now() - cached.at < 500)
      return { ...(cached.body as object), serverTime: new Date().toISOString() };
    const round = await currentRound(deps.pool);
    if (!round) throw appError('NOT_FOUND', 'No round yet: is the scheduler running?');
    const body = roundJson(round, await roundTotals(deps.pool, round.id, round.sides));
    cached = { at: Date.now(), body };
    return body;
  });
  app.get<{ Params: { id: string } }>(
    '/v1/rounds/:id',
    { schema: { tags: ['rounds'], params: idParam, response: round } },
    async (req) => {
      const round = await getRound(deps.pool, parseId(req.params.id));
      if (!round) throw appError('NOT_FOUND', `No round ${req.params.id}`);
      return roundJson(round, await roundTotals(deps.pool, round.id, round.sides));
    },
  );
  app.get<{ Querystring: { cursor?: string } }>(
    '/v1/rounds',
    {
      schema: { tags: ['rounds'], querystring: cursorQuery, response: { 200: page('rounds', ref('Round')) } },
    },
    async (req) => {
      // Round history may lag a moment behind (the read replica); the current round and a
      // round's own page, which clients poll while they bet, read the primary.
      const rows = await listRounds(deps.readPool, parseCursor(req.query), PAGE + 1);
      const page = rows.slice(0, PAGE);
      return {
        rounds: page.map((r) => roundJson(r)),
        nextCursor: rows.length > PAGE ? String(page[page.length - 1]!.id) : null,
      };
    },
  );
  // The hash-chain commitments: each is published before the first round of its chain opens,
  // which fixes every result of the chain in advance (seed n = sha256(seed n+1)).
  const chains = {
    type: 'object',
    required: ['chains'],
    properties: {
      chains: {
        type: 'array',
        items: {
          type: 'object',
          required: ['firstRoundId', 'lastRoundId', 'commitment', 'publishedAt'],
          properties: {
            firstRoundId: { type: 'integer', minimum: 1 },
            lastRoundId: { type: 'integer', minimum: 1 },
            commitment: { type: 'string', description: "sha256 of the chain's first seed, hex" },
            publishedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  } as const;
  app.get('/v1/fairness/chains', { schema: { tags: ['rounds'], response: { 200: chains } } }, async () => {
    const { rows } = await deps.pool.query<{
      first_round_id: bigint;
      length: number;
      commitment: string;
      created_at: Date;
      next_first: bigint | null;
    }>(
      // A chain ends early where the next one starts (after a void it could not reveal: 0016).
      `SELECT first_round_id, length, commitment, created_at,
              lead(first_round_id) OVER (ORDER BY first_round_id) AS next_first
       FROM seed_chains ORDER BY first_round_id DESC LIMIT 100`,
    );
    return {
      chains: rows.map((c) => ({
        firstRoundId: Number(c.first_round_id),
        lastRoundId: Math.min(
          Number(c.first_round_id) + c.length - 1,
          c.next_first === null ? Infinity : Number(c.next_first) - 1,
        ),
        commitment: c.commitment,
        publishedAt: c.created_at.toISOString(),
      })),
    };
  });
  app.get<{ Querystring: { roundId: string } }>(
    '/v1/fairness/verify',
    {
      schema: {
        tags: ['rounds'],
        querystring: {
          type: 'object',
          required: ['roundId'],
          additionalProperties: false,
          properties: { roundId: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
        },
        response: { 200: ref('FairnessProof') },
      },
    },
    async (req) => {
      const round = await getRound(deps.pool, parseId(req.query.roundId));
      if (!round) throw appError('NOT_FOUND', `No round ${req.query.roundId}`);
      if (round.status === 'OPEN' || round.server_seed === null) throw appError('ROUND_NOT_REVEALED');
      return fairnessProof(deps.pool, round);
    },
  );
}
