// Live events for money operations that the API commits (placement, cancel, deposit,
// withdrawals), published after commit through the transaction service's hook. They are
// hints for the gateway (and the match worker's wake-up), never the source of truth.
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
      // Published by onRoundVoided with every player's refund (settledEvents).
      return [];
  }
}
