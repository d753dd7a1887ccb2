// The demo crowd that `npm start` runs on the embedded default (DEMO_PLAYERS, 0 = off), so
// a newcomer sees matches and settlements at once. The players are ordinary accounts that
// bet through the public HTTP API; the process tops them up as an operator would.
import type { Pool } from '../db/pool.ts';
import { createUser } from '../auth/users.ts';
import type { TokenService } from '../auth/tokens.ts';
import { generatePassword } from '../auth/passwords.ts';
import type { Logger } from '../observability/logger.ts';
import { startLoop, type Worker } from '../workers/loop.ts';
import { ApiClient } from './client.ts';

interface DemoPlayer {
  userId: number;
  api: ApiClient;
}

async function demoAccount(pool: Pool, tokens: TokenService, username: string, role: 'player' | 'operator') {
  const { rows } = await pool.query<{ id: bigint }>('SELECT id FROM users WHERE username = $1', [username]);
  const principal = rows[0]
    ? { userId: rows[0].id, role, username }
    : await createUser(pool, username, generatePassword(), role);
  return { userId: Number(principal.userId), token: await tokens.issue(principal) };
}

export async function startDemoCrowd(opts: {
  pool: Pool;
  tokens: TokenService;
  baseUrl: string;
  players: number;
  minBet: bigint;
  maxBet: bigint;
  logger: Logger;
}): Promise<Worker> {
  const base = new ApiClient(opts.baseUrl);
  const operator = base.withToken(
    (await demoAccount(opts.pool, opts.tokens, 'demo_operator', 'operator')).token,
  );
  const players: DemoPlayer[] = [];
  for (let i = 1; i <= opts.players; i++) {
    const acct = await demoAccount(opts.pool, opts.tokens, `demo_${i}`, 'player');
    players.push({ userId: acct.userId, api: base.withToken(acct.token) });
  }
  const low = Number(opts.minBet);
  const high = Math.max(low, Math.min(Number(opts.maxBet), low * 100));
  opts.logger.info({ players: players.length }, 'demo crowd betting (DEMO_PLAYERS=0 turns it off)');
  return startLoop(
    'demo',
    async () => {
      const round = await base.currentRound();
      if (!round.ok || round.body.status !== 'OPEN') return false;
      const sides = round.body.sides;
      await Promise.all(
        players.map(async (p) => {
          if (Math.random() > 0.25) return;
          const amount = low + Math.floor(Math.random() * (high - low + 1));
          const side = sides[Math.floor(Math.random() * sides.length)]!;
          const bet = await p.api.placeBet(round.body.roundId, side, amount);
          if (!bet.ok && bet.error.code === 'INSUFFICIENT_FUNDS') {
            await operator.deposit(p.userId, high * 50, `demo-topup-${p.userId}-${Date.now()}`);
          }
        }),
      );
      return false;
    },
    { idleMs: 1000, logger: opts.logger },
  );
}
