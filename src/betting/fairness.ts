// Provably fair results by commit-reveal (docs/invariants.md, "The game's rules" and F).
//
// Before a round accepts bets the server publishes sha256(seed); after close it reveals
// the seed, and anyone can recompute the result as
//   sides[ uint32_be(HMAC_SHA256(key = seed bytes, msg = decimal roundId)[0..4]) mod sides.length ].
// Everything here is pure (apart from newTerminalSeed, which draws randomness) so the API,
// the web page and the CLI all verify with exactly the same code.
import { createHash, createHmac, randomBytes } from 'node:crypto';

const SEED_HEX = /^[0-9a-f]{64}$/;
const SEED_BYTES = 32;

export interface RoundOutcome {
  hmacSha256: string;
  uint32: number;
  result: string;
}

export interface VerifyRoundInput {
  serverSeed: string;
  serverSeedHash: string;
  roundId: bigint;
  sides: readonly string[];
  /** The result the operator recorded; null/undefined when only the seed is being checked. */
  result?: string | null;
}

export interface VerifyRoundReport {
  ok: boolean;
  computedHash: string;
  computedResult: string;
  hashMatches: boolean;
  /** null when no recorded result was supplied to compare against. */
  resultMatches: boolean | null;
}

/** A seed is exactly 32 bytes written as 64 lowercase hex characters; anything else is refused. */
export function isSeedHex(s: string): boolean {
  return SEED_HEX.test(s);
}

function seedBytes(seedHex: string, what = 'server seed'): Buffer {
  if (typeof seedHex !== 'string' || !isSeedHex(seedHex)) {
    throw new RangeError(`${what} must be ${SEED_BYTES * 2} lowercase hex characters (${SEED_BYTES} bytes)`);
  }
  return Buffer.from(seedHex, 'hex');
}

function assertRoundId(roundId: bigint): void {
  if (typeof roundId !== 'bigint') throw new RangeError('round id must be a bigint');
  if (roundId < 0n) throw new RangeError(`round id must not be negative, got ${roundId}`);
}

function assertSides(sides: readonly string[]): void {
  if (!Array.isArray(sides) || sides.length < 2) {
    throw new RangeError(`a round needs at least 2 sides, got ${Array.isArray(sides) ? sides.length : 0}`);
  }
  // Duplicate or blank names would make one outcome unreachable or unnamed: a config error.
  if (new Set(sides).size !== sides.length) throw new RangeError('side names must be distinct');
  if (sides.some((side) => typeof side !== 'string' || side.length === 0)) {
    throw new RangeError('side names must be non-empty strings');
  }
}

/** The commitment published before the round: hex(sha256(seed bytes)). */
export function seedHash(seedHex: string): string {
  return createHash('sha256').update(seedBytes(seedHex)).digest('hex');
}

export function roundOutcome(seedHex: string, roundId: bigint, sides: readonly string[]): RoundOutcome {
  const key = seedBytes(seedHex);
  assertRoundId(roundId);
  assertSides(sides);
  // The message is the decimal text of the id, so any language can reproduce it without
  // agreeing on an integer encoding.
  const mac = createHmac('sha256', key).update(roundId.toString(10), 'utf8').digest();
  const uint32 = mac.readUInt32BE(0);
  const result = sides[uint32 % sides.length];
  if (result === undefined) throw new RangeError('unreachable: side index out of range');
  return { hmacSha256: mac.toString('hex'), uint32, result };
}

/** A fresh secret: the last seed of a chain, or a stand-alone round seed. */
export function newTerminalSeed(): string {
  return randomBytes(SEED_BYTES).toString('hex');
}

/**
 * Seeds for `length` consecutive rounds, index 0 played first. Each seed is the sha256 of
 * the one after it, so publishing sha256(seeds[0]) commits the operator to every result
 * in the chain at once: revealing seed i lets anyone check that it hashes to seed i-1.
 */
export function buildSeedChain(terminalSeedHex: string, length: number): string[] {
  seedBytes(terminalSeedHex, 'terminal seed');
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new RangeError(`chain length must be a positive integer, got ${length}`);
  }
  const seeds = new Array<string>(length);
  let seed = terminalSeedHex;
  seeds[length - 1] = seed;
  for (let i = length - 2; i >= 0; i--) {
    seed = seedHash(seed);
    seeds[i] = seed;
  }
  return seeds;
}

/** What is published before the first round of a chain: the hash of its first seed. */
export function chainCommitment(seeds: readonly string[]): string {
  const first = seeds[0];
  if (first === undefined) throw new RangeError('a seed chain needs at least one seed');
  return seedHash(first);
}

/**
 * Recomputes a revealed round. A malformed seed is bad input (RangeError); a well-formed
 * seed that does not match the published hash or result is a failed check (ok: false).
 */
export function verifyRound(input: VerifyRoundInput): VerifyRoundReport {
  const computedHash = seedHash(input.serverSeed);
  const computedResult = roundOutcome(input.serverSeed, input.roundId, input.sides).result;
  const hashMatches = computedHash === String(input.serverSeedHash).toLowerCase();
  const recorded = input.result ?? null;
  const resultMatches = recorded === null ? null : recorded === computedResult;
  return {
    ok: hashMatches && resultMatches !== false,
    computedHash,
    computedResult,
    hashMatches,
    resultMatches,
  };
}
