// What a player chose to protect themselves (migration 0021, docs/player-protection.md): limits
// with a 24 h cooling-off for any rise, time-out, self-exclusion, the reality-check interval.
// Each change is one short transaction that also writes an append-only log row. The database
// refuses what must never happen (a limit raised at once, an exclusion shortened), so these
// functions only choose between "at once" and "after the cooling-off".
import type { Pool, PoolClient, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import { amountJson } from './json.ts';

export const LIMIT_KINDS = ['deposit', 'stake', 'loss'] as const;
export const LIMIT_PERIODS = ['24h', '7d', '30d'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
export const COOLING_OFF_HOURS = 24;
export const TIMEOUT_HOURS = { min: 24, max: 24 * 42 } as const;
export const SELF_EXCLUSION_DAYS = { min: 183, max: 1826 } as const;

/** A change per (kind, period): a number of minor units, or null for "no limit". */
export type LimitChanges = Partial<Record<LimitKind, Partial<Record<LimitPeriod, bigint | null>>>>;

const ENSURE_ROW = 'INSERT INTO player_protection (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING';

// A pending change whose time has come becomes the limit in force, so "in force" is `amount`.
const APPLY_DUE = `
  UPDATE player_limits SET amount = pending_amount, pending_amount = NULL, pending_at = NULL, updated_at = now()
  WHERE user_id = $1 AND pending_at <= now()`;

// Lower (or the same, or a first limit): at once, and any pending rise is dropped. Higher or
// removed: pending for the cooling-off; asking again for the same pending value keeps its time.
const SET_LIMITS = `
  INSERT INTO player_limits AS l (user_id, kind, period, amount)
  SELECT $1, c.kind, c.period, c.amount FROM unnest($2::text[], $3::text[], $4::bigint[]) AS c (kind, period, amount)
  ON CONFLICT (user_id, kind, period) DO UPDATE SET
    amount = CASE WHEN l.amount IS NULL OR EXCLUDED.amount <= l.amount THEN EXCLUDED.amount ELSE l.amount END,
    pending_amount = CASE WHEN l.amount IS NULL OR EXCLUDED.amount <= l.amount THEN NULL ELSE EXCLUDED.amount END,
    pending_at = CASE WHEN l.amount IS NULL OR EXCLUDED.amount <= l.amount THEN NULL
                      WHEN l.pending_at IS NOT NULL AND l.pending_amount IS NOT DISTINCT FROM EXCLUDED.amount
                        THEN l.pending_at
                      ELSE now() + make_interval(hours => ${COOLING_OFF_HOURS}) END,
    updated_at = now()`;

async function log(client: PoolClient, userId: bigint, action: string, detail: unknown): Promise<void> {
  await client.query('INSERT INTO player_protection_log (user_id, action, detail) VALUES ($1, $2, $3)', [
    userId,
    action,
    JSON.stringify(detail, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
  ]);
}

/** Applies the changes (and the reality-check interval, when given: null turns it off). */
export async function setLimits(
  pool: Pool,
  userId: bigint,
  changes: LimitChanges,
  realityCheckMinutes?: number | null,
): Promise<void> {
  const rows = LIMIT_KINDS.flatMap((kind) =>
    LIMIT_PERIODS.filter((period) => changes[kind]?.[period] !== undefined).map((period) => ({
      kind,
      period,
      amount: changes[kind]?.[period] ?? null,
    })),
  );
  await withTransaction(pool, async (client) => {
    await client.query(ENSURE_ROW, [userId]);
    await client.query(APPLY_DUE, [userId]);
    if (rows.length) {
      await client.query(SET_LIMITS, [
        userId,
        rows.map((r) => r.kind),
        rows.map((r) => r.period),
        rows.map((r) => r.amount),
      ]);
      await log(client, userId, 'limits', { changes: rows });
    }
    if (realityCheckMinutes !== undefined) {
      await client.query(
        'UPDATE player_protection SET reality_check_minutes = $2, updated_at = now() WHERE user_id = $1',
        [userId, realityCheckMinutes],
      );
      await log(client, userId, 'reality_check', { minutes: realityCheckMinutes });
    }
  });
}

/** Starts (or lengthens; never shortens) a time-out of `hours`, or a self-exclusion of `days`. */
export async function pauseAccount(
  pool: Pool,
  userId: bigint,
  pause: { kind: 'timeout'; hours: number } | { kind: 'self_exclusion'; days: number },
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(ENSURE_ROW, [userId]);
    if (pause.kind === 'timeout') {
      await client.query(
        `UPDATE player_protection SET updated_at = now(),
           timeout_until = greatest(timeout_until, now() + make_interval(hours => $2))
         WHERE user_id = $1`,
        [userId, pause.hours],
      );
    } else {
      await client.query(
        `UPDATE player_protection SET updated_at = now(),
           excluded_at = CASE WHEN excluded_until > now() THEN excluded_at ELSE now() END,
           excluded_until = greatest(excluded_until, now() + make_interval(days => $2))
         WHERE user_id = $1`,
        [userId, pause.days],
      );
    }
    await log(client, userId, pause.kind, pause);
  });
}

const VIEW = `
  SELECT p.timeout_until, p.excluded_until, p.excluded_at, p.reality_check_minutes, now() AS now,
         coalesce((SELECT json_agg(json_build_object(
                    'kind', l.kind, 'period', l.period,
                    'amount', CASE WHEN l.pending_at <= now() THEN l.pending_amount ELSE l.amount END,
                    'pendingAmount', CASE WHEN l.pending_at > now() THEN l.pending_amount END,
                    'pendingAt', CASE WHEN l.pending_at > now() THEN l.pending_at END))
                   FROM player_limits l WHERE l.user_id = p.user_id), '[]') AS limits,
         coalesce((SELECT json_agg(json_build_object('kind', u.kind, 'period', u.period, 'used', u.used))
                   FROM colorbet_protection_usage(ARRAY[p.user_id]) u), '[]') AS usage
  FROM (SELECT $1::bigint AS user_id) q LEFT JOIN player_protection p ON p.user_id = q.user_id`;

interface LimitRow {
  kind: LimitKind;
  period: LimitPeriod;
  amount: string | number | null;
  pendingAmount: string | number | null;
  pendingAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const bigOrNull = (v: string | number | null | undefined) =>
  v === null || v === undefined ? null : BigInt(v);

/** The player's protection as the page and support see it: every limit, its use, what is pending. */
export async function getProtection(db: Queryable, userId: bigint) {
  const { rows } = await db.query<{
    timeout_until: Date | null;
    excluded_until: Date | null;
    excluded_at: Date | null;
    reality_check_minutes: number | null;
    now: Date;
    limits: LimitRow[] | null;
    usage: { kind: string; period: string; used: string | number }[] | null;
  }>(VIEW, [userId]);
  const p = rows[0];
  if (!p) throw new Error('the protection view gave no row');
  const active = (until: Date | null) => (until && until > p.now ? until : null);
  const limits = LIMIT_KINDS.flatMap((kind) =>
    LIMIT_PERIODS.map((period) => {
      const l = p.limits?.find((x) => x.kind === kind && x.period === period);
      const used = BigInt(p.usage?.find((u) => u.kind === kind && u.period === period)?.used ?? 0);
      const amount = bigOrNull(l?.amount);
      const remaining = amount === null ? null : amount > used ? amount - used : 0n;
      const pendingAt = l?.pendingAt ? new Date(l.pendingAt) : null;
      return {
        kind,
        period,
        limit: amount === null ? null : amountJson(amount),
        used: Number(used),
        remaining: remaining === null ? null : amountJson(remaining),
        pending: pendingAt
          ? {
              limit: l?.pendingAmount == null ? null : amountJson(BigInt(l.pendingAmount)),
              effectiveAt: iso(pendingAt),
            }
          : null,
      };
    }),
  );
  return {
    limits,
    timeoutUntil: iso(active(p.timeout_until)),
    excludedUntil: iso(active(p.excluded_until)),
    excludedSince: active(p.excluded_until) ? iso(p.excluded_at) : null,
    realityCheckMinutes: p.reality_check_minutes,
    coolingOffHours: COOLING_OFF_HOURS,
    serverTime: p.now.toISOString(),
  };
}

/** The latest changes a player made, newest first (for support). */
export async function protectionLog(db: Queryable, userId: bigint, limit = 50) {
  const { rows } = await db.query<{ action: string; detail: unknown; created_at: Date }>(
    'SELECT action, detail, created_at FROM player_protection_log WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
    [userId, limit],
  );
  return rows.map((r) => ({ action: r.action, detail: r.detail, at: r.created_at.toISOString() }));
}
