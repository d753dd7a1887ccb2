// `colorbet fairness <roundId>`: recomputes a round's hash and result from its revealed seed,
// from the database or, with --url, from what any API serves (an outsider's check).
import { verifyRound } from '../betting/fairness.ts';
import { fairnessProof } from '../betting/round-view.ts';
import { getRound } from '../betting/rounds.ts';
import type { Pool } from '../db/pool.ts';
import { fetchOrExplain } from './errors.ts';

export async function fairnessFromDatabase(
  pool: Pool,
  roundId: bigint,
): Promise<{ ok: boolean; text: string }> {
  const round = await getRound(pool, roundId);
  if (!round) return { ok: false, text: `no round ${roundId}` };
  if (round.status === 'OPEN' || !round.server_seed) {
    return {
      ok: false,
      text: `round ${roundId} is ${round.status}: its seed is not revealed yet (hash ${round.server_seed_hash})`,
    };
  }
  const p = await fairnessProof(pool, round);
  return {
    ok: p.ok,
    text: [
      `round            ${p.roundId} (${round.status})`,
      `server seed      ${p.serverSeed}`,
      `published hash   ${p.serverSeedHash}`,
      `sha256(seed)     ${p.computedHash}  ${p.hashMatches ? 'matches' : 'DOES NOT MATCH'}`,
      `hmac             ${p.hmacSha256}`,
      `uint32           ${p.uint32} mod ${p.sides.length} -> ${p.computedResult}`,
      round.status === 'VOID'
        ? `recorded result  voided, no result (every stake refunded); the seed would have drawn ${p.computedResult}`
        : `recorded result  ${p.result ?? '(none)'}  ${p.resultMatches === false ? 'DOES NOT MATCH' : 'matches'}`,
      p.chain
        ? `hash chain       from round ${p.chain.firstRoundId}, commitment ${p.chain.commitment}: ${p.chain.ok ? 'ok' : 'BROKEN'}`
        : 'hash chain       (none)',
      p.ok ? 'fair: ok' : 'fair: FAILED',
    ].join('\n'),
  };
}

export async function fairnessFromApi(url: string, roundId: bigint): Promise<{ ok: boolean; text: string }> {
  const address = `${url.replace(/\/+$/, '')}/v1/rounds/${roundId}`;
  const res = await fetchOrExplain(address);
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      { error?: { code?: string; message?: string } } | undefined;
    const said = body?.error ? `: ${body.error.code ?? ''} ${body.error.message ?? ''}`.trimEnd() : '';
    return { ok: false, text: `GET ${address} answered HTTP ${res.status}${said}` };
  }
  const r = (await res.json()) as {
    status: string;
    serverSeed: string | null;
    serverSeedHash: string;
    sides: string[];
    result: string | null;
  };
  if (!r.serverSeed) return { ok: false, text: `round ${roundId} has not revealed its seed yet` };
  const v = verifyRound({
    serverSeed: r.serverSeed,
    serverSeedHash: r.serverSeedHash,
    roundId,
    sides: r.sides,
    result: r.result,
  });
  const result =
    r.status === 'VOID'
      ? 'voided, no result (every stake refunded)'
      : `result ${v.computedResult} ${v.resultMatches === false ? 'DOES NOT MATCH' : 'matches'} ${r.result ?? ''}`;
  return {
    ok: v.ok,
    text: `round ${roundId}: sha256(seed) ${v.hashMatches ? 'matches' : 'DOES NOT MATCH'} the published hash; ${result}\nfair: ${v.ok ? 'ok' : 'FAILED'}`,
  };
}
