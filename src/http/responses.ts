// The answers of the API, as schemas shared by every route (one schema for a bet, a round, a
// withdrawal...). Each is registered once by $id and referenced as `{ $ref: 'Bet#' }`, so the
// OpenAPI document lists it once under components/schemas and a generated client gets one type
// for it (src/sim/api-types.ts). Responses are serialized through these schemas: a field that
// is not declared here never reaches a client, and test/contract.test.ts with the recorder in
// test/helpers/contract.ts fails when a handler produces one.
//
// Nullable values are written `type: [X, 'null']`; @fastify/swagger turns that into OpenAPI
// 3.0's `nullable: true`. Ids and amounts are JSON integers, cursors are decimal strings.
import type { FastifyInstance } from 'fastify';
import { errorBody } from './schemas.ts';

const id = { type: 'integer', minimum: 1 } as const;
const minor = { type: 'integer', minimum: 0, description: 'minor units' } as const;
const signedMinor = { type: 'integer', description: 'minor units, signed' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableId = { type: ['integer', 'null'], minimum: 1 } as const;
const cursor = {
  type: ['string', 'null'],
  pattern: '^[1-9][0-9]*$',
  description: 'pass as ?cursor= for the next (older) page; null on the last page',
} as const;

export const ref = (name: SchemaName) => ({ $ref: `${name}#` }) as const;

/** `{ [key]: item[], nextCursor }`: a cursor-paginated list, newest first. */
export const page = (key: string, item: object) =>
  ({
    type: 'object',
    required: [key, 'nextCursor'],
    properties: { [key]: { type: 'array', items: item }, nextCursor: cursor },
  }) as const;

/** A status that answers no body (204, or 101 for a WebSocket upgrade). */
export const noBody = (description: string) => ({ description, type: 'null' }) as const;

const sideTotals = {
  type: 'object',
  required: ['matched', 'unmatched', 'bets'],
  properties: { matched: minor, unmatched: minor, bets: { type: 'integer', minimum: 0 } },
} as const;

const roundProperties = {
  roundId: id,
  status: { type: 'string', enum: ['OPEN', 'CLOSED', 'SETTLING', 'SETTLED', 'VOID'] },
  sides: { type: 'array', items: { type: 'string' } },
  rakeBps: { type: 'integer', minimum: 0 },
  opensAt: time,
  closesAt: time,
  closedAt: nullableTime,
  settledAt: { ...nullableTime, description: 'when it was settled or voided' },
  serverSeedHash: { type: 'string' },
  serverSeed: { type: ['string', 'null'], description: 'revealed once the round is closed' },
  configVersion: {
    type: ['integer', 'null'],
    description: 'the game configuration version it ran under; null for rounds before versioning',
  },
  rulesUrl: { type: 'string', description: 'the rules it ran under: /rules?version=N' },
  voidReason: {
    type: ['string', 'null'],
    enum: ['interrupted', 'seed_unavailable', null],
    description: 'why the service voided it; null for an operator void or a round not voided',
  },
  result: { type: ['string', 'null'] },
  totals: {
    type: 'object',
    description: 'per side; left out of round lists',
    additionalProperties: sideTotals,
  },
  serverTime: time,
} as const;
const roundRequired = [
  'roundId',
  'status',
  'sides',
  'rakeBps',
  'opensAt',
  'closesAt',
  'closedAt',
  'settledAt',
  'serverSeedHash',
  'serverSeed',
  'result',
  'serverTime',
];

const shared = {
  Error: { ...errorBody, required: ['error'] },
  Tokens: {
    type: 'object',
    required: ['userId', 'token', 'refreshToken', 'expiresIn'],
    properties: {
      userId: id,
      token: { type: 'string', description: 'the access token: Authorization: Bearer <token>' },
      refreshToken: { type: 'string', description: 'for POST /v1/auth/refresh' },
      expiresIn: { type: 'integer', description: 'seconds the access token is valid' },
    },
  },
  Round: { type: 'object', required: roundRequired, properties: roundProperties },
  /** The operator's view of a round: with its totals and how many players bet. */
  AdminRound: {
    type: 'object',
    required: [...roundRequired, 'totals', 'players'],
    properties: { ...roundProperties, players: { type: 'integer', minimum: 0 } },
  },
  Bet: {
    type: 'object',
    required: [
      'betId',
      'roundId',
      'side',
      'amount',
      'matchedAmount',
      'cancelledAmount',
      'unmatchedAmount',
      'status',
      'payout',
      'refund',
      'placedAt',
      'settledAt',
    ],
    properties: {
      betId: id,
      roundId: id,
      side: { type: 'string' },
      amount: minor,
      matchedAmount: minor,
      cancelledAmount: minor,
      unmatchedAmount: minor,
      status: {
        type: 'string',
        enum: ['PENDING', 'PARTIALLY_MATCHED', 'MATCHED', 'SETTLED', 'CANCELLED', 'VOID'],
      },
      payout: { type: ['integer', 'null'], minimum: 0, description: 'gross, once SETTLED or VOID' },
      refund: { type: ['integer', 'null'], minimum: 0, description: 'once SETTLED or VOID' },
      placedAt: time,
      settledAt: nullableTime,
      playerRound: {
        type: ['object', 'null'],
        description:
          "the player's settlement of the bet's round, as in the ledger (commission is per player per round); null until settled or voided",
        required: ['bets', 'staked', 'commission', 'received'],
        properties: {
          bets: { type: 'integer', minimum: 1, description: "the player's bets in the round" },
          staked: minor,
          commission: minor,
          received: {
            ...minor,
            description: 'credited to the wallet: every payout and refund less the commission',
          },
        },
      },
    },
  },
  Wallet: {
    type: 'object',
    required: ['balance', 'pendingWithdrawals', 'asOfEntryId'],
    properties: {
      balance: { ...minor, description: 'what the player can stake now (minor units)' },
      pendingWithdrawals: { ...minor, description: 'held for requested withdrawals (minor units)' },
      asOfEntryId: nullableId,
    },
  },
  WalletEntry: {
    type: 'object',
    required: ['entryId', 'kind', 'amount', 'roundId', 'betId', 'withdrawalId', 'reference', 'createdAt'],
    properties: {
      entryId: id,
      kind: {
        type: 'string',
        description:
          'deposit, withdrawal_hold, withdrawal_release, stake, cancel_refund, settlement or void_refund',
      },
      amount: { ...signedMinor, description: 'credits add to the wallet, debits are negative' },
      roundId: nullableId,
      betId: nullableId,
      withdrawalId: nullableId,
      reference: { type: ['string', 'null'] },
      createdAt: time,
    },
  },
  Withdrawal: {
    type: 'object',
    required: ['withdrawalId', 'userId', 'amount', 'status', 'requestedAt', 'decidedAt'],
    properties: {
      withdrawalId: id,
      userId: id,
      amount: minor,
      status: { type: 'string', enum: ['REQUESTED', 'APPROVED', 'REJECTED'] },
      requestedAt: time,
      decidedAt: nullableTime,
    },
  },
  Deposit: {
    type: 'object',
    required: ['depositId', 'userId', 'amount', 'reference', 'createdAt'],
    properties: { depositId: id, userId: id, amount: minor, reference: { type: 'string' }, createdAt: time },
  },
  Funding: {
    type: 'object',
    required: ['demoFunds', 'deposits', 'maxDeposit'],
    properties: {
      demoFunds: {
        type: ['object', 'null'],
        description: 'demo mode: play money per click, at most once per window; null when off',
        required: ['amount', 'everySeconds'],
        properties: { amount: minor, everySeconds: { type: 'integer', minimum: 1 } },
      },
      deposits: { type: 'boolean', description: 'deposits through the payment provider are offered' },
      maxDeposit: minor,
    },
  },
  DepositIntent: {
    type: 'object',
    required: ['depositId', 'amount', 'provider', 'status', 'createdAt', 'creditedAt', 'payUrl'],
    properties: {
      depositId: id,
      amount: minor,
      provider: { type: 'string' },
      status: { type: 'string', enum: ['STARTED', 'CREDITED'] },
      createdAt: time,
      creditedAt: nullableTime,
      payUrl: { type: ['string', 'null'], description: 'where the player pays; null once credited' },
    },
  },
  FairnessProof: {
    type: 'object',
    required: [
      'roundId',
      'sides',
      'serverSeed',
      'serverSeedHash',
      'computedHash',
      'hmacSha256',
      'uint32',
      'result',
      'computedResult',
      'hashMatches',
      'resultMatches',
      'chain',
      'ok',
    ],
    properties: {
      roundId: id,
      sides: { type: 'array', items: { type: 'string' } },
      serverSeed: { type: 'string' },
      serverSeedHash: { type: 'string' },
      computedHash: { type: 'string', description: 'sha256 of serverSeed' },
      hmacSha256: { type: 'string', description: 'HMAC-SHA256(serverSeed, decimal round id), hex' },
      uint32: { type: 'integer', minimum: 0, description: 'the first 4 bytes of the HMAC, big-endian' },
      result: { type: ['string', 'null'], description: 'the stored result (null if voided before)' },
      computedResult: { type: 'string', description: 'sides[uint32 % sides.length]' },
      hashMatches: { type: 'boolean' },
      resultMatches: { type: ['boolean', 'null'] },
      chain: {
        type: ['object', 'null'],
        required: ['firstRoundId', 'commitment', 'ok'],
        properties: { firstRoundId: id, commitment: { type: 'string' }, ok: { type: ['boolean', 'null'] } },
      },
      ok: { type: 'boolean' },
    },
  },
  Readiness: {
    type: 'object',
    required: ['ok', 'checks'],
    properties: {
      ok: { type: 'boolean' },
      checks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'ok'],
          properties: {
            name: { type: 'string' },
            ok: { type: 'boolean' },
            detail: { type: 'string', description: 'only with the scrape token when METRICS_TOKEN is set' },
          },
        },
      },
    },
  },
} as const;

export type SchemaName = keyof typeof shared;

/**
 * The shared schemas, and the one error envelope added to every route for 4xx and 5xx (declared
 * in its schema, so the OpenAPI document says so; serialized through it, so nothing undeclared
 * leaks into an error). Call before any route is declared.
 */
export function registerContract(app: FastifyInstance): void {
  for (const [name, schema] of Object.entries(shared)) app.addSchema({ $id: name, title: name, ...schema });
  app.addHook('onRoute', (route) => {
    route.schema = {
      ...route.schema,
      response: {
        '4xx': { description: 'The error envelope', ...ref('Error') },
        '5xx': { description: 'The error envelope', ...ref('Error') },
        ...(route.schema?.response as object | undefined),
      },
    };
  });
}
