// `colorbet simulate`: a load and soak driver through the public HTTP API. It registers and
// funds players, has them bet on both sides (and cancel now and then) for a number of rounds,
// waits for every round to settle, then reports what happened and runs the audit.
import { randomBytes } from 'node:crypto';
import { ApiClient, LatencyLog } from './client.ts';

export interface SimulationOptions {
  url: string;
  players: number;
  rounds: number;
  operatorToken: string;
  minBet: number;
  maxBet: number;
  betsPerPlayer?: number;
  concurrency?: number;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

export interface SimulationSummary {
  players: number;
  rounds: number[];
  betsAccepted: number;
  betsRejected: Record<string, number>;
  cancels: number;
  acceptedBetIds: number[];
  seconds: number;
  betsPerSecond: number;
  latency: ReturnType<LatencyLog['percentiles']>;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The next round open for at least another second, waited for up to `timeoutMs`. */
async function nextOpenRound(api: ApiClient, after: number, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await api.currentRound();
    if (r.ok && r.body.status === 'OPEN' && r.body.roundId > after) {
      const left = Date.parse(r.body.closesAt) - Date.parse(r.body.serverTime);
      if (left > 1000) return { ...r.body, msLeft: left };
    }
    await sleep(200);
  }
  throw new Error(`no round after ${after} opened within ${timeoutMs / 1000}s: is the scheduler running?`);
}

async function waitFinal(api: ApiClient, roundId: number, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await api.round(roundId);
    if (r.ok && (r.body.status === 'SETTLED' || r.body.status === 'VOID')) return r.body.status;
    await sleep(250);
  }
  throw new Error(`round ${roundId} did not settle within ${timeoutMs / 1000}s`);
}

/** Registration is not idempotent: if its answer was lost, the account may exist, so log in. */
async function registerOrLogin(api: ApiClient, username: string, password: string) {
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const reg = await api.register(username, password);
    if (reg.ok) return reg;
    if (reg.error.code === 'USERNAME_TAKEN') {
      const login = await api.login(username, password);
      if (login.ok) return login;
    } else if (reg.error.code !== 'NETWORK' && reg.error.status < 500) {
      throw new Error(`register at ${api.baseUrl} failed: ${reg.error.code} ${reg.error.message}`);
    }
    last = `${reg.error.code === 'NETWORK' ? 'no answer' : `HTTP ${reg.error.status}`}: ${reg.error.message}`;
    await sleep(200 * (attempt + 1));
  }
  throw new Error(`register at ${api.baseUrl} failed 5 times for ${username} (last: ${last})`);
}

export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const latency = new LatencyLog();
  const base = new ApiClient(o.url, undefined, latency);
  const operator = base.withToken(o.operatorToken);
  const run = randomBytes(3).toString('hex');
  const concurrency = o.concurrency ?? 32;
  const high = Math.max(o.minBet, Math.min(o.maxBet, o.minBet * 100));
  const players: { userId: number; api: ApiClient }[] = [];
  await pool(
    Array.from({ length: o.players }, (_, i) => i),
    concurrency,
    async (i) => {
      const reg = await registerOrLogin(base, `sim_${run}_${i}`, randomBytes(12).toString('base64url'));
      const dep = await operator.deposit(
        reg.body.userId,
        high * (o.betsPerPlayer ?? 2) * o.rounds * 2,
        `sim-${run}-${i}`,
      );
      if (!dep.ok) throw new Error(`deposit failed: ${dep.error.code} ${dep.error.message}`);
      // 202: above the four-eyes threshold the deposit waits for a second operator; nothing moved.
      if (dep.status === 202) {
        throw new Error(
          'the funding deposit waits for a second operator (above the four-eyes threshold): raise fourEyesAbove (POST /v1/admin/config) or FOUR_EYES_ABOVE, or simulate fewer rounds',
        );
      }
      players.push({ userId: reg.body.userId, api: base.withToken(reg.body) });
      o.onProgress?.({ phase: 'players', done: players.length, total: o.players });
    },
  );

  const summary: SimulationSummary = {
    players: o.players,
    rounds: [],
    betsAccepted: 0,
    betsRejected: {},
    cancels: 0,
    acceptedBetIds: [],
    seconds: 0,
    betsPerSecond: 0,
    latency: latency.percentiles('bet'),
  };
  let placingMs = 0;
  const total = o.players * (o.betsPerPlayer ?? 2) * o.rounds;
  let done = 0;
  let last = 0;
  for (let r = 0; r < o.rounds; r++) {
    const round = await nextOpenRound(base, last);
    last = round.roundId;
    summary.rounds.push(round.roundId);
    const placing = performance.now();
    const jobs = players.flatMap((p) => Array.from({ length: o.betsPerPlayer ?? 2 }, () => p));
    await pool(jobs, concurrency, async (p) => {
      const side = round.sides[Math.floor(Math.random() * round.sides.length)]!;
      const amount = o.minBet + Math.floor(Math.random() * (high - o.minBet + 1));
      const bet = await p.api.placeBet(round.roundId, side, amount);
      if (bet.ok) {
        summary.betsAccepted++;
        summary.acceptedBetIds.push(bet.body.betId);
        if (Math.random() < 0.1) {
          const c = await p.api.cancelBet(bet.body.betId);
          if (c.ok) summary.cancels++;
        }
      } else {
        summary.betsRejected[bet.error.code] = (summary.betsRejected[bet.error.code] ?? 0) + 1;
      }
      o.onProgress?.({ phase: `round ${round.roundId}`, done: ++done, total });
    });
    placingMs += performance.now() - placing;
  }
  // Time spent placing bets, not waiting for rounds to open or settle.
  summary.seconds = placingMs / 1000;
  summary.betsPerSecond = summary.betsAccepted / Math.max(0.001, summary.seconds);
  for (const id of summary.rounds) {
    o.onProgress?.({ phase: `settling ${id}`, done, total });
    await waitFinal(base, id, 120_000);
  }
  summary.latency = latency.percentiles('bet');
  return summary;
}
