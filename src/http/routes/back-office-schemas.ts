// The JSON schemas of the back-office routes (routes/back-office.ts).
import { THRESHOLDS } from '../../reports/integrity.ts';
import { cursorParam, limitParam } from '../report-params.ts';

const minor = { type: 'integer', description: 'minor units' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
export const obj = (properties: Record<string, object>) =>
  ({ type: 'object', required: Object.keys(properties), properties }) as const;
export const pageQuery = (extra: Record<string, object> = {}) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { cursor: cursorParam, limit: limitParam(200, 50), ...extra },
  }) as const;

export const player = obj({
  userId: int,
  username: { type: 'string' },
  createdAt: time,
  demo: { type: 'boolean' },
  balance: { ...minor, description: 'the wallet now (minor units)' },
  holds: { ...minor, description: 'held for requested withdrawals (minor units)' },
});
export const adminBet = obj({
  betId: int,
  roundId: int,
  userId: int,
  username: { type: 'string' },
  side: { type: 'string' },
  amount: minor,
  matchedAmount: minor,
  cancelledAmount: minor,
  status: { type: 'string' },
  seq: { ...nullableInt, description: 'place in the round book (booking order)' },
  payout: nullableInt,
  refund: nullableInt,
  placedAt: time,
  matches: { type: 'array', items: obj({ againstBetId: int, againstUserId: int, amount: minor }) },
});
export const settlementLine = obj({
  userId: int,
  username: { type: 'string' },
  outcome: { type: 'string', enum: ['SETTLED', 'VOID'] },
  staked: minor,
  net: { ...minor, description: 'won minus lost on matched stakes (signed)' },
  commission: minor,
  received: minor,
  createdAt: time,
});
export const integrity = obj({
  window: obj({ fromRound: int, toRound: int, since: time }),
  thresholds: obj(Object.fromEntries(Object.keys(THRESHOLDS).map((k) => [k, { type: 'number' }]))),
  pairs: {
    type: 'array',
    items: obj({
      userA: int,
      userB: int,
      nameA: { type: 'string' },
      nameB: { type: 'string' },
      rounds: int,
      observed: minor,
      expected: { type: 'number' },
      ratio: { type: 'number' },
    }),
  },
  timing: {
    type: 'array',
    items: obj({
      userId: int,
      username: { type: 'string' },
      bets: int,
      meanSeconds: { type: 'number' },
      stddevSeconds: { type: 'number' },
      cv: { type: 'number' },
    }),
  },
  sources: {
    type: 'array',
    items: obj({
      source: { type: 'string' },
      accounts: int,
      deposits: int,
      amount: minor,
      users: { type: 'array', items: obj({ userId: int, username: { type: 'string' } }) },
    }),
  },
});
