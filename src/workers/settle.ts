// Settle worker: one bounded step at a time. A step settles the next unsettled chunk of a
// SETTLING round (SKIP LOCKED, so workers share a round), or plans a round's chunks, or sets a
// round whose chunks are all settled SETTLED. A crash rolls back only the chunk in hand; the
// next worker resumes at the first unsettled chunk, and unique keys make a second settlement
// of the same (round, player) impossible.
import {
  claimNextChunk,
  claimNextSettlingRound,
  forgetFailures,
  roundsLeftToSettle,
} from '../betting/quarantine.ts';
import {
  DEFAULT_CHUNK_PLAYERS,
  planOrFinish,
  settleChunkInDb,
  type RoundStep,
} from '../betting/settlement-chunks.ts';
import type { SettledRound } from '../betting/settlement-writes.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { startLoop, type Worker } from './loop.ts';
import { onBehalfOfRound } from './round-failures.ts';

export interface SettleDeps {
  pool: Pool;
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
  /** Players per settlement chunk (SETTLE_CHUNK_PLAYERS). */
  chunkPlayers?: number;
}

/** The events of a settled or voided round, or of one chunk's players (no round event until the round is final). */
export function settledEvents(s: SettledRound): LiveEvent[] {
  const roundId = s.roundId.toString();
  return [
    ...(s.chunk === undefined ? [{ type: 'round', roundId, status: s.outcome } as const] : []),
    ...s.userIds.map((u): LiveEvent => ({ type: 'balance', userId: u.toString(), roundId })),
    ...s.userIds.map((u): LiveEvent => ({
      type: 'bet',
      userId: u.toString(),
      betId: '*',
      roundId,
      status: s.outcome,
    })),
  ];
}

/** One debug line per settled bet, with the request id that placed it (the audit trail). */
export function logSettledBets(logger: Logger, s: SettledRound): void {
  if (!logger.isLevelEnabled('debug')) return;
  for (const b of s.betResults) {
    logger.debug(
      {
        requestId: b.requestId,
        betId: b.betId,
        roundId: s.roundId.toString(),
        userId: b.userId,
        outcome: s.outcome,
        payout: b.payout.toString(),
        refund: b.refund.toString(),
      },
      `bet ${s.outcome === 'VOID' ? 'voided' : 'settled'}`,
    );
  }
}

export type SettleStep = { kind: 'chunk'; settled: SettledRound; seconds: number } | RoundStep;

/** The log fields of a settled chunk or round (the chunk number only for a chunk). */
function summary(s: SettledRound, seconds: number) {
  return {
    roundId: s.roundId.toString(),
    ...(s.chunk === undefined ? {} : { chunk: s.chunk }),
    players: s.players,
    bets: s.bets,
    commission: s.commission.toString(),
    paid: s.paid.toString(),
    seconds,
  };
}

function afterChunk(deps: SettleDeps, settled: SettledRound, seconds: number): void {
  deps.metrics.settlementChunks.inc();
  deps.metrics.settlementChunkDuration.observe(seconds);
  deps.metrics.commission.inc(Number(settled.commission));
  logSettledBets(deps.logger, settled);
  deps.logger.info(summary(settled, seconds), 'settlement chunk paid');
  deps.events.publish(settledEvents(settled));
}

function afterRound(deps: SettleDeps, settled: SettledRound, seconds: number): void {
  deps.metrics.settlements.inc({ outcome: 'settled' });
  deps.metrics.settlementDuration.observe(seconds);
  deps.logger.info(summary(settled, seconds), 'round settled');
  deps.events.publish([...settledEvents(settled), { type: 'wake', worker: 'project' }]);
}

/**
 * One bounded step of settlement, or undefined when there is nothing to do. Planning and
 * finishing go first, so a round that was never tried is planned before a failing round's
 * chunk is retried, and the chunks of all planned rounds then go in line by failures.
 */
export async function settleStep(deps: SettleDeps): Promise<SettleStep | undefined> {
  const started = process.hrtime.bigint();
  const step = await onBehalfOfRound(deps, 'settlement', async (client, takeUp) => {
    const roundId = await claimNextSettlingRound(client);
    if (roundId === undefined) return undefined;
    takeUp(roundId);
    return planOrFinish(client, roundId, deps.chunkPlayers ?? DEFAULT_CHUNK_PLAYERS);
  });
  if (step?.kind === 'planned') {
    deps.logger.info({ roundId: step.roundId.toString(), chunks: step.chunks }, 'settlement planned');
    return step;
  }
  if (step?.kind === 'final') {
    afterRound(deps, step.settled, step.seconds);
    return step;
  }
  const chunk = await onBehalfOfRound(deps, 'settlement', async (client, takeUp) => {
    const next = await claimNextChunk(client);
    if (next === undefined) return undefined;
    takeUp(next.roundId);
    const paid = await settleChunkInDb(client, next, deps.logger.isLevelEnabled('debug'));
    if (paid) await forgetFailures(client, next.roundId);
    return paid;
  });
  if (!chunk) return undefined;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  afterChunk(deps, chunk, seconds);
  return { kind: 'chunk', settled: chunk, seconds };
}

/** Steps settleNext takes at most: a million players in chunks of 2,000 is 500 chunk steps. */
const MAX_STEPS_PER_ROUND = 100_000;

/**
 * Runs settlement steps until a round is SETTLED (returned) or no round is left to settle
 * (undefined). Each step is its own transaction; this is for callers that want a whole round.
 * A round that is only held by another transaction for a moment (a void deciding, another
 * worker's chunk) is waited for, up to `waitMs`, rather than taken for "nothing to do".
 */
export async function settleNext(
  deps: SettleDeps,
  waitMs = 30_000,
  maxSteps = MAX_STEPS_PER_ROUND,
): Promise<SettledRound | undefined> {
  const deadline = Date.now() + waitMs;
  for (let steps = 0; steps < maxSteps; steps++) {
    const step = await settleStep(deps);
    if (step?.kind === 'final') return step.settled;
    if (step) continue;
    if (Date.now() > deadline || !(await roundsLeftToSettle(deps.pool))) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`settleNext: no round reached SETTLED within ${maxSteps} steps`);
}

export function startSettleWorker(deps: SettleDeps): Worker {
  const worker = startLoop('settle', async () => (await settleStep(deps)) !== undefined, {
    idleMs: 100,
    logger: deps.logger,
  });
  const unsubscribe = deps.events.subscribe((e) => {
    if (e.type === 'wake' && e.worker === 'settle') worker.nudge();
  });
  return { ...worker, stop: async () => (unsubscribe(), worker.stop()) };
}
