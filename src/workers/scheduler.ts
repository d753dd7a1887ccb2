// Scheduler: opens and closes rounds on the configured clock. The clock lives in the
// database (each round's closes_at), so a restarted scheduler simply carries on. Exactly one
// process acts at a time: the one holding a session advisory lock on its own connection.
// If that process dies, PostgreSQL releases the lock and another scheduler takes over.
import pg from 'pg';
import { SCHEDULER_LOCK } from '../betting/locks.ts';
import {
  closeRound,
  fairnessKeyProblem,
  openRound,
  SeedUnavailableError,
  type RoundTerms,
} from '../betting/rounds.ts';
import { termsToOpen } from '../betting/game-config.ts';
import type { SeedChains } from '../betting/seed-chains.ts';
import { voidRoundInDb } from '../betting/settlement-writes.ts';
import type { EventHub, LiveEvent } from '../bus/events.ts';
import type { Logger } from '../observability/logger.ts';
import { startLoop, type Worker } from './loop.ts';
import { settledEvents } from './settle.ts';
import { oneRow } from '../db/rows.ts';

export interface SchedulerDeps {
  databaseUrl: string;
  /** The service's least-privilege role (DATABASE_SET_ROLE), set on the scheduler's connection too. */
  role?: string;
  terms: RoundTerms;
  /** Derives the seeds the scheduler publishes the hash of and reveals (the fairness key). */
  seeds: SeedChains;
  logger: Logger;
  events: EventHub;
  tickMs?: number;
  /** REVEAL_SECONDS: how long the last round's result stands alone before the next round opens (default 0). */
  revealSeconds?: number;
}

export interface Scheduler extends Worker {
  isLeader(): boolean;
}

/**
 * One tick: close every due round; open the next once the last round's reveal is over
 * (`revealSeconds` after it closed or was voided), atomically. A due round whose seed this
 * process cannot derive (the fairness key was lost or changed) is voided, every stake refunded,
 * and the next round starts a new chain. The reveal only delays the next open: the closed
 * round's final pass and settlement run as before.
 */
export async function schedulerTick(
  client: pg.Client,
  terms: RoundTerms,
  seeds: SeedChains,
  logger: Logger,
  revealSeconds = 0,
): Promise<LiveEvent[]> {
  await client.query('BEGIN');
  try {
    const events: LiveEvent[] = [];
    const due = await client.query<{ id: bigint }>(
      `SELECT id FROM rounds WHERE status = 'OPEN' AND closes_at <= now() ORDER BY id`,
    );
    for (const r of due.rows) {
      let closed: boolean;
      try {
        closed = await closeRound(client, r.id, seeds);
      } catch (err) {
        if (!(err instanceof SeedUnavailableError)) throw err;
        logger.error({ roundId: r.id.toString(), code: 'SEED_UNAVAILABLE' }, `${err.message}: voiding it`);
        // The reason is said on the round, so its page and the rules explain the void (migration 0020).
        events.push(...settledEvents(await voidRoundInDb(client, r.id, null, seeds, 'seed_unavailable')));
        continue;
      }
      if (closed) {
        events.push(
          { type: 'round', roundId: r.id.toString(), status: 'CLOSED' },
          { type: 'wake', worker: 'match' },
        );
      }
    }
    // No round open, and the newest one (if any) ended at least revealSeconds ago.
    const open = await client.query(
      `SELECT 1 FROM rounds WHERE status = 'OPEN'
       UNION ALL
       SELECT 1 FROM (SELECT closed_at, voided_at FROM rounds ORDER BY id DESC LIMIT 1) newest
       WHERE coalesce(newest.closed_at, newest.voided_at) > now() - make_interval(secs => $1::int)`,
      [revealSeconds],
    );
    if (open.rowCount === 0) {
      // The newest configuration version: a change applies from the next round that opens.
      const round = await openRound(client, await termsToOpen(client, terms), seeds);
      events.push({
        type: 'round',
        roundId: round.id.toString(),
        status: 'OPEN',
        serverSeedHash: round.server_seed_hash,
        opensAt: round.opens_at.toISOString(),
        closesAt: round.closes_at.toISOString(),
      });
    }
    await client.query('COMMIT');
    return events;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export function startScheduler(deps: SchedulerDeps): Scheduler {
  let client: pg.Client | undefined;
  let leader = false;
  const drop = async () => {
    leader = false;
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
  const worker = startLoop(
    'scheduler',
    async () => {
      try {
        if (!client) {
          const c = new pg.Client({
            connectionString: deps.databaseUrl,
            application_name: 'colorbet-scheduler',
            ...(deps.role ? { options: `-c role=${deps.role}` } : {}),
          });
          c.on('error', () => void drop());
          await c.connect();
          client = c;
        }
        if (!leader) {
          const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
            SCHEDULER_LOCK,
          ]);
          leader = oneRow(got, 'the answer of pg_try_advisory_lock').ok;
          if (!leader) return false;
          deps.logger.info('scheduler: this process is now the leader');
          const problem = await fairnessKeyProblem(client, deps.seeds);
          if (problem) deps.logger.error({ code: 'SEED_UNAVAILABLE' }, `scheduler: ${problem}`);
        }
        const events = await schedulerTick(client, deps.terms, deps.seeds, deps.logger, deps.revealSeconds);
        if (events.length) deps.events.publish(events);
        return false;
      } catch (err) {
        await drop();
        throw err;
      }
    },
    { idleMs: deps.tickMs ?? 200, logger: deps.logger },
  );
  return {
    ...worker,
    isLeader: () => leader,
    stop: async () => {
      await worker.stop();
      await drop();
    },
  };
}
