// `colorbet partitions`: what is partitioned and how far ahead, creating what is due, and
// detaching the partitions of final rounds (as the owner role: the service role owns nothing).
import {
  dayOfKey,
  detachRoundRange,
  ensurePartitions,
  listPartitions,
  partitionHeadroom,
  planRoundDetach,
} from '../db/partitions.ts';
import { createPool } from '../db/pool.ts';
import type { Runtime } from './runtime.ts';

export async function partitionsReport(rt: Runtime): Promise<string> {
  const [parts, headroom] = await Promise.all([listPartitions(rt.pool), partitionHeadroom(rt.pool)]);
  const lines = [
    'table               partition                   from            to (excl.)      rows (est.)',
  ];
  // Day-partitioned tables (idempotency_keys) show their bounds as dates.
  const key = (parent: string, k: bigint) => (parent === 'idempotency_keys' ? dayOfKey(k) : String(k));
  for (const p of parts) {
    lines.push(
      `${p.parent.padEnd(20)}${p.name.padEnd(28)}${key(p.parent, p.from).padEnd(16)}${key(p.parent, p.to).padEnd(16)}${Math.round(p.estimatedRows)}`,
    );
  }
  lines.push(
    '',
    'headroom: table, key now being written, ready until, whole spans ready beyond the current one',
  );
  for (const h of headroom)
    lines.push(
      `  ${h.parent.padEnd(20)}${key(h.parent, h.current).padEnd(16)}${key(h.parent, h.readyUntil).padEnd(16)}${h.spansAhead}`,
    );
  return lines.join('\n');
}

export async function partitionsEnsure(rt: Runtime): Promise<string> {
  return `${await ensurePartitions(rt.pool)} partition(s) created`;
}

/**
 * Detaches every round range below `beforeRound` whose rounds are all final, one range per
 * transaction, oldest first; stops at the first range that may not leave and says why.
 */
export async function partitionsDetach(
  rt: Runtime,
  beforeRound: bigint,
  options: { drop: boolean; dryRun: boolean },
): Promise<string> {
  const plan = await planRoundDetach(rt.pool, beforeRound);
  const lines: string[] = [];
  if (options.dryRun) {
    for (const r of plan.ranges)
      lines.push(`would detach rounds ${r.from}..${r.to - 1n}: ${r.partitions.join(', ')}`);
  } else {
    const owner = createPool(rt.databaseUrl, { max: 1, applicationName: 'colorbet-partitions' });
    try {
      for (const r of plan.ranges) {
        const moved = await detachRoundRange(owner, r, { drop: options.drop });
        lines.push(
          `${options.drop ? 'dropped' : 'detached to colorbet_archive'}: rounds ${r.from}..${r.to - 1n}: ${moved.join(', ')}`,
        );
      }
    } finally {
      await owner.end();
    }
  }
  if (plan.ranges.length === 0) lines.push(`nothing to detach below round ${beforeRound}`);
  if (plan.blockedBy) lines.push(`stopped: ${plan.blockedBy}`);
  return lines.join('\n');
}
