// Match worker: the loop that composes the matching steps. Each turn it runs, in this order,
// the rounds a bounded pass left unfinished (backlog), the new bet events (Redis stream with
// Redis, the outbox table without), the final pass of a CLOSED round (final-pass.ts) and, at
// most once a second, the PostgreSQL sweep for bets no event brought (match-sweep.ts). The
// per-round match lock keeps passes on one round one at a time.
import { MatchBooks } from '../betting/match-book.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { finalPass } from './final-pass.ts';
import { startLoop, type Worker } from './loop.ts';
import { consumeBetEvents } from './match-outbox.ts';
import { matchRounds, type MatchDeps } from './match-rounds.ts';
import { busConsumer } from './match-stream.ts';
import { sweepUnbooked } from './match-sweep.ts';

export function startMatchWorker(base: MatchDeps): Worker {
  const deps: MatchDeps = {
    ...base,
    backlog: base.backlog ?? new Set(),
    books: base.books ?? new MatchBooks(),
  };
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const fromBus = deps.bus ? busConsumer({ ...deps, bus: deps.bus }, consumer) : undefined;
  let lastSweep = 0;
  let busDownSince = 0;
  const worker = startLoop(
    'match',
    async () => {
      let consumed = false;
      // Rounds a bounded pass left unfinished come first: one more bounded pass each, in one
      // short transaction (at most PASS_LIMIT bets per round).
      const backlog = [...(deps.backlog ?? [])];
      deps.backlog?.clear();
      if (backlog.length) consumed = (await matchRounds(deps, backlog)) > 0;
      if (fromBus) {
        try {
          consumed = (await fromBus()) || consumed;
          busDownSince = 0;
        } catch (err) {
          // The bus being down must not stop final passes or the sweep.
          if (!busDownSince)
            deps.logger.warn({ err }, 'match: bus unavailable; matching from PostgreSQL sweeps');
          busDownSince ||= Date.now();
        }
      } else {
        consumed = (await consumeBetEvents(deps)) || consumed;
      }
      // A failing final pass must not stop the sweep: its error is raised after it.
      let failed: unknown;
      const finished = await finalPass(deps).catch((err: unknown) => ((failed = err), false));
      let swept = false;
      if (Date.now() - lastSweep > 1000) {
        lastSweep = Date.now();
        swept = await sweepUnbooked(deps);
      }
      if (failed !== undefined) throw failed;
      return consumed || finished || swept;
    },
    { idleMs: 25, logger: deps.logger },
  );
  const unsubscribe = deps.events.subscribe((e) => {
    if (e.type === 'wake' && e.worker === 'match') worker.nudge();
  });
  return { ...worker, stop: async () => (unsubscribe(), worker.stop()) };
}
