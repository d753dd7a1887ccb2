// The read model of one round (*-view.ts, docs/architecture.md "Naming"): a round as the API,
// the web page and the CLI show it (roundJson), and its fairness proof. Reads only.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { amountJson, idJson } from '../ledger/json.ts';
import { roundOutcome, seedHash } from './fairness.ts';
import type { RoundRow } from './round-lifecycle.ts';
import { chainOfRound, roundTotals } from './rounds.ts';

export function roundJson(r: RoundRow, totals?: Awaited<ReturnType<typeof roundTotals>>) {
  const revealed = r.status !== 'OPEN' && r.server_seed !== null;
  return {
    roundId: idJson(r.id),
    status: r.status,
    sides: r.sides,
    rakeBps: Number(r.rake_bps),
    opensAt: r.opens_at.toISOString(),
    closesAt: r.closes_at.toISOString(),
    closedAt: r.closed_at?.toISOString() ?? null,
    settledAt: (r.settled_at ?? r.voided_at)?.toISOString() ?? null,
    serverSeedHash: r.server_seed_hash,
    serverSeed: revealed ? r.server_seed : null,
    result: revealed ? r.result : null,
    configVersion: r.config_version ?? null,
    rulesUrl: r.config_version == null ? '/rules' : `/rules?version=${r.config_version}`,
    voidReason: r.void_reason ?? null,
    ...(totals
      ? {
          totals: Object.fromEntries(
            Object.entries(totals).map(([side, t]) => [
              side,
              { matched: amountJson(t.matched), unmatched: amountJson(t.unmatched), bets: Number(t.bets) },
            ]),
          ),
        }
      : {}),
    serverTime: new Date().toISOString(),
  };
}

/** Recomputes a revealed round from its seed alone, and checks the seed against its hash chain. */
export async function fairnessProof(db: Queryable, r: RoundRow) {
  const seed = r.server_seed!;
  const outcome = roundOutcome(seed, r.id, r.sides);
  const computedHash = seedHash(seed);
  const link = await chainOfRound(db, r.id);
  let chainOk: boolean | null = null;
  if (link) {
    // sha256 applied (position + 1) times to this seed must give the published commitment.
    let h = Buffer.from(seed, 'hex');
    for (let i = link.first_round_id; i <= r.id; i++) h = createHash('sha256').update(h).digest();
    chainOk = h.toString('hex') === link.commitment;
  }
  const hashMatches = computedHash === r.server_seed_hash;
  const resultMatches = r.result === null ? null : outcome.result === r.result;
  return {
    roundId: idJson(r.id),
    sides: r.sides,
    serverSeed: seed,
    serverSeedHash: r.server_seed_hash,
    computedHash,
    hmacSha256: outcome.hmacSha256,
    uint32: outcome.uint32,
    result: r.result,
    computedResult: outcome.result,
    hashMatches,
    resultMatches,
    chain: link
      ? { firstRoundId: idJson(link.first_round_id), commitment: link.commitment, ok: chainOk }
      : null,
    ok: hashMatches && resultMatches !== false && chainOk !== false,
  };
}
