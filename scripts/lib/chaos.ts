// The chaos run: while the simulator drives a fleet through HAProxy, faults are injected on
// a schedule: SIGKILL of a random worker, of the relay, of an API process, and a kill and
// empty restart of Redis. At the end every bet answered 202 must exist, every round must be
// settled exactly once, and every invariant must hold.
import { randomInt } from 'node:crypto';
import { runAudit, type AuditReport } from '../../src/verify-run.ts';
import { TokenService } from '../../src/auth/tokens.ts';
import { randomBytes } from 'node:crypto';
import { createUser } from '../../src/auth/users.ts';
import { createPool } from '../../src/db/pool.ts';
import { catchUp } from '../../src/ledger/projection.ts';
import { runSimulation, type SimulationSummary } from '../../src/sim/simulate.ts';
import { startFleet } from './fleet.ts';
import { freePort } from './ports.ts';

// The fleet's processes and this script sign tokens with one key (AUTH_SECRET is required with DATABASE_URL).
const AUTH_SECRET = randomBytes(32).toString('base64url');
import { startRedisServer } from './redis-server.ts';

export interface ChaosOptions {
  databaseUrl: string;
  seconds: number;
  players: number;
  roundSeconds: number;
  faultEverySeconds: number;
  logDir: string;
  log?: (line: string) => void;
}

export interface ChaosReport {
  faults: { at: number; fault: string }[];
  simulation: SimulationSummary;
  missingBets: number;
  roundsNotSettled: number[];
  playersNotSettledOnce: number;
  audit: AuditReport;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const redis = await startRedisServer();
  const fleet = await startFleet({
    databaseUrl: o.databaseUrl,
    redisUrl: redis.url,
    lbPort: await freePort(),
    logDir: o.logDir,
    env: { ROUND_SECONDS: String(o.roundSeconds), REDIS_PREFIX: `chaos${Date.now()}`, AUTH_SECRET },
  });
  const pool = createPool(o.databaseUrl, { max: 4 });
  const started = Date.now();
  const faults: ChaosReport['faults'] = [];
  const note = (fault: string) => {
    const at = (Date.now() - started) / 1000;
    faults.push({ at, fault });
    log(`[chaos ${at.toFixed(1)}s] ${fault}`);
  };
  try {
    const op = await createUser(pool, `chaos_op_${Date.now()}`, 'chaos-operator-pass', 'operator');
    const token = await new TokenService(AUTH_SECRET, 3600).issue(op);
    let running = true;
    let betting = false;
    const workers = fleet.processes.filter((p) => !p.port).map((p) => p.name);
    const apis = fleet.processes.filter((p) => p.port).map((p) => p.name);
    const injector = (async () => {
      // Faults start once the players exist and betting has begun.
      while (running && !betting) await sleep(200);
      await sleep(o.faultEverySeconds * 1000);
      while (running) {
        const kind = randomInt(10);
        if (kind < 6) {
          const name = workers[randomInt(workers.length)]!;
          fleet.kill(name);
          note(`SIGKILL ${name}`);
          await sleep(300 + randomInt(1500));
          await fleet.start(name);
          note(`restarted ${name}`);
        } else if (kind < 8) {
          const name = apis[randomInt(apis.length)]!;
          fleet.kill(name);
          note(`SIGKILL ${name} (API)`);
          await sleep(500 + randomInt(1500));
          await fleet.start(name);
          note(`restarted ${name}`);
        } else {
          redis.kill();
          note('SIGKILL redis-server');
          await sleep(1000 + randomInt(2000));
          await redis.start();
          note('restarted redis-server (empty)');
        }
        await sleep(o.faultEverySeconds * 1000);
      }
    })();
    const rounds = Math.max(2, Math.floor(o.seconds / (o.roundSeconds + 1)));
    let simulation: SimulationSummary;
    try {
      simulation = await runSimulation({
        url: fleet.url,
        players: o.players,
        rounds,
        operatorToken: token,
        minBet: 10,
        maxBet: 1000,
        betsPerPlayer: 2,
        concurrency: 16,
        onProgress: (p) => {
          if (p.phase.startsWith('round')) betting = true;
        },
      });
    } finally {
      running = false;
      await injector;
    }
    await catchUp(pool);
    const ids = simulation.acceptedBetIds;
    const found = await pool.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM bets WHERE id = ANY($1::bigint[])',
      [ids],
    );
    const unsettled = await pool.query<{ id: bigint }>(
      `SELECT id FROM rounds WHERE id = ANY($1::bigint[]) AND status NOT IN ('SETTLED', 'VOID')`,
      [simulation.rounds],
    );
    const once = await pool.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT round_id, user_id FROM bets WHERE round_id = ANY($1::bigint[])) b
       WHERE (SELECT count(*) FROM round_settlements s WHERE s.round_id = b.round_id AND s.user_id = b.user_id) <> 1`,
      [simulation.rounds],
    );
    const audit = await runAudit(pool);
    const report: ChaosReport = {
      faults,
      simulation,
      missingBets: ids.length - Number(found.rows[0]!.n),
      roundsNotSettled: unsettled.rows.map((r) => Number(r.id)),
      playersNotSettledOnce: Number(once.rows[0]!.n),
      audit,
      ok: false,
    };
    report.ok =
      report.missingBets === 0 &&
      !report.roundsNotSettled.length &&
      report.playersNotSettledOnce === 0 &&
      audit.ok;
    return report;
  } finally {
    await pool.end();
    await fleet.stop();
    await redis.stop();
  }
}
