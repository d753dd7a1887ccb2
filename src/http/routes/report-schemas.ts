// The JSON schemas of the report routes (routes/reports.ts): every figure an integer of minor units.
import { formatParam } from '../report-params.ts';

const minor = { type: 'integer', description: 'minor units' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const entryId = {
  type: 'integer',
  minimum: 0,
  description: 'the last ledger entry the report includes',
} as const;
const obj = (properties: Record<string, object>) =>
  ({ type: 'object', required: Object.keys(properties), properties }) as const;
export const query = (properties: Record<string, object>) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { format: formatParam, ...properties },
  }) as const;

export const figures = {
  bets: count,
  staked: minor,
  cancelled: minor,
  voided: minor,
  turnover: minor,
  matched: minor,
  commission: minor,
};
export const FIGURE_COLUMNS = [
  'bets',
  'staked',
  'cancelled',
  'voided',
  'turnover',
  'matched',
  'commission',
] as const;
export const figureColumns = <T extends Record<(typeof FIGURE_COLUMNS)[number], bigint>>() =>
  FIGURE_COLUMNS.map((k) => [k === 'bets' ? k : `${k}_minor`, (r: T) => r[k]] as [string, (r: T) => bigint]);

export const turnover = obj({
  from: { type: 'string', format: 'date' },
  to: { type: 'string', format: 'date' },
  days: {
    type: 'array',
    items: obj({ day: { type: 'string', format: 'date' }, rounds: count, voidedRounds: count, ...figures }),
  },
  totals: obj({ rounds: count, ...figures }),
});
export const liabilitiesBody = obj({
  asOfEntryId: entryId,
  wallets: minor,
  playersWithFunds: count,
  holds: minor,
  escrow: minor,
  unsettledRounds: count,
  total: minor,
});
const line = { type: 'string', enum: ['players', 'holds', 'escrow', 'house', 'external'] } as const;
export const reconciliationBody = obj({
  asOfEntryId: entryId,
  transfers: count,
  lines: { type: 'array', items: obj({ line, balance: minor }) },
  total: minor,
  ok: { type: 'boolean', description: 'players + holds + escrow + house + external = 0' },
});
const nullableInt = { type: ['integer', 'null'] } as const;
export const balancesBody = obj({
  at: { type: 'string', description: 'the point: pass it again with the cursor for the next page' },
  accounts: {
    type: 'array',
    items: obj({
      accountId: count,
      kind: { type: 'string' },
      userId: nullableInt,
      username: { type: ['string', 'null'] },
      roundId: nullableInt,
      balance: minor,
    }),
  },
  nextCursor: { type: ['string', 'null'] },
});
export const commissionBody = obj({
  rounds: {
    type: 'array',
    items: obj({
      roundId: count,
      status: { type: 'string' },
      opensAt: { type: 'string', format: 'date-time' },
      players: count,
      ...figures,
    }),
  },
  nextCursor: { type: ['string', 'null'] },
});
