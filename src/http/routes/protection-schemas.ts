// The answers of the protection routes, registered by $id (components/schemas in the OpenAPI
// document, one named type each in src/sim/api-types.ts).
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableMinor = {
  type: ['integer', 'null'],
  minimum: 0,
  description: 'minor units; null: no limit',
} as const;

const limit = {
  type: 'object',
  required: ['kind', 'period', 'limit', 'used', 'remaining', 'pending'],
  properties: {
    kind: { type: 'string', enum: ['deposit', 'stake', 'loss'] },
    period: { type: 'string', enum: ['24h', '7d', '30d'] },
    limit: { ...nullableMinor, description: 'in force now (minor units); null: no limit' },
    used: {
      type: 'integer',
      description:
        'minor units over the window: deposits; stakes less cancelled and voided parts; or loss = those stakes less settlement payouts (negative after a net win)',
    },
    remaining: { ...nullableMinor, description: 'how much more the window allows now; null: no limit' },
    pending: {
      type: ['object', 'null'],
      description: 'a higher limit (or none) waiting for the cooling-off',
      required: ['limit', 'effectiveAt'],
      properties: { limit: nullableMinor, effectiveAt: time },
    },
  },
} as const;

const protectionProperties = {
  limits: { type: 'array', items: limit, description: 'every kind and period, 9 rows' },
  timeoutUntil: { ...nullableTime, description: 'bets and deposits refused until then' },
  excludedUntil: { ...nullableTime, description: 'self-excluded until then; cannot end early' },
  excludedSince: nullableTime,
  realityCheckMinutes: { type: ['integer', 'null'], minimum: 5, maximum: 480 },
  coolingOffHours: { type: 'integer', minimum: 0 },
  serverTime: time,
} as const;
const protectionRequired = Object.keys(protectionProperties);

export const protectionSchemas = [
  {
    $id: 'Protection',
    title: 'Protection',
    type: 'object',
    required: protectionRequired,
    properties: protectionProperties,
  },
  {
    $id: 'PlayerProtection',
    title: 'PlayerProtection',
    type: 'object',
    required: ['userId', ...protectionRequired, 'log'],
    properties: {
      userId: { type: 'integer', minimum: 1 },
      ...protectionProperties,
      log: {
        type: 'array',
        description: "the player's latest changes, newest first",
        items: {
          type: 'object',
          required: ['action', 'detail', 'at'],
          properties: {
            action: { type: 'string', enum: ['limits', 'timeout', 'self_exclusion', 'reality_check'] },
            detail: { type: 'object', additionalProperties: true },
            at: time,
          },
        },
      },
    },
  },
  {
    $id: 'Activity',
    title: 'Activity',
    type: 'object',
    required: [
      'since',
      'serverTime',
      'minutesPlayed',
      'bets',
      'staked',
      'returned',
      'net',
      'realityCheckMinutes',
    ],
    properties: {
      since: time,
      serverTime: time,
      minutesPlayed: { type: 'integer', minimum: 0 },
      bets: { type: 'integer', minimum: 0 },
      staked: { type: 'integer', minimum: 0, description: 'minor units staked since' },
      returned: {
        type: 'integer',
        minimum: 0,
        description: 'minor units back to the wallet since: payouts, cancel and void refunds',
      },
      net: { type: 'integer', description: 'returned - staked (minor units, signed)' },
      realityCheckMinutes: { type: ['integer', 'null'] },
    },
  },
] as const;
