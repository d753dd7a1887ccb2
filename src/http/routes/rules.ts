// GET /v1/rules (anyone): the published rules, generated from the configuration version of the
// current round, or of `?version=N` (each round links the version it ran under). The /rules
// page (web/rules.html) renders this JSON.
import type { FastifyInstance } from 'fastify';
import { firstRoundOf } from '../../betting/game-config-changes.ts';
import {
  currentGameConfig,
  gameConfigSeed,
  gameConfigVersion,
  type GameConfig,
} from '../../betting/game-config.ts';
import { currentRound } from '../../betting/rounds.ts';
import { rulesDocument, type RulesInput } from '../../betting/rules.ts';
import { appError } from '../../errors.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';

const int = { type: 'integer' } as const;
const text = { type: 'array', items: { type: 'string' } } as const;
const rules = {
  type: 'object',
  required: [
    'version',
    'appliesFromRound',
    'sides',
    'roundSeconds',
    'minBet',
    'maxBet',
    'rakeBps',
    'commissionPercent',
    'interruptedRoundVoidSeconds',
    'sections',
    'commissionExample',
    'verifier',
  ],
  properties: {
    version: { type: ['integer', 'null'], description: 'the configuration version; null before one exists' },
    appliesFromRound: { type: ['integer', 'null'], description: 'the first round that ran under it' },
    sides: text,
    roundSeconds: int,
    minBet: { type: 'integer', description: 'minor units' },
    maxBet: { type: 'integer', description: 'minor units' },
    rakeBps: int,
    commissionPercent: { type: 'number' },
    interruptedRoundVoidSeconds: int,
    sections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'text'],
        properties: { id: { type: 'string' }, title: { type: 'string' }, text },
      },
    },
    commissionExample: {
      type: 'object',
      required: ['result', 'bets', 'matches', 'players', 'explanation'],
      properties: {
        result: { type: 'string' },
        bets: {
          type: 'array',
          items: {
            type: 'object',
            required: ['player', 'side', 'amount'],
            properties: { player: { type: 'string' }, side: { type: 'string' }, amount: int },
          },
        },
        matches: {
          type: 'array',
          items: {
            type: 'object',
            required: ['bet', 'against', 'amount'],
            properties: { bet: int, against: int, amount: int },
          },
        },
        players: {
          type: 'array',
          items: {
            type: 'object',
            required: ['player', 'staked', 'net', 'commission', 'received'],
            properties: { player: { type: 'string' }, staked: int, net: int, commission: int, received: int },
          },
        },
        explanation: { type: 'string' },
      },
    },
    verifier: {
      type: 'object',
      required: ['page', 'api'],
      properties: { page: { type: 'string' }, api: { type: 'string' } },
    },
  },
} as const;

/** The version asked for, else the current round's, else the newest; undefined before any exists. */
async function versionFor(deps: AppDeps, asked: number | undefined): Promise<GameConfig | undefined> {
  if (asked !== undefined) {
    const v = await gameConfigVersion(deps.pool, asked);
    if (!v) throw appError('NOT_FOUND', `No configuration version ${asked}`);
    return v;
  }
  const round = await currentRound(deps.pool);
  if (round?.config_version != null) return gameConfigVersion(deps.pool, round.config_version);
  return currentGameConfig(deps.pool);
}

export function rulesRoutes(app: FastifyInstance, deps: AppDeps, _guard: Guards): void {
  app.get<{ Querystring: { version?: string } }>(
    '/v1/rules',
    {
      schema: {
        tags: ['rounds'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
        },
        response: { 200: rules },
      },
    },
    async (req) => {
      const asked = req.query.version === undefined ? undefined : Number(req.query.version);
      const config = await versionFor(deps, asked);
      const input: RulesInput = {
        ...(config ?? gameConfigSeed(deps.config)),
        version: config?.version ?? null,
        appliesFromRound: config ? await firstRoundOf(deps.pool, config.version) : null,
        interruptedRoundVoidSeconds: deps.config.interruptedRoundVoidSeconds,
      };
      return rulesDocument(input);
    },
  );
}
