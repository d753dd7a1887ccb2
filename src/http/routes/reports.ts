// GET /v1/admin/reports/*: the reports an auditor accepts (docs/reports.md), JSON or CSV, for
// the auditor and operator roles, on the read replica when one is configured.
import type { FastifyInstance } from 'fastify';
import {
  balancesAt,
  latestEntryId,
  liabilities,
  reconciliation,
  type AccountBalance,
} from '../../reports/ledger-reports.ts';
import {
  commissionByRound,
  turnoverByDay,
  type RoundCommission,
  type TurnoverDay,
} from '../../reports/turnover.ts';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import {
  atParam,
  cursorParam,
  dayRange,
  jsonOf,
  jsonOrCsv,
  limitParam,
  pageLimit,
  parsePoint,
  sendCsv,
} from '../report-params.ts';
import { bearer } from '../schemas.ts';
import {
  balancesBody,
  commissionBody,
  FIGURE_COLUMNS,
  figureColumns,
  liabilitiesBody,
  query,
  reconciliationBody,
  turnover,
} from './report-schemas.ts';

export function reportRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  const preValidation = guard.requireRole('auditor', 'operator');
  const schema = (querystring: object, body: object) => ({
    tags: ['reports'],
    security: bearer,
    querystring,
    response: { 200: jsonOrCsv(body) },
  });

  app.get<{ Querystring: { format?: string; from?: string; to?: string } }>(
    '/v1/admin/reports/turnover',
    {
      preValidation,
      schema: schema(
        query({ from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' } }),
        turnover,
      ),
    },
    async (req, reply) => {
      const range = dayRange(req.query.from, req.query.to);
      const days = await turnoverByDay(deps.readPool, range.from, range.to);
      const from = range.from.toISOString().slice(0, 10);
      const to = new Date(range.to.getTime() - 86_400_000).toISOString().slice(0, 10);
      if (req.query.format === 'csv') {
        const columns: [string, (r: TurnoverDay) => string | bigint][] = [
          ['day', (r) => r.day],
          ['rounds', (r) => r.rounds],
          ['voided_rounds', (r) => r.voidedRounds],
          ...figureColumns<TurnoverDay>(),
        ];
        return sendCsv(reply, `turnover-${from}-${to}`, columns, days);
      }
      const sum = (k: keyof TurnoverDay) => days.reduce((s, d) => s + (d[k] as bigint), 0n);
      const totals = { rounds: sum('rounds'), ...Object.fromEntries(FIGURE_COLUMNS.map((k) => [k, sum(k)])) };
      return jsonOf({ from, to, days, totals });
    },
  );

  app.get<{ Querystring: { format?: string } }>(
    '/v1/admin/reports/liabilities',
    { preValidation, schema: schema(query({}), liabilitiesBody) },
    async (req, reply) => {
      const l = await liabilities(deps.readPool);
      if (req.query.format === 'csv') {
        const rows = Object.entries(l).map(([item, value]) => ({ item, value }));
        return sendCsv(
          reply,
          `liabilities-${l.asOfEntryId}`,
          [
            ['item', (r) => r.item],
            ['value', (r) => r.value],
          ],
          rows,
        );
      }
      return jsonOf(l);
    },
  );

  app.get<{ Querystring: { format?: string; at?: string } }>(
    '/v1/admin/reports/reconciliation',
    { preValidation, schema: schema(query({ at: atParam }), reconciliationBody) },
    async (req, reply) => {
      const point = parsePoint(req.query.at) ?? { entryId: await latestEntryId(deps.readPool) };
      const r = await reconciliation(deps.readPool, point);
      if (req.query.format === 'csv') {
        const rows = [...r.lines, { line: 'total', balance: r.total }];
        return sendCsv(
          reply,
          `reconciliation-${r.asOfEntryId}`,
          [
            ['line', (x) => x.line],
            ['balance_minor', (x) => x.balance],
          ],
          rows,
        );
      }
      return jsonOf(r);
    },
  );

  app.get<{ Querystring: { format?: string; at?: string; cursor?: string; limit?: string; kind?: string } }>(
    '/v1/admin/reports/balances',
    {
      preValidation,
      schema: schema(
        query({
          at: atParam,
          cursor: cursorParam,
          limit: limitParam(10_000, 100),
          kind: { type: 'string', enum: ['player', 'escrow', 'house', 'cash', 'withdrawal_hold'] },
        }),
        balancesBody,
      ),
    },
    async (req, reply) => {
      const limit = pageLimit(req.query.limit, 10_000, 100);
      const at = req.query.at ?? String(await latestEntryId(deps.readPool));
      const page = await balancesAt(deps.readPool, parsePoint(at)!, {
        limit,
        ...(req.query.cursor ? { afterAccount: BigInt(req.query.cursor) } : {}),
        ...(req.query.kind ? { kind: req.query.kind } : {}),
      });
      const nextCursor = page.more ? String(page.accounts[page.accounts.length - 1]!.accountId) : null;
      if (req.query.format === 'csv') {
        const columns: [string, (r: AccountBalance) => string | bigint | null][] = [
          ['account_id', (r) => r.accountId],
          ['kind', (r) => r.kind],
          ['user_id', (r) => r.userId],
          ['username', (r) => r.username],
          ['round_id', (r) => r.roundId],
          ['balance_minor', (r) => r.balance],
        ];
        const name = `balances-at-${at.replace(/[^0-9A-Za-z-]/g, '')}${req.query.cursor ? `-after-${req.query.cursor}` : ''}`;
        return sendCsv(reply, name, columns, page.accounts, nextCursor);
      }
      return jsonOf({ at, accounts: page.accounts, nextCursor });
    },
  );

  app.get<{ Querystring: { format?: string; cursor?: string; limit?: string } }>(
    '/v1/admin/reports/commission',
    {
      preValidation,
      schema: schema(query({ cursor: cursorParam, limit: limitParam(1000, 50) }), commissionBody),
    },
    async (req, reply) => {
      const page = await commissionByRound(deps.readPool, {
        limit: pageLimit(req.query.limit, 1000, 50),
        ...(req.query.cursor ? { beforeRound: BigInt(req.query.cursor) } : {}),
      });
      const nextCursor = page.more ? String(page.rounds[page.rounds.length - 1]!.roundId) : null;
      if (req.query.format === 'csv') {
        const columns: [string, (r: RoundCommission) => string | bigint][] = [
          ['round_id', (r) => r.roundId],
          ['status', (r) => r.status],
          ['opens_at', (r) => r.opensAt.toISOString()],
          ['players', (r) => r.players],
          ...figureColumns<RoundCommission>(),
        ];
        return sendCsv(
          reply,
          `commission-by-round${req.query.cursor ? `-before-${req.query.cursor}` : ''}`,
          columns,
          page.rounds,
          nextCursor,
        );
      }
      return jsonOf({ rounds: page.rounds, nextCursor });
    },
  );
}
