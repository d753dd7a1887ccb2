// Partitions of the growing tables (migration 0015, docs/partitioning.md): created ahead of need
// by the scheduler leader, listed for operators, and detached when the rounds they hold are all
// final. The rules of what may be detached live here; the SQL functions make the partitions.
import type { Pool, Queryable } from './pool.ts';
import { oneRow } from './rows.ts';

/** The tables partitioned by round id, detached together: a round's rows never span two sets. */
export const ROUND_TABLES = ['matches', 'bets', 'round_settlements', 'transfer_keys'] as const;

export interface PartitionInfo {
  parent: string;
  name: string;
  /** Inclusive lower bound of the partition key (a 'day' key: days since 1970-01-01). */
  from: bigint;
  /** Exclusive upper bound. */
  to: bigint;
  /** The planner's row estimate (reltuples), not a count. */
  estimatedRows: number;
}

export interface Headroom {
  parent: string;
  /** The key now being written (the id sequence, the latest round, or tomorrow for days). */
  current: bigint;
  /** First key no partition holds yet. */
  readyUntil: bigint;
  /** Whole spans still ready beyond the one in use. */
  spansAhead: number;
}

/** Creates the partitions each scheme needs now and its `ahead` more; returns how many. */
export async function ensurePartitions(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ created: number }>('SELECT colorbet_ensure_partitions() AS created');
  return oneRow(rows, 'the count of partitions created').created;
}

export async function listPartitions(db: Queryable): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{ parent: string; name: string; bound: string; estimated: number }>(
    `SELECT p.relname AS parent, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
            greatest(c.reltuples, 0)::float8 AS estimated
     FROM partition_schemes s
     JOIN pg_class p ON p.relname = s.parent AND p.relnamespace = current_schema()::regnamespace
     JOIN pg_inherits i ON i.inhparent = p.oid
     JOIN pg_class c ON c.oid = i.inhrelid
     ORDER BY p.relname, c.relname`,
  );
  return rows
    .map((r) => {
      const m = /FROM \('?([-\d]+)'?\) TO \('?([-\d]+)'?\)/.exec(r.bound);
      if (!m) throw new Error(`unexpected partition bound of ${r.name}: ${r.bound}`);
      return {
        parent: r.parent,
        name: r.name,
        from: boundKey(m[1]!),
        to: boundKey(m[2]!),
        estimatedRows: r.estimated,
      };
    })
    .sort((a, b) => (a.parent === b.parent ? Number(a.from - b.from) : a.parent < b.parent ? -1 : 1));
}

const DAY_MS = 86_400_000n;

/** A partition bound as a key: a number, or a date ('day' schemes) as days since 1970-01-01. */
function boundKey(text: string): bigint {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return BigInt(text);
  return BigInt(Date.parse(`${text}T00:00:00Z`)) / DAY_MS;
}

/** A 'day' scheme's key (days since 1970-01-01) as its date. */
export const dayOfKey = (k: bigint): string => new Date(Number(k * DAY_MS)).toISOString().slice(0, 10);

/** How far ahead each scheme is ready: an alert fires before inserts could find no partition. */
export async function partitionHeadroom(db: Queryable): Promise<Headroom[]> {
  const parts = await listPartitions(db);
  const { rows } = await db.query<{ parent: string; span: bigint; current: bigint }>(
    `SELECT s.parent, s.span,
            CASE s.key_kind WHEN 'round' THEN (SELECT coalesce(max(id), 1) FROM rounds)
                 -- Days: claims write tomorrow's partition too (their shadow rows, 0028).
                 WHEN 'day' THEN (colorbet_utc_day(now()) - date '1970-01-01')::bigint + 1
                 ELSE colorbet_sequence_position(s.parent, s.key_col) END AS current
     FROM partition_schemes s ORDER BY s.parent`,
  );
  return rows.map((r) => {
    const readyUntil = parts
      .filter((p) => p.parent === r.parent && p.to > 1n)
      .reduce((top, p) => (p.to > top ? p.to : top), 0n);
    const spansAhead = Number((readyUntil - r.current) / r.span);
    return { parent: r.parent, current: r.current, readyUntil, spansAhead };
  });
}

export interface DetachPlan {
  /** Round ranges [from, to) whose partitions of every round table can leave. */
  ranges: { from: bigint; to: bigint; partitions: string[] }[];
  /** Why the next range cannot, when it cannot. */
  blockedBy?: string;
}

/**
 * The round ranges below `beforeRound` that may be detached: every round in the range is SETTLED
 * or VOID (final by rounds_guard, so no key of the range can be needed again), and a later round
 * exists (no new round can land in the range).
 */
export async function planRoundDetach(db: Queryable, beforeRound: bigint): Promise<DetachPlan> {
  const parts = (await listPartitions(db)).filter(
    (p) => (ROUND_TABLES as readonly string[]).includes(p.parent) && p.from >= 1n && p.to <= beforeRound,
  );
  const ranges = new Map<string, { from: bigint; to: bigint; partitions: string[] }>();
  for (const p of parts) {
    const k = `${p.from}:${p.to}`;
    const range = ranges.get(k) ?? { from: p.from, to: p.to, partitions: [] };
    range.partitions.push(p.name);
    ranges.set(k, range);
  }
  const plan: DetachPlan = { ranges: [] };
  for (const range of [...ranges.values()].sort((a, b) => Number(a.from - b.from))) {
    const { rows } = await db.query<{ open: string | null; later: boolean }>(
      `SELECT (SELECT min(id) FROM rounds WHERE id >= $1 AND id < $2 AND status NOT IN ('SETTLED', 'VOID'))::text AS open,
              EXISTS (SELECT 1 FROM rounds WHERE id >= $2) AS later`,
      [range.from, range.to],
    );
    const r = oneRow(rows, 'the state of the rounds in the range');
    if (r.open !== null) {
      plan.blockedBy = `round ${r.open} (in ${range.from}..${range.to - 1n}) is not final yet`;
      break;
    }
    if (!r.later) {
      plan.blockedBy = `no round after ${range.to - 1n} exists yet: the range may still receive rounds`;
      break;
    }
    if (range.partitions.length !== ROUND_TABLES.length) {
      plan.blockedBy = `range ${range.from}..${range.to - 1n} lacks a partition of some round table`;
      break;
    }
    plan.ranges.push(range);
  }
  return plan;
}

export const ARCHIVE_SCHEMA = 'colorbet_archive';

/**
 * Detaches one round range's partitions of every round table in one transaction (as the owner:
 * the service role owns nothing) and moves them to ARCHIVE_SCHEMA, or drops them with `drop`.
 * The detached matches lose their foreign keys to bets first: the bets they name leave too.
 */
export async function detachRoundRange(
  owner: Pool,
  range: { from: bigint; to: bigint },
  options: { drop: boolean },
): Promise<string[]> {
  const client = await owner.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    const plan = await planRoundDetach(client, range.to);
    const mine = plan.ranges.find((r) => r.from === range.from && r.to === range.to);
    if (!mine)
      throw new Error(`rounds ${range.from}..${range.to - 1n} cannot be detached: ${plan.blockedBy}`);
    const byParent = new Map(
      (await listPartitions(client))
        .filter((p) => p.from === range.from && p.to === range.to)
        .map((p) => [p.parent, p.name]),
    );
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ARCHIVE_SCHEMA}`);
    const moved: string[] = [];
    for (const parent of ROUND_TABLES) {
      const name = byParent.get(parent)!;
      await client.query(`ALTER TABLE ${parent} DETACH PARTITION ${name}`);
      if (parent === 'matches') {
        await client.query(`ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS matches_bet_fkey`);
        await client.query(`ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS matches_against_bet_fkey`);
      }
      if (options.drop) await client.query(`DROP TABLE ${name}`);
      else await client.query(`ALTER TABLE ${name} SET SCHEMA ${ARCHIVE_SCHEMA}`);
      moved.push(name);
    }
    await client.query(
      'INSERT INTO archived_round_ranges (from_round, to_round, partitions, dropped) VALUES ($1, $2, $3, $4)',
      [range.from, range.to, moved, options.drop],
    );
    await client.query('COMMIT');
    return moved;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
