// `colorbet simulate`: wiring of the simulator with a progress bar, a summary from the
// database, and the audit at the end.
import cliProgress from 'cli-progress';
import { runAudit, formatAudit } from '../verify-run.ts';
import { generatePassword } from '../auth/passwords.ts';
import { TokenService } from '../auth/tokens.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { createUser } from '../auth/users.ts';
import { oneRow } from '../db/rows.ts';
import { runSimulation } from '../sim/simulate.ts';
import { browsableBase } from './banner.ts';
import { formatCounts, formatMajor } from './format.ts';
import type { Runtime } from './runtime.ts';

export interface SimulateFlags {
  players: string;
  rounds: string;
  url?: string;
  betsPerPlayer: string;
  operatorToken?: string;
  json?: boolean;
}

/** The API the simulator drives: --url, or this machine's HOST:PORT. */
export function simulateUrl(config: Runtime['config'], flags: Pick<SimulateFlags, 'url'>): string {
  return flags.url ?? browsableBase(config.host, config.port);
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

export async function simulateCommand(rt: Runtime, flags: SimulateFlags): Promise<boolean> {
  const url = simulateUrl(rt.config, flags);
  let operatorToken = flags.operatorToken;
  if (!operatorToken) {
    const op = await createUser(
      rt.pool,
      `sim_operator_${Date.now().toString(36)}`,
      generatePassword(),
      'operator',
    );
    operatorToken = await new TokenService(await resolveAuthSecret(rt.config, rt.pool), 3600).issue(op);
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {phase} [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  const summary = await runSimulation({
    url,
    players: positive('players', flags.players),
    rounds: positive('rounds', flags.rounds),
    betsPerPlayer: positive('bets-per-player', flags.betsPerPlayer),
    operatorToken,
    minBet: Number(rt.config.minBet),
    maxBet: Number(rt.config.maxBet),
    onProgress: (p) => {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(p.total, p.done, { phase: p.phase.padEnd(14) });
      }
      bar.update(p.done, { phase: p.phase.padEnd(14) });
    },
  });
  bar.stop();
  const { rows } = await rt.pool.query<{
    matched: bigint;
    refunds: bigint;
    commission: bigint;
    staked: bigint;
    bets: bigint;
  }>(
    `SELECT (SELECT coalesce(sum(amount), 0) FROM matches WHERE round_id = ANY($1))::bigint AS matched,
            (SELECT coalesce(sum(refund), 0) FROM bets WHERE round_id = ANY($1))::bigint AS refunds,
            (SELECT coalesce(sum(commission), 0) FROM round_settlements WHERE round_id = ANY($1))::bigint AS commission,
            (SELECT coalesce(sum(amount), 0) FROM bets WHERE round_id = ANY($1))::bigint AS staked,
            (SELECT count(*) FROM bets WHERE round_id = ANY($1)) AS bets`,
    [summary.rounds],
  );
  const totals = oneRow(rows, 'the totals of the simulated rounds');
  const l = summary.latency;
  const report = await runAudit(rt.pool);
  if (flags.json) {
    // Integer minor units, like the API.
    const line = {
      url,
      rounds: summary.rounds,
      players: summary.players,
      betsAccepted: summary.betsAccepted,
      betsPerSecond: Math.round(summary.betsPerSecond),
      betsRefused: summary.betsRejected,
      cancels: summary.cancels,
      betsInRounds: Number(totals.bets),
      staked: Number(totals.staked),
      matched: Number(totals.matched),
      refunds: Number(totals.refunds),
      commission: Number(totals.commission),
      latencyMs: l,
      verify: report,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return report.ok;
  }
  const out = [
    '',
    `API              ${url}`,
    `rounds           ${summary.rounds.join(', ')}`,
    `players          ${summary.players}`,
    `bets accepted    ${summary.betsAccepted} (${summary.betsPerSecond.toFixed(0)} bets/s while placing)`,
    `bets refused     ${formatCounts(summary.betsRejected)}`,
    `cancels          ${summary.cancels}`,
    `bets in rounds   ${totals.bets} (all players, demo crowd included)`,
    `staked           ${formatMajor(totals.staked)}`,
    `matched volume   ${formatMajor(totals.matched)}`,
    `refunds          ${formatMajor(totals.refunds)}`,
    `commission       ${formatMajor(totals.commission)}`,
    `bet latency ms   p50 ${l.p50.toFixed(1)}  p95 ${l.p95.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}`,
    '(money in major units; --json gives minor units)',
  ];
  process.stdout.write(`${out.join('\n')}\n\nverify:\n${formatAudit(report)}\n`);
  return report.ok;
}
