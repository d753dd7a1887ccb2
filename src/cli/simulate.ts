// `colorbet simulate`: wiring of the simulator with a progress bar, a summary from the
// database, and the audit at the end.
import cliProgress from 'cli-progress';
import { runAudit, formatAudit } from '../audit.ts';
import { generatePassword } from '../auth/passwords.ts';
import { TokenService } from '../auth/tokens.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { createUser } from '../auth/users.ts';
import { runSimulation } from '../sim/simulate.ts';
import type { Runtime } from './runtime.ts';

export interface SimulateFlags {
  players: string;
  rounds: string;
  url?: string;
  betsPerPlayer: string;
  operatorToken?: string;
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

export async function simulateCommand(rt: Runtime, flags: SimulateFlags): Promise<boolean> {
  const url = flags.url ?? `http://${rt.config.host}:${rt.config.port}`;
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
  const totals = rows[0]!;
  const l = summary.latency;
  const out = [
    '',
    `rounds           ${summary.rounds.join(', ')}`,
    `players          ${summary.players}`,
    `bets accepted    ${summary.betsAccepted} (${summary.betsPerSecond.toFixed(0)} bets/s while placing)`,
    `bets refused     ${JSON.stringify(summary.betsRejected)}`,
    `cancels          ${summary.cancels}`,
    `bets in rounds   ${totals.bets} (all players, demo crowd included)`,
    `staked           ${totals.staked}`,
    `matched volume   ${totals.matched}`,
    `refunds          ${totals.refunds}`,
    `commission       ${totals.commission}`,
    `bet latency ms   p50 ${l.p50.toFixed(1)}  p95 ${l.p95.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n\nverify:\n`);
  const report = await runAudit(rt.pool);
  process.stdout.write(`${formatAudit(report)}\n`);
  return report.ok;
}
