// Passwords are stored as argon2id hashes (@node-rs/argon2) at OWASP's parameters
// (m = 19 MiB, t = 2, p = 1: about 20 ms here) with a per-password salt. Hashes of older
// parameters, and the scrypt (N = 2^14) hashes of earlier versions, still verify; a login that
// verifies one says so, and the caller stores a fresh hash (rehash on login).
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

// Algorithm is an ambient const enum the build cannot read; 2 is its Argon2id.
const ARGON2 = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export interface Verified {
  ok: boolean;
  /** Verified, but stored with weaker parameters than today's: store hashPassword(password). */
  needsRehash: boolean;
}

function argon2Params(stored: string): { m: number; t: number; p: number } | undefined {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  return match ? { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) } : undefined;
}

function legacyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split('$');
  if (!n || !r || !p || !salt || !key) return Promise.resolve(false);
  const expected = Buffer.from(key, 'base64');
  return new Promise((resolve) =>
    scryptCb(
      password,
      Buffer.from(salt, 'base64'),
      expected.length,
      { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 },
      (err, actual) =>
        resolve(!err && actual.length === expected.length && timingSafeEqual(actual, expected)),
    ),
  );
}

export async function verifyPassword(password: string, stored: string): Promise<Verified> {
  if (stored.startsWith('scrypt$')) {
    const ok = await legacyScrypt(password, stored);
    return { ok, needsRehash: ok };
  }
  const params = argon2Params(stored);
  if (!params) return { ok: false, needsRehash: false };
  const ok = await verify(stored, password).catch(() => false);
  const weaker = params.m < ARGON2.memoryCost || params.t < ARGON2.timeCost;
  return { ok, needsRehash: ok && weaker };
}

/** A hash of a random password, for unknown users: the same work as a real check. */
export const dummyHash: Promise<string> = hashPassword(randomBytes(18).toString('base64url'));

/** A password for generated accounts (operators, simulated players). */
export const generatePassword = (): string => randomBytes(18).toString('base64url');
