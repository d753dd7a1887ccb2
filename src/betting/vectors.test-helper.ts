// Test-only: loads the shared reference vectors with money as bigint, and generates random
// rounds for the property tests. Nothing outside *.test.ts files may import this.
import fs from 'node:fs';
import fc from 'fast-check';
import type { IncomingBet } from './matching.ts';

// The shared vectors beside the project when present (as in CI), else the committed copy.
const CANDIDATES = [
  ...(process.env.COLORBET_VECTORS_DIR
    ? [new URL(`file://${process.env.COLORBET_VECTORS_DIR.replace(/\/?$/, '/')}`)]
    : []),
  new URL('../../../shared/vectors/', import.meta.url),
  new URL('../../test/fixtures/vectors/', import.meta.url),
];
const VECTORS_DIR =
  CANDIDATES.find((dir) => fs.existsSync(new URL('settlement.json', dir))) ?? CANDIDATES[0]!;

/** One reference vector file, parsed as it is (numbers as JSON numbers). */
export function readVectorJson(name: 'fairness.json' | 'settlement.json'): unknown {
  return JSON.parse(fs.readFileSync(new URL(name, VECTORS_DIR), 'utf8'));
}

const readJson = readVectorJson;

export interface FairnessCase {
  serverSeed: string;
  roundId: bigint;
  sides: string[];
  serverSeedHash: string;
  hmacSha256: string;
  uint32: number;
  result: string;
}

export interface FairnessVectors {
  cases: FairnessCase[];
  chain: { commitment: string; rounds: FairnessCase[] };
}

interface RawFairnessCase extends Omit<FairnessCase, 'roundId'> {
  roundId: number;
}

function fairnessCase(raw: RawFairnessCase): FairnessCase {
  // Every id in the file is at most 2^53 - 1, so the JSON number is exact.
  if (!Number.isSafeInteger(raw.roundId)) throw new Error(`round id ${raw.roundId} is not exact in JSON`);
  return { ...raw, roundId: BigInt(raw.roundId) };
}

export function loadFairnessVectors(): FairnessVectors {
  const raw = readJson('fairness.json') as {
    cases: RawFairnessCase[];
    chain: { commitment: string; rounds: RawFairnessCase[] };
  };
  return {
    cases: raw.cases.map(fairnessCase),
    chain: { commitment: raw.chain.commitment, rounds: raw.chain.rounds.map(fairnessCase) },
  };
}

export interface SettlementScenario {
  name: string;
  rakeBps: bigint;
  result: string;
  bets: { id: string; playerId: string; side: string; amount: bigint }[];
  expected: {
    matches: { betId: string; againstId: string; amount: bigint }[];
    bets: { betId: string; matched: bigint; payout: bigint; refund: bigint }[];
    players: Map<
      string,
      { staked: bigint; commission: bigint; received: bigint; change: bigint; net: bigint }
    >;
    houseCommission: bigint;
  };
}

/** A settlement scenario as the vector file has it (money as JSON numbers). */
export interface RawScenario {
  name: string;
  rakeBps: number;
  result: string;
  bets: { id: string; player: string; side: string; amount: number }[];
  expected: {
    matches: { bet: string; against: string; amount: number }[];
    bets: { id: string; matched: number; payout: number; refund: number }[];
    players: Record<string, Record<'staked' | 'commission' | 'received' | 'change' | 'net', number>>;
    houseCommission: number;
  };
}

const big = (n: number): bigint => BigInt(n);

export function readRawScenarios(): RawScenario[] {
  return (readJson('settlement.json') as { scenarios: RawScenario[] }).scenarios;
}

export function loadSettlementScenarios(): SettlementScenario[] {
  return readRawScenarios().map((s) => ({
    name: s.name,
    rakeBps: big(s.rakeBps),
    result: s.result,
    bets: s.bets.map((b) => ({ id: b.id, playerId: b.player, side: b.side, amount: big(b.amount) })),
    expected: {
      matches: s.expected.matches.map((m) => ({ betId: m.bet, againstId: m.against, amount: big(m.amount) })),
      bets: s.expected.bets.map((b) => ({
        betId: b.id,
        matched: big(b.matched),
        payout: big(b.payout),
        refund: big(b.refund),
      })),
      players: new Map(
        Object.entries(s.expected.players).map(([playerId, p]) => [
          playerId,
          {
            staked: big(p.staked),
            commission: big(p.commission),
            received: big(p.received),
            change: big(p.change),
            net: big(p.net),
          },
        ]),
      ),
      houseCommission: big(s.expected.houseCommission),
    },
  }));
}

export const SIDES = ['red', 'green'] as const;

/**
 * A round's bets in placement order: few players (so the same player often sits on both
 * sides and self-matching gets exercised), both sides, amounts from tiny to large.
 */
export function arbitraryBets(maxBets = 40): fc.Arbitrary<IncomingBet[]> {
  const bet = fc.record({
    playerId: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
    side: fc.constantFrom(...SIDES),
    amount: fc.oneof(fc.bigInt({ min: 1n, max: 10n }), fc.bigInt({ min: 1n, max: 1_000_000n })),
  });
  return fc
    .array(bet, { maxLength: maxBets })
    .map((bets) => bets.map((b, index) => ({ id: `bet-${index}`, ...b })));
}
