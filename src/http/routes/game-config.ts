// GET /v1/admin/config (operator or auditor): the current game configuration version and its
// history, each with the round it applies from. POST /v1/admin/config (operator): a new version
// from a partial object and a reason; it applies from the next round that opens.
import type { FastifyInstance } from 'fastify';
import {
  gameConfigHistory,
  writeGameConfig,
  type GameConfigChange,
  type GameConfigEntry,
} from '../../betting/game-config-changes.ts';
import { valuesJson } from '../../betting/game-config.ts';
import { withTransaction } from '../../db/transaction.ts';
import { idJson } from '../../ledger/json.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { bearer, MAX_JSON_INTEGER } from '../schemas.ts';

const side = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,15}$' } as const;
const values = {
  sides: { type: 'array', items: side, minItems: 2, maxItems: 2 },
  roundSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
  minBet: { type: 'integer', minimum: 1, maximum: MAX_JSON_INTEGER, description: 'minor units' },
  maxBet: { type: 'integer', minimum: 1, maximum: MAX_JSON_INTEGER, description: 'minor units' },
  rakeBps: { type: 'integer', minimum: 0, maximum: 10_000, description: 'commission, basis points' },
  fourEyesAbove: {
    type: 'integer',
    minimum: 0,
    maximum: MAX_JSON_INTEGER,
    description: 'a deposit or void above it waits for a second operator',
  },
} as const;

const version = {
  type: 'object',
  required: [
    'version',
    ...Object.keys(values),
    'reason',
    'createdBy',
    'createdAt',
    'appliesFromRound',
    'pending',
    'rulesUrl',
  ],
  properties: {
    version: { type: 'integer', minimum: 1 },
    ...values,
    reason: { type: 'string' },
    createdBy: {
      type: ['string', 'null'],
      description: 'the operator who wrote it; null for version 1, seeded from the environment',
    },
    createdAt: { type: 'string', format: 'date-time' },
    appliesFromRound: {
      type: ['integer', 'null'],
      minimum: 1,
      description: 'the first round that opened under it (for a pending version: the next round)',
    },
    pending: { type: 'boolean', description: 'no round has opened under it yet' },
    rulesUrl: { type: 'string', description: 'the rules page of this version' },
  },
} as const;

const history = {
  type: 'object',
  required: ['current', 'versions', 'nextRound'],
  properties: {
    current: { anyOf: [version, { type: 'null' }] },
    versions: { type: 'array', items: version, description: 'newest first' },
    nextRound: { type: 'integer', minimum: 1, description: 'the id the next round to open will have' },
  },
} as const;

function versionJson(e: GameConfigEntry, nextRound: bigint) {
  const from = e.appliesFromRound ?? (e.pending ? nextRound : null);
  return {
    version: e.version,
    ...valuesJson(e),
    reason: e.reason,
    createdBy: e.createdByName,
    createdAt: e.createdAt.toISOString(),
    appliesFromRound: from === null ? null : idJson(from),
    pending: e.pending,
    rulesUrl: `/rules?version=${e.version}`,
  };
}

export function gameConfigRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.get(
    '/v1/admin/config',
    {
      preValidation: guard.requireRole('auditor', 'operator'),
      schema: { tags: ['admin'], security: bearer, response: { 200: history } },
    },
    async () => {
      const { entries, nextRound } = await gameConfigHistory(deps.pool);
      const versions = entries.map((e) => versionJson(e, nextRound));
      return { current: versions[0] ?? null, versions, nextRound: idJson(nextRound) };
    },
  );

  app.post<{ Body: GameConfigBody }>(
    '/v1/admin/config',
    {
      preValidation: guard.operator,
      schema: {
        tags: ['admin'],
        security: bearer,
        body: {
          type: 'object',
          required: ['reason'],
          minProperties: 2,
          additionalProperties: false,
          properties: {
            ...values,
            // Words, not control characters (a NUL byte cannot be stored in text).
            reason: {
              type: 'string',
              minLength: 1,
              maxLength: 500,
              pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]+$',
            },
          },
        },
        response: { 201: { description: 'The new version; it applies from the next round', ...version } },
      },
    },
    async (req, reply) => {
      const { reason, ...body } = req.body;
      const change: GameConfigChange = {
        ...(body.sides ? { sides: body.sides } : {}),
        ...(body.roundSeconds !== undefined ? { roundSeconds: body.roundSeconds } : {}),
        ...(body.minBet !== undefined ? { minBet: BigInt(body.minBet) } : {}),
        ...(body.maxBet !== undefined ? { maxBet: BigInt(body.maxBet) } : {}),
        ...(body.rakeBps !== undefined ? { rakeBps: BigInt(body.rakeBps) } : {}),
        ...(body.fourEyesAbove !== undefined ? { fourEyesAbove: BigInt(body.fourEyesAbove) } : {}),
      };
      const actor = req.principal!.userId;
      const written = await withTransaction(deps.pool, (c) => writeGameConfig(c, change, reason, actor));
      req.log.info(
        {
          audit: 'config.change',
          actor: req.principal?.username,
          version: written.version,
          reason,
          change: body,
        },
        'game configuration changed',
      );
      const { entries, nextRound } = await gameConfigHistory(deps.pool);
      const entry = entries.find((e) => e.version === written.version)!;
      return reply.status(201).send(versionJson(entry, nextRound));
    },
  );
}

interface GameConfigBody {
  reason: string;
  sides?: string[];
  roundSeconds?: number;
  minBet?: number;
  maxBet?: number;
  rakeBps?: number;
  fourEyesAbove?: number;
}
