// Match worker: takes bet events from the outbox (SKIP LOCKED, so any number of workers
// share them), runs the matching pass of each round they name, and runs the final pass of
// rounds that closed. The per-round match lock keeps passes on one round one at a time.
import { MatchBooks } from '../betting/match-book.ts';
import { PASS_LIMIT, runMatchPass, type PassResult } from '../betting/match-pass.ts';
import type { Pool, PoolClient, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { StreamBus } from '../bus/streams.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { startLoop, type Worker } from './loop.ts';
import { onBehalfOfRound } from './round-failures.ts';
import { claimNextClosedRound, forgetFailures } from '../betting/quarantine.ts';

const CLAIM = 2000;

export interface MatchDeps {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
  /** With Redis: bet events come from the stream bus instead of the outbox table. */
  bus?: StreamBus;
  /** Rounds a bounded pass left with unbooked bets; the worker returns to them first. */
  backlog?: Set<bigint>;
  /** The books this worker's passes left, reused while no one else changed them. */
  books?: MatchBooks;
}

const GROUP = 'match';
const RECLAIM_IDLE_MS = 15_000;
const SWEEP_AFTER_SECONDS = 2;

/**
 * One bounded pass over a round: at most PASS_LIMIT bets are booked, so the transaction that
 * runs it stays short (matches become visible, cancels do not wait, the snapshot does not hold
 * the projection back). `more` says the round still has unbooked bets: the worker comes back
 * to it at once, in a new transaction.
 */
export async function matchRound(
  db: Queryable,
  roundId: bigint,
  books?: MatchBooks,
): Promise<PassResult & { more: boolean }> {
  const pass = await runMatchPass(db, roundId, books);
  return { ...pass, more: pass.booked >= PASS_LIMIT };
}

function report(deps: MatchDeps, roundId: bigint, pass: PassResult): void {
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

/**
 * Runs the passes of the given rounds in one transaction (in round order, so two workers take
 * the rounds' match locks in the same order), then reports them. `claim` runs first in the same
 * transaction and may add rounds (the outbox events it consumed).
 */
async function matchRounds(
  deps: MatchDeps,
  roundIds: bigint[],
  claim?: (client: PoolClient) => Promise<bigint[]>,
): Promise<number> {
  if (!claim && !roundIds.length) return 0;
  const results = await withTransaction(deps.pool, async (client) => {
    const ids = [...new Set([...roundIds, ...(claim ? await claim(client) : [])])].sort((a, b) =>
      a < b ? -1 : 1,
    );
    const passes: [bigint, PassResult & { more: boolean }][] = [];
    for (const id of ids) passes.push([id, await matchRound(client, id, deps.books)]);
    return passes;
  });
  for (const [roundId, pass] of results) {
    report(deps, roundId, pass);
    if (pass.more) deps.backlog?.add(roundId);
  }
  return results.length;
}

/** Consumes pending bet events from the outbox (the embedded default); returns whether there was any. */
export async function consumeBetEvents(deps: MatchDeps): Promise<boolean> {
  const rounds = await matchRounds(deps, [], async (client) => {
    const { rows } = await client.query<{ round_id: bigint }>(
      `WITH claimed AS (
         DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE topic = 'bet' AND relayed_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING partition_key)
       SELECT DISTINCT partition_key AS round_id FROM claimed`,
      [CLAIM],
    );
    return rows.map((r) => r.round_id);
  });
  return rounds > 0;
}

/**
 * Consumes bet events from the stream bus, acknowledging them once the passes committed.
 * Every few seconds it also takes over what dead consumers left pending.
 */
export function busConsumer(deps: MatchDeps & { bus: StreamBus }, consumer: string) {
  let lastReclaim = 0;
  let lastStats = 0;
  return async (): Promise<boolean> => {
    const messages = await deps.bus.read(GROUP, consumer, 500);
    if (Date.now() - lastReclaim > RECLAIM_IDLE_MS / 3) {
      lastReclaim = Date.now();
      const reclaimed = await deps.bus.reclaim(GROUP, consumer, RECLAIM_IDLE_MS, 200);
      deps.metrics.busRedeliveries.inc(reclaimed.length);
      messages.push(...reclaimed);
    }
    if (Date.now() - lastStats > 5000) {
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

/**
 * PostgreSQL is the source of truth: bets that no event brought to a matcher (an event lost
 * with a Redis restart, trimmed, or not yet relayed while Redis is down) are found here.
 */
export async function sweepUnbooked(deps: MatchDeps): Promise<boolean> {
  const { rows } = await deps.pool.query<{ round_id: bigint; bets: bigint }>(
    `SELECT b.round_id, count(*) AS bets FROM bets b JOIN rounds r ON r.id = b.round_id
     WHERE b.seq IS NULL AND r.status IN ('OPEN', 'CLOSED') AND b.placed_at < now() - make_interval(secs => $1)
     GROUP BY b.round_id`,
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

/**
 * The final pass of one CLOSED round, one bounded pass per transaction; once a pass finds the
 * book complete (no bets can arrive in a CLOSED round) the round moves to SETTLING.
 */
export async function finalPass(deps: MatchDeps): Promise<boolean> {
  // A round whose final pass keeps failing goes to the back of the line, then to quarantine.
  const done = await onBehalfOfRound(deps, 'final pass', async (client, takeUp) => {
    const roundId = await claimNextClosedRound(client);
    if (roundId === undefined) return undefined;
    takeUp(roundId);
    const pass = await matchRound(client, roundId, deps.books);
    if (!pass.more) {
      await client.query(`UPDATE rounds SET status = 'SETTLING' WHERE id = $1`, [roundId]);
      deps.books?.forget(roundId);
    }
    await forgetFailures(client, roundId);
    return [roundId, pass] as const;
  });
  if (!done) return false;
  const [roundId, pass] = done;
  report(deps, roundId, pass);
  if (!pass.more) {
    deps.events.publish([
      { type: 'round', roundId: roundId.toString(), status: 'SETTLING' },
      { type: 'wake', worker: 'settle' },
    ]);
  }
  return true;
}

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
