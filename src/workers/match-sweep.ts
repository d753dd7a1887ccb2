// PostgreSQL is the source of truth: bets that no event brought to a matcher (an event lost
// with a Redis restart, trimmed, or not yet relayed while Redis is down) are found here.
import { matchRounds, type MatchDeps } from './match-rounds.ts';

const SWEEP_AFTER_SECONDS = 2;

export async function sweepUnbooked(deps: MatchDeps): Promise<boolean> {
  const { rows } = await deps.pool.query<{ round_id: bigint; bets: bigint }>(
    `SELECT u.round_id, count(*) AS bets FROM unbooked_bets u JOIN rounds r ON r.id = u.round_id
     WHERE r.status IN ('OPEN', 'CLOSED') AND u.placed_at < now() - make_interval(secs => $1)
     GROUP BY u.round_id`,
    [SWEEP_AFTER_SECONDS],
  );
  if (!rows.length) return false;
  deps.metrics.sweptBets.inc(rows.reduce((n, r) => n + Number(r.bets), 0));
  await matchRounds(
    deps,
    rows.map((r) => r.round_id),
  );
  return true;
}
