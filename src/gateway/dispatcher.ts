// Turns hub events into messages for this process's sockets, in the order they were
// published. Events that arrive together are handled as one chunk so the reads that make
// them useful are batched: one round read per status change (to carry the revealed seed and
// result) and one balance read for all the players of a settlement who are connected here.
// A failed read degrades to forwarding the bare event: clients then refetch from the API.
import type { LiveEvent } from '../bus/events.ts';
import type { Queryable } from '../db/pool.ts';
import { amountJson } from '../ledger/json.ts';
import { walletGuardBalances } from '../ledger/live-balances.ts';
import type { Connections } from './connections.ts';
import { audienceOf, encode, isTotalsHint } from './protocol.ts';
import type { RoundView, RoundViews } from './round-views.ts';

export interface DispatcherDeps {
  db: Queryable;
  conns: Connections;
  rounds: RoundViews;
  onError: (err: unknown, what: string) => void;
  /** Totals hints of one round are coalesced into one message per interval. */
  totalsIntervalMs: number;
}

export interface Dispatcher {
  push(e: LiveEvent): void;
  close(): void;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { conns } = deps;
  let queue: LiveEvent[] = [];
  let draining = false;
  let closed = false;
  const dirtyTotals = new Map<string, string>();
  let totalsTimer: NodeJS.Timeout | undefined;
  let nextTotalsDelay = deps.totalsIntervalMs;

  async function roundMessages(chunk: LiveEvent[]): Promise<Map<string, RoundView | null>> {
    const ids = new Set<string>();
    for (const e of chunk) if (e.type === 'round' && !isTotalsHint(e)) ids.add(e.roundId);
    const views = new Map<string, RoundView | null>();
    if (!ids.size) return views;
    deps.rounds.invalidate();
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          views.set(id, await deps.rounds.byId(BigInt(id)));
        } catch (err) {
          deps.onError(err, 'round read');
        }
      }),
    );
    return views;
  }

  async function balances(chunk: LiveEvent[]): Promise<Map<string, bigint>> {
    // Only players with a socket on this process are worth a read.
    const here = new Set<string>();
    for (const e of chunk) if (e.type === 'balance' && conns.hasUser(e.userId)) here.add(e.userId);
    if (!here.size) return new Map();
    try {
      return await walletGuardBalances(deps.db, [...here].map(BigInt));
    } catch (err) {
      deps.onError(err, 'balance read');
      return new Map();
    }
  }

  async function dispatch(chunk: LiveEvent[]): Promise<void> {
    const [views, live] = await Promise.all([roundMessages(chunk), balances(chunk)]);
    for (const e of chunk) {
      const audience = audienceOf(e);
      if (audience.kind === 'none') continue;
      if (e.type === 'round') {
        if (isTotalsHint(e)) {
          markTotals(e.roundId, e.status);
          continue;
        }
        const view = views.get(e.roundId);
        // The event's own fields win: the row may already be a step further along.
        await conns.broadcast(encode(view ? { ...view, ...e } : e));
        continue;
      }
      if (audience.kind !== 'user' || !conns.hasUser(audience.userId)) continue;
      const balance = e.type === 'balance' ? live.get(e.userId) : undefined;
      conns.sendToUser(
        audience.userId,
        encode(balance === undefined ? e : { ...e, balance: amountJson(balance) }),
      );
    }
  }

  function markTotals(roundId: string, status: string): void {
    dirtyTotals.set(roundId, status);
    totalsTimer ??= setTimeout(() => void flushTotals(), nextTotalsDelay);
  }

  async function flushTotals(): Promise<void> {
    const rounds = [...dirtyTotals];
    dirtyTotals.clear();
    const started = performance.now();
    for (const [roundId, status] of rounds) {
      try {
        const totals = await deps.rounds.totals(BigInt(roundId));
        const message = { type: 'round', roundId: Number(roundId), status, change: 'totals', totals };
        if (totals && !closed) await conns.broadcast(encode(message));
      } catch (err) {
        deps.onError(err, 'totals read');
      }
    }
    // Re-armed only now, so a slow flush never overlaps the next; and at most a quarter of the
    // time goes to totals however many sockets there are: with many, they just come less often.
    nextTotalsDelay = Math.max(deps.totalsIntervalMs, 3 * (performance.now() - started));
    totalsTimer = undefined;
    if (dirtyTotals.size && !closed) totalsTimer = setTimeout(() => void flushTotals(), nextTotalsDelay);
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length && !closed) {
        const chunk = queue;
        queue = [];
        await dispatch(chunk).catch((err: unknown) => deps.onError(err, 'dispatch'));
      }
    } finally {
      draining = false;
    }
  }

  return {
    push: (e) => {
      if (closed || e.type === 'wake') return;
      queue.push(e);
      // Deferred so the events of one publish (a settlement's many balance events) form one chunk.
      if (!draining && queue.length === 1) setImmediate(() => void drain());
    },
    close: () => {
      closed = true;
      queue = [];
      if (totalsTimer) clearTimeout(totalsTimer);
    },
  };
}
