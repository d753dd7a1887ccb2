// Seeds of a hash chain, derived on demand from a key the database never holds (issue 11).
//
// The database keeps only a chain's public part: its first round, length, commitment and a
// random nonce. The chain's last seed is HMAC-SHA256(fairness key, "colorbet seed chain " +
// nonce) and seed n = sha256(seed n+1), so a process that has the key recomputes any seed by
// hashing forward from the last one; it keeps every CHECKPOINT-th seed of the chains it has used,
// so a lookup costs at most CHECKPOINT hashes after the first. Someone who can read the database
// (a backup, a replica, an insider) sees nonces and commitments, never a seed before its reveal.
//
// The fairness key is HMAC-SHA256(FAIRNESS_SECRET, else the service's AUTH_SECRET, a domain
// label): the token-signing key and the seed key differ even when they come from one secret.
import { createHash, createHmac, randomBytes } from 'node:crypto';

const DOMAIN = 'colorbet fairness key v1';
const CHAIN_LABEL = 'colorbet seed chain ';
/** Seeds kept per chain: one in CHECKPOINT (100 for a 10,000-round chain). */
const CHECKPOINT = 100;
/** Chains whose checkpoints a process keeps (the current one and the one it replaced). */
const CACHED_CHAINS = 4;

/** A seed_chains row: public, and enough with the key to recompute every seed of the chain. */
export interface SeedChainRow {
  id: bigint;
  first_round_id: bigint;
  length: number;
  commitment: string;
  /** Null for a chain made before migration 0016: its seeds were stored, not derived. */
  nonce: string | null;
}

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** Where the key comes from, for messages: FAIRNESS_SECRET when set, else AUTH_SECRET. */
export type KeySource = 'FAIRNESS_SECRET' | 'AUTH_SECRET';

export class SeedChains {
  readonly #key: Buffer;
  /** nonce -> seed at each checkpoint position, or null: this key did not make the chain. */
  readonly #checkpoints = new Map<string, Map<number, Buffer> | null>();

  constructor(
    secret: string,
    readonly source: KeySource = 'FAIRNESS_SECRET',
  ) {
    if (secret.length < 32) throw new RangeError('the fairness secret must be at least 32 characters');
    this.#key = createHmac('sha256', Buffer.from(secret, 'utf8')).update(DOMAIN).digest();
  }

  /** A new chain of `length` rounds: a fresh public nonce and the commitment it gives. */
  newChain(length: number): { nonce: string; commitment: string } {
    if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`bad chain length ${length}`);
    const nonce = randomBytes(32).toString('hex');
    let seed = this.#lastSeed(nonce);
    for (let i = length - 1; i > 0; i--) seed = sha256(seed);
    return { nonce, commitment: sha256(seed).toString('hex') };
  }

  /**
   * The seed of `roundId` in `chain`, or null when it cannot be derived: the chain was made
   * before 0016, or with another key (its commitment does not match what this key gives).
   */
  seedFor(chain: SeedChainRow, roundId: bigint): string | null {
    const position = Number(roundId - chain.first_round_id);
    if (!Number.isSafeInteger(position) || position < 0 || position >= chain.length) {
      throw new RangeError(`round ${roundId} is not in chain ${chain.id}`);
    }
    if (chain.nonce === null) return null;
    const points = this.#chainCheckpoints(chain, chain.nonce);
    if (points === null) return null;
    let at = position;
    let seed = points.get(at);
    // A checkpoint sits at every multiple of CHECKPOINT and at the last seed: at most CHECKPOINT steps.
    while (seed === undefined && at < chain.length - 1) seed = points.get(++at);
    if (seed === undefined) throw new Error(`unreachable: no checkpoint after position ${position}`);
    for (; at > position; at--) seed = sha256(seed);
    return seed.toString('hex');
  }

  #lastSeed(nonce: string): Buffer {
    return createHmac('sha256', this.#key)
      .update(CHAIN_LABEL + nonce)
      .digest();
  }

  #chainCheckpoints(chain: SeedChainRow, nonce: string): Map<number, Buffer> | null {
    const cached = this.#checkpoints.get(nonce);
    if (cached !== undefined) return cached;
    const points = new Map<number, Buffer>();
    let seed = this.#lastSeed(nonce);
    for (let at = chain.length - 1; ; at--) {
      if (at % CHECKPOINT === 0 || at === chain.length - 1) points.set(at, seed);
      if (at === 0) break;
      seed = sha256(seed);
    }
    const ours = sha256(seed).toString('hex') === chain.commitment;
    if (this.#checkpoints.size >= CACHED_CHAINS) {
      this.#checkpoints.delete(this.#checkpoints.keys().next().value!);
    }
    this.#checkpoints.set(nonce, ours ? points : null);
    return ours ? points : null;
  }
}

/** The process's seed chains: keyed by FAIRNESS_SECRET when set, else by the service secret. */
export function seedChainsFor(fairnessSecret: string | undefined, authSecret: string): SeedChains {
  return fairnessSecret
    ? new SeedChains(fairnessSecret, 'FAIRNESS_SECRET')
    : new SeedChains(authSecret, 'AUTH_SECRET');
}
