// What follows a committed batch of money operations, in one place: the transaction service's
// onCommitted hook is the only after-commit path (ledger/transaction-service.ts). A void (direct
// or approved by a second operator) is counted, logged bet by bet and published with every
// player's refund, in batch order and before the batch's own events; then the batch's live
// events go out in one publish (one wake per round for the match worker, then the gateway's
// hints, which the hub packs into as few NOTIFY or PUBLISH calls as fit).
import type { EventHub } from '../bus/events.ts';
import { batchEvents } from '../gateway/money-events.ts';
import type { CommittedMoney } from '../money.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { logSettledBets, settledEvents } from '../workers/settle.ts';

export interface MoneyEffectDeps {
  metrics: Metrics;
  logger: Logger;
  events: EventHub;
}

export function afterMoneyCommit(deps: MoneyEffectDeps): (committed: CommittedMoney[]) => void {
  return (committed) => {
    for (const { effect } of committed) {
      if (effect?.type !== 'roundVoided') continue;
      deps.metrics.settlements.inc({ outcome: 'voided' });
      logSettledBets(deps.logger, effect.round);
      deps.events.publish(settledEvents(effect.round));
    }
    deps.events.publish(batchEvents(committed));
  };
}
