// Bet events from the Redis stream bus (consumer group "match"): read, run, acknowledged once
// the passes committed. Every few seconds it takes over what dead consumers left pending and
// sets the lag and pending gauges.
import type { StreamBus } from '../bus/streams.ts';
import { matchRounds, type MatchDeps } from './match-rounds.ts';

const GROUP = 'match';
const READ = 500;
const RECLAIM_IDLE_MS = 15_000;
const RECLAIM = 200;
const STATS_EVERY_MS = 5000;

export function busConsumer(deps: MatchDeps & { bus: StreamBus }, consumer: string) {
  let lastReclaim = 0;
  let lastStats = 0;
  return async (): Promise<boolean> => {
    const messages = await deps.bus.read(GROUP, consumer, READ);
    if (Date.now() - lastReclaim > RECLAIM_IDLE_MS / 3) {
      lastReclaim = Date.now();
      const reclaimed = await deps.bus.reclaim(GROUP, consumer, RECLAIM_IDLE_MS, RECLAIM);
      deps.metrics.busRedeliveries.inc(reclaimed.length);
      messages.push(...reclaimed);
    }
    if (Date.now() - lastStats > STATS_EVERY_MS) {
      lastStats = Date.now();
      for (const s of await deps.bus.groupStats(GROUP)) {
        deps.metrics.busLag.set({ partition: String(s.partition), group: GROUP }, s.lag);
        deps.metrics.busPending.set({ partition: String(s.partition), group: GROUP }, s.pending);
      }
    }
    if (!messages.length) return false;
    await matchRounds(
      deps,
      messages.map((m) => m.roundId),
    );
    await deps.bus.ack(GROUP, messages);
    return true;
  };
}
