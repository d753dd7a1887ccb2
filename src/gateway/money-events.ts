// Live events for money operations that the API commits (placement, cancel, deposit,
// withdrawals), published after commit through the transaction service's onCommitted hook
// (cli/money-effects.ts). They are hints for the gateway (and the match worker's wake-up),
// never the source of truth.
import type { LiveEvent } from '../bus/events.ts';
import type { MoneyOperation } from '../money.ts';

type BetBody = { betId: number; roundId: number; status: string };

export function moneyEvents(op: MoneyOperation, body: unknown): LiveEvent[] {
  switch (op.type) {
    case 'placeBet':
    case 'cancelBet': {
      const bet = body as BetBody;
      const userId = op.userId.toString();
      const roundId = String(bet.roundId);
      const change = op.type === 'placeBet' ? 'placed' : 'cancelled';
      return [
        // The match worker's wake comes first: matching is what the player waits for.
        ...(op.type === 'placeBet' ? [{ type: 'wake', worker: 'match', roundId } as const] : []),
        { type: 'bet', userId, betId: String(bet.betId), roundId, status: bet.status, change },
        { type: 'balance', userId, roundId, reason: change },
        { type: 'round', roundId, status: 'OPEN', change: 'totals' },
      ];
    }
    case 'deposit':
    case 'requestWithdrawal':
      return [{ type: 'balance', userId: op.userId.toString(), reason: op.type }];
    case 'decideWithdrawal':
      return [{ type: 'balance', userId: String((body as { userId: number }).userId), reason: op.type }];
    case 'voidRound':
      // Published from the void's effect with every player's refund (cli/money-effects.ts).
      return [];
    case 'decideApproval': {
      // An approved deposit moved a wallet; an approved void is published like any void.
      const a = body as { kind: string; status: string; userId: number | null };
      return a.kind === 'deposit' && a.status === 'APPROVED' && a.userId !== null
        ? [{ type: 'balance', userId: String(a.userId), reason: 'deposit' }]
        : [];
    }
  }
}

/**
 * The events of a whole committed batch: each operation's own events, with the per-round ones
 * (the match worker's wake, the round's totals changed) said once per round, wakes first.
 */
export function batchEvents(committed: readonly { op: MoneyOperation; body: unknown }[]): LiveEvent[] {
  const perRound = new Map<string, LiveEvent>();
  const own: LiveEvent[] = [];
  for (const { op, body } of committed) {
    for (const e of moneyEvents(op, body)) {
      if (e.type === 'wake' || (e.type === 'round' && e.change === 'totals')) {
        perRound.set(`${e.type}:${e.roundId}`, e);
      } else {
        own.push(e);
      }
    }
  }
  const shared = [...perRound.values()].sort((a, b) => (a.type === 'wake' ? -1 : b.type === 'wake' ? 1 : 0));
  return [...shared, ...own];
}
