// Reporting of a committed matching pass: per-bet debug lines, the match metrics and the live
// events. It runs after COMMIT only, so nothing is reported for a pass that rolled back.
import type { PassResult } from '../betting/match-pass.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface ReportDeps {
  logger: Logger;
  metrics: Metrics;
  events: EventHub;
}

export function reportPass(deps: ReportDeps, roundId: bigint, pass: PassResult): void {
  if (!pass.fills.length) return;
  // One line per bet whose matched amount changed, carrying the request id of the HTTP request
  // that placed it, so a bet's whole life can be followed by that id.
  // Debug: a match moves no money (the stake is in escrow since placement), and a busy round
  // matches many bets a second; the money lines and the round's life stay at info.
  for (const t of pass.touched) {
    deps.logger.debug(
      {
        requestId: t.requestId,
        betId: t.betId.toString(),
        roundId: roundId.toString(),
        userId: t.userId.toString(),
        matched: t.matched.toString(),
      },
      'bet matched',
    );
  }
  deps.metrics.matches.inc(pass.fills.length);
  deps.metrics.matchedVolume.inc(Number(pass.fills.reduce((s, f) => s + f.amount, 0n)));
  const events: LiveEvent[] = pass.touched.map((t) => ({
    type: 'bet',
    userId: t.userId.toString(),
    betId: t.betId.toString(),
    roundId: roundId.toString(),
    change: 'matched',
  }));
  events.push({ type: 'round', roundId: roundId.toString(), status: 'OPEN', change: 'totals' });
  deps.events.publish(events);
}
