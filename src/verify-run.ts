// The runner of the invariant checks (the check sets are the *-checks.ts files it imports):
// `colorbet verify`, the periodic audit and GET /v1/admin/audit: every invariant check, one
// report. A run proves what is new since the checkpoint of the last run that held (or
// everything with `full`, or when there is no checkpoint yet) in one REPEATABLE READ snapshot,
// and advances the checkpoint in the same transaction only when every check held.
import { advanceCheckpoint, readCheckpoint, scopeRun, type Position } from './verify-checkpoint.ts';
import { bettingChecks } from './betting/game-checks.ts';
import type { Pool, PoolClient } from './db/pool.ts';
import { checkResult, ledgerChecks, type Check, type CheckResult } from './ledger/ledger-checks.ts';
import { transferKeysComplete } from './ledger/transfer-key-checks.ts';
import { oneRow } from './db/rows.ts';

export interface AuditReport {
  ok: boolean;
  checkedAt: string;
  mode: 'full' | 'incremental';
  /** What this run read: transfers after the checkpoint and rounds in scope. */
  proved: { transfers: number; rounds: number; seconds: number };
  /** The checkpoint after the run; it moves only when every check held. */
  checkpoint: { advanced: boolean; reason?: string } & Partial<Position>;
  checks: CheckResult[];
}

export interface AuditOptions {
  /** Re-prove everything, ignoring the checkpoint (and rewrite it when everything holds). */
  full?: boolean;
  checks?: Check[];
}

/** Each check is one entry: add it here and its first run is a full one (it has no checkpoint). */
export const allChecks: Check[] = [...ledgerChecks, transferKeysComplete, ...bettingChecks];

// One run advances the checkpoint at a time; "colorver" in ASCII.
const VERIFY_LOCK = 0x636f6c6f72766572n;

export async function runAudit(pool: Pool, options: AuditOptions = {}): Promise<AuditReport> {
  const checks = options.checks ?? allChecks;
  const started = performance.now();
  const client = await pool.connect();
  let locked = false;
  let broken = false;
  try {
    // Taken before the snapshot, so the checkpoint read below is the one this run may move.
    locked = oneRow(
      await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [VERIFY_LOCK]),
      'the answer of pg_try_advisory_lock',
    ).ok;
    return await inSnapshot(client, pool, checks, options, locked, started);
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    if (locked) {
      await client.query('SELECT pg_advisory_unlock($1)', [VERIFY_LOCK]).catch(() => {
        broken = true; // never hand a connection that still holds the lock back to the pool
      });
    }
    client.release(broken);
  }
}

async function inSnapshot(
  client: PoolClient,
  pool: Pool,
  checks: Check[],
  options: AuditOptions,
  locked: boolean,
  started: number,
): Promise<AuditReport> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    // A full run at 10^8 rows outlasts the pool's 30 s statement timeout. The run only reads
    // until it advances the checkpoint, so it takes no transaction id and holds back neither
    // the projection (pg_snapshot_xmin) nor any writer.
    await client.query('SET LOCAL statement_timeout = 0');
    // The checks' cost estimates reach JIT thresholds; compiling them took longer than running them.
    await client.query('SET LOCAL jit = off');
    const cp = options.full ? undefined : await readCheckpoint(client, checks);
    const run = await scopeRun(client, pool, cp);
    const results: CheckResult[] = [];
    for (const check of checks) {
      const t0 = performance.now();
      const result = checkResult(check, await check.find(run.scope));
      results.push({ ...result, ms: Math.round(performance.now() - t0) });
    }
    const ok = results.every((r) => r.ok);
    const stays = cp
      ? { txid: cp.lastTxid, id: cp.lastId.toString(), roundId: cp.lastRoundId.toString() }
      : {};
    const checkpoint: AuditReport['checkpoint'] = !ok
      ? { advanced: false, reason: 'an invariant failed: the checkpoint stays', ...stays }
      : !locked
        ? { advanced: false, reason: 'another verify run holds the checkpoint', ...stays }
        : { advanced: true, ...(await advanceCheckpoint(client, checks, run)) };
    await client.query('COMMIT');
    return {
      ok,
      checkedAt: new Date().toISOString(),
      mode: run.scope.full ? 'full' : 'incremental',
      proved: {
        transfers: run.transfers,
        rounds: run.rounds,
        seconds: Math.round(performance.now() - started) / 1000,
      },
      checkpoint,
      checks: results,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export function formatAudit(report: AuditReport): string {
  const lines = report.checks.map((c) => {
    const head = `${c.ok ? 'ok  ' : 'FAIL'} ${c.invariant.padEnd(3)} ${c.name}: ${c.detail}`;
    return c.violations?.length
      ? `${head}\n${c.violations.map((v) => `       ${JSON.stringify(v)}`).join('\n')}`
      : head;
  });
  const { proved, checkpoint: cp } = report;
  lines.unshift(
    `${report.mode} run: ${proved.transfers} transfers and ${proved.rounds} rounds proved in ${proved.seconds} s`,
  );
  lines.push(
    cp.advanced
      ? `checkpoint: transfers up to (txid ${cp.txid}, id ${cp.id}), rounds up to ${cp.roundId}`
      : `checkpoint not advanced: ${cp.reason}`,
  );
  if (cp.heldBackBy)
    lines.push(`checkpoint held back (newer transfers are proved again next run) by ${cp.heldBackBy}`);
  lines.push(report.ok ? 'all invariants hold' : 'INVARIANTS VIOLATED');
  return lines.join('\n');
}
