// The matching step every source of work shares: bounded passes over the named rounds in one
// transaction, reported after COMMIT. The outbox claim, the stream, the sweep and the backlog
// only decide which rounds; this file runs them.
import type { MatchBooks } from '../betting/match-book.ts';
import { PASS_LIMIT, runMatchPass, type PassResult } from '../betting/match-pass.ts';
import type { EventHub } from '../bus/events.ts';
import type { StreamBus } from '../bus/streams.ts';
import type { Pool, PoolClient, Queryable } from '../db/pool.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { reportPass } from './match-report.ts';

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

/**
 * Runs the passes of the given rounds in one transaction (in round order, so two workers take
 * the rounds' match locks in the same order), then reports them. `claim` runs first in the same
 * transaction and may add rounds (the outbox events it consumed).
 */
export async function matchRounds(
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
    reportPass(deps, roundId, pass);
    if (pass.more) deps.backlog?.add(roundId);
  }
  return results.length;
}
