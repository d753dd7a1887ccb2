// What the report and back-office routes share: query schemas (format, at, limit, cursor), the
// parsing of `at` and of a day range, JSON of rows (bigint -> exact integer, Date -> ISO), and
// sending a report as CSV.
import type { FastifyReply } from 'fastify';
import { appError } from '../errors.ts';
import { amountJson } from '../ledger/json.ts';
import type { LedgerPoint } from '../reports/ledger-reports.ts';
import { toCsv, type CsvCell } from '../reports/csv.ts';

export const formatParam = {
  type: 'string',
  enum: ['json', 'csv'],
  description: 'csv: the same report as text/csv (amounts in minor units), for download',
} as const;
export const atParam = {
  type: 'string',
  pattern: '^([1-9][0-9]{0,15}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))$',
  description: 'a ledger entry id (every transfer up to it) or an ISO time (every transfer created up to it)',
} as const;
export const limitParam = (max: number, fallback: number) =>
  ({
    type: 'string',
    pattern: '^[1-9][0-9]{0,5}$',
    description: `page size, 1-${max}, default ${fallback}`,
  }) as const;
export const cursorParam = { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } as const;

/** The page size of `?limit=`, checked against `max`. */
export function pageLimit(raw: string | undefined, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (n > max) throw appError('VALIDATION', `querystring.limit must be at most ${max}`, { field: 'limit' });
  return n;
}

/** `?at=`: an entry id or a time; undefined when absent (the caller takes "now"). */
export function parsePoint(at: string | undefined): LedgerPoint | undefined {
  if (at === undefined) return undefined;
  if (/^[0-9]+$/.test(at)) return { entryId: BigInt(at) };
  const time = new Date(at);
  // new Date() rolls 2026-02-30 over to March: the day must exist as written.
  if (Number.isNaN(time.getTime()) || !validDay(at.slice(0, 10))) {
    throw appError('VALIDATION', 'querystring.at is not a valid time', { field: 'at' });
  }
  return { time };
}

const DAY_MS = 86_400_000;
const validDay = (s: string): boolean => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};
const parseDay = (s: string, field: string): Date => {
  const d = new Date(`${s}T00:00:00Z`);
  if (!validDay(s)) {
    throw appError('VALIDATION', `querystring.${field} is not a valid day`, { field });
  }
  return d;
};

/** [from, to] as whole UTC days (to inclusive), default the last 30 days; at most 366 days. */
export function dayRange(from: string | undefined, to: string | undefined): { from: Date; to: Date } {
  const end = to ? parseDay(to, 'to') : new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const start = from ? parseDay(from, 'from') : new Date(end.getTime() - 29 * DAY_MS);
  if (start > end)
    throw appError('VALIDATION', 'querystring.from is after querystring.to', { field: 'from' });
  if (end.getTime() - start.getTime() > 365 * DAY_MS) {
    throw appError('VALIDATION', 'A report covers at most 366 days', { field: 'from' });
  }
  // Exclusive upper bound: the start of the day after `to`.
  return { from: start, to: new Date(end.getTime() + DAY_MS) };
}

type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

/** A row as JSON: bigints as exact integers, dates as ISO strings. */
export function jsonOf(value: unknown): Json {
  if (typeof value === 'bigint') return amountJson(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonOf(v)]));
  }
  return value as Json;
}

/** Sends `rows` as a CSV attachment named `name`.csv; `nextCursor` goes in X-Next-Cursor. */
export function sendCsv<T>(
  reply: FastifyReply,
  name: string,
  columns: [string, (row: T) => CsvCell][],
  rows: readonly T[],
  nextCursor?: string | null,
): FastifyReply {
  if (nextCursor) void reply.header('x-next-cursor', nextCursor);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(columns, rows));
}

/** A 200 that is JSON (`schema`) or, with ?format=csv, text/csv. */
export const jsonOrCsv = (schema: object) =>
  ({
    description: 'The report (JSON), or with ?format=csv the same rows as CSV',
    content: {
      'application/json': { schema },
      'text/csv': { schema: { type: 'string', description: 'a header row, then one row per line' } },
    },
  }) as const;
