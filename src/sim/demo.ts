// The demo crowd that `npm start` runs on the embedded default (DEMO_PLAYERS, 0 = off), so
// a newcomer sees matches and settlements at once. The players are ordinary accounts that
// bet through the public HTTP API (renewing their short-lived tokens like any client); the
// process tops them up as an operator would.
import type { Pool } from '../db/pool.ts';
import { createUser } from '../auth/users.ts';
import type { IssuedTokens, SessionTokens } from '../auth/sessions.ts';
import { generatePassword } from '../auth/passwords.ts';
import type { Logger } from '../observability/logger.ts';
import { startLoop, type Worker } from '../workers/loop.ts';
import { ApiClient } from './client.ts';

interface DemoPlayer {
  userId: number;
  api: ApiClient;
}

/**
 * The demo account of that name: one the demo created (marked demo), or a new one. A name held
 * by anyone else is not used (undefined): the demo never bets for, or funds, an account it did
 * not create.
 */
async function demoAccount(
  pool: Pool,
  sessions: Pick<SessionTokens, 'issue'>,
  username: string,
  role: 'player' | 'operator',
) {
  const { rows } = await pool.query<{ id: bigint; demo: boolean; role: string }>(
    'SELECT id, demo, role FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  const found = rows[0];
  if (found && (!found.demo || found.role !== role)) return undefined;
  const principal = found
    ? { userId: found.id, role, username }
    : await createUser(pool, username, generatePassword(), role, { demo: true }).catch((err: unknown) => {
        // Taken between the look-up and the insert: someone else's name.
        if ((err as { code?: string }).code === 'USERNAME_TAKEN') return undefined;
        throw err;
      });
  return principal && { userId: Number(principal.userId), tokens: await sessions.issue(principal) };
}

export interface DemoAccounts {
  operator: { userId: number; tokens: IssuedTokens };
  players: { userId: number; tokens: IssuedTokens }[];
}

/** Creates (or finds) the demo's own accounts. Runs before the API listens. */
export async function prepareDemoAccounts(
  pool: Pool,
  sessions: Pick<SessionTokens, 'issue'>,
  count: number,
  logger: Logger,
): Promise<DemoAccounts | undefined> {
  const operator = await demoAccount(pool, sessions, 'demo_operator', 'operator');
  if (!operator) {
    logger.warn('demo crowd off: the name demo_operator belongs to an account the demo did not create');
    return undefined;
  }
  const players: DemoAccounts['players'] = [];
  for (let i = 1; i <= count; i++) {
    const acct = await demoAccount(pool, sessions, `demo_${i}`, 'player');
    if (acct) players.push(acct);
    else logger.warn({ username: `demo_${i}` }, 'demo crowd: skipping a name the demo did not create');
  }
  return { operator, players };
}

export async function startDemoCrowd(opts: {
  accounts: DemoAccounts;
  baseUrl: string;
  minBet: bigint;
  maxBet: bigint;
  logger: Logger;
}): Promise<Worker> {
  // Stopping aborts the crowd's calls: a client retrying 503s for seconds would hold up the
  // shutdown while the database is already gone.
  const abort = new AbortController();
  const base = new ApiClient(opts.baseUrl, undefined, undefined, abort.signal);
  const operator = base.withToken(opts.accounts.operator.tokens);
  const players: DemoPlayer[] = opts.accounts.players.map((a) => ({
    userId: a.userId,
    api: base.withToken(a.tokens),
  }));
  const low = Number(opts.minBet);
  const high = Math.max(low, Math.min(Number(opts.maxBet), low * 100));
  opts.logger.info({ players: players.length }, 'demo crowd betting (DEMO_PLAYERS=0 turns it off)');
  const loop = startLoop(
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
  return {
    ...loop,
    stop: async () => {
      abort.abort();
      await loop.stop();
    },
  };
}
