// `npm run chaos [-- --seconds 300 --players 100]`: the chaos run against a local fleet.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatAudit } from '../src/verify-run.ts';
import { runChaos } from './lib/chaos.ts';
import { provideInfra } from './lib/infra.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    players: { type: 'string', default: '100' },
    'round-seconds': { type: 'string', default: '5' },
    'fault-every': { type: 'string', default: '4' },
  },
});
const infra = await provideInfra(process.env.DATA_DIR ?? '.colorbet/chaos');
try {
  const report = await runChaos({
    databaseUrl: infra.databaseUrl,
    seconds: Number(values.seconds),
    players: Number(values.players),
    roundSeconds: Number(values['round-seconds']),
    faultEverySeconds: Number(values['fault-every']),
    logDir: path.resolve('.colorbet/chaos-logs'),
  });
  const s = report.simulation;
  console.log(`\nfaults injected: ${report.faults.length}`);
  console.log(
    `rounds ${s.rounds.join(', ')}; bets accepted ${s.betsAccepted}; refused ${JSON.stringify(s.betsRejected)}`,
  );
  console.log(
    `bet latency ms p50 ${s.latency.p50.toFixed(1)} p99 ${s.latency.p99.toFixed(1)} max ${s.latency.max.toFixed(1)}`,
  );
  console.log(`accepted bets missing: ${report.missingBets}`);
  console.log(
    `rounds not settled: ${report.roundsNotSettled.length ? report.roundsNotSettled.join(', ') : 'none'}`,
  );
  console.log(`(round, player) not settled exactly once: ${report.playersNotSettledOnce}`);
  console.log(formatAudit(report.audit));
  console.log(report.ok ? 'CHAOS OK: nothing lost, nothing paid twice' : 'CHAOS FAILED');
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await infra.stop();
}
