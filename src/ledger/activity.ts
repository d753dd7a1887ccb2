// A player's play since a moment (their login): what the reality check shows. Net result =
// what came back to the wallet from bets (settlement payouts, cancel and void refunds) minus
// what left it as stakes, both counted by when the ledger wrote them.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import { playerWalletId } from './accounts.ts';

/** The furthest back a reality check looks: a login older than this counts from here. */
export const ACTIVITY_MAX_HOURS = 24 * 7;

export async function activitySince(db: Queryable, userId: bigint, since: Date | undefined) {
  const wallet = await playerWalletId(db, userId);
  if (wallet === undefined) throw appError('NOT_FOUND', 'This user has no wallet');
  const { rows } = await db.query<{
    since: Date;
    now: Date;
    bets: number;
    staked: bigint;
    returned: bigint;
    reality_check_minutes: number | null;
  }>(
    `WITH w AS (SELECT greatest(coalesce($2::timestamptz, now() - interval '24 hours'),
                                now() - make_interval(hours => $3)) AS since)
     SELECT w.since, now() AS now,
            count(*) FILTER (WHERE t.kind = 'stake')::int AS bets,
            coalesce(sum(t.amount) FILTER (WHERE t.kind = 'stake'), 0)::bigint AS staked,
            coalesce(sum(t.amount) FILTER (WHERE t.kind IN ('settlement', 'cancel_refund', 'void_refund')), 0)::bigint
              AS returned,
            (SELECT reality_check_minutes FROM player_protection WHERE user_id = $4) AS reality_check_minutes
     FROM w LEFT JOIN transfers t
       ON (t.debit_account_id = $1 OR t.credit_account_id = $1) AND t.created_at >= w.since
          AND t.kind IN ('stake', 'settlement', 'cancel_refund', 'void_refund')
     GROUP BY w.since`,
    [wallet, since ?? null, ACTIVITY_MAX_HOURS, userId],
  );
  const r = rows[0];
  if (!r) throw new Error('the activity query gave no row');
  const since0 = r.since > r.now ? r.now : r.since;
  return {
    since: since0.toISOString(),
    serverTime: r.now.toISOString(),
    minutesPlayed: Math.floor((r.now.getTime() - since0.getTime()) / 60_000),
    bets: r.bets,
    staked: Number(r.staked),
    returned: Number(r.returned),
    net: Number(r.returned - r.staked),
    realityCheckMinutes: r.reality_check_minutes,
  };
}
