// Round reads for the gateway, shaped exactly like the REST API's (roundJson). The hello
// snapshot is shared by every socket that connects within `ttlMs` (a reconnect storm after a
// deploy must not become one query per socket) and is dropped on every round status change.
import { roundJson } from '../betting/round-view.ts';
import { currentRound, getRound, roundTotals } from '../betting/rounds.ts';
import type { Queryable } from '../db/pool.ts';

export type RoundView = ReturnType<typeof roundJson>;

export interface RoundViews {
  /** The OPEN round (else the newest) with totals, or null before the first round. */
  current(): Promise<RoundView | null>;
  byId(roundId: bigint): Promise<RoundView | null>;
  totals(roundId: bigint): Promise<RoundView['totals'] | null>;
  invalidate(): void;
}

export function roundViews(db: Queryable, ttlMs = 500): RoundViews {
  let cached: { at: number; view: Promise<RoundView | null> } | undefined;
  const withTotals = async (round: Awaited<ReturnType<typeof getRound>>) =>
    round ? roundJson(round, await roundTotals(db, round.id, round.sides)) : null;
  return {
    current: () => {
      if (cached && Date.now() - cached.at < ttlMs) return cached.view;
      const entry = { at: Date.now(), view: currentRound(db).then(withTotals) };
      // A failed read must not be served to the next caller.
      entry.view.catch(() => {
        if (cached === entry) cached = undefined;
      });
      cached = entry;
      return entry.view;
    },
    byId: async (roundId) => withTotals(await getRound(db, roundId)),
    totals: async (roundId) => {
      const round = await getRound(db, roundId);
      return round ? roundJson(round, await roundTotals(db, round.id, round.sides)).totals : null;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}
