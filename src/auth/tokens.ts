// Bearer tokens are HS256 JWTs (jose): any API process with the shared secret verifies them
// without a database round trip. They carry the user id, the role, the session and an expiry.
import { SignJWT, errors, jwtVerify } from 'jose';

/** Back-office roles (migration 0019): operator (money and rounds), support (player data,
 * suspension), auditor (read only); 'none' is a back-office account whose role was revoked. */
export type StaffRole = 'operator' | 'support' | 'auditor';
export type Role = 'player' | StaffRole | 'none';
export const ROLES: readonly Role[] = ['player', 'operator', 'support', 'auditor', 'none'];

export interface Principal {
  userId: bigint;
  role: Role;
  username: string;
  /** When the token that proved this identity expires (ms since the epoch). */
  expiresAt?: number;
  /** The user's token epoch the token was issued under (0 when absent); see auth/sessions.ts. */
  epoch?: number;
  /** The login session the token belongs to (the `sid` claim); logout revokes it. */
  sessionId?: string;
}

/** A token's check: its caller, or 'expired' (a genuine token of that kind past its expiry), or undefined. */
export type TokenCheck = Principal | 'expired' | undefined;

export type TokenKind = 'access' | 'refresh';

// Verified tokens are remembered (by the token string, which is the credential) until they
// expire: an HMAC through WebCrypto costs more than the rest of a bet's HTTP path, and a player
// sends the same token with every bet. Bounded: the oldest entries go first.
const CACHE_MAX = 100_000;

export class TokenService {
  private readonly key: Promise<CryptoKey>;
  private readonly verified = new Map<string, Principal & { kind?: TokenKind }>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    // Imported once: handing jose raw bytes would import the key again on every call.
    this.key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
  }

  /** An access token (TOKEN_TTL_SECONDS), or with kind 'refresh' a refresh token (`ttlSeconds`). */
  async issue(p: Principal, kind: TokenKind = 'access', ttlSeconds = this.ttlSeconds): Promise<string> {
    return new SignJWT({
      role: p.role,
      name: p.username,
      ...(p.epoch ? { ep: p.epoch } : {}),
      ...(p.sessionId ? { sid: p.sessionId } : {}),
      ...(kind === 'refresh' ? { typ: 'refresh' } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.userId.toString())
      .setIssuedAt()
      .setIssuer('colorbet')
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(await this.key);
  }

  /**
   * Undefined for anything that is not a valid, unexpired token of ours of that kind (a refresh
   * token is never accepted as an access token, nor the reverse).
   */
  async verify(token: string, kind: TokenKind = 'access'): Promise<Principal | undefined> {
    const p = await this.check(token, kind);
    return p === 'expired' ? undefined : p;
  }

  /** Like verify, but says 'expired' for a genuine token of that kind whose time is up (clients then refresh). */
  async check(token: string, kind: TokenKind = 'access'): Promise<TokenCheck> {
    const p = await this.verifySignature(token);
    if (p === undefined) return undefined;
    if ('expired' in p) return p.expired === kind ? 'expired' : undefined;
    return (p.kind ?? 'access') === kind ? p : undefined;
  }

  private async verifySignature(
    token: string,
  ): Promise<(Principal & { kind?: TokenKind }) | { expired: TokenKind } | undefined> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt !== undefined && known.expiresAt > Date.now()) return known;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: 'colorbet',
        algorithms: ['HS256'],
      });
      const role = payload.role;
      if (!ROLES.includes(role as Role) || !payload.sub || !/^\d+$/.test(payload.sub)) return undefined;
      const epoch = typeof payload.ep === 'number' && Number.isInteger(payload.ep) ? payload.ep : 0;
      const principal: Principal & { kind?: TokenKind } = {
        userId: BigInt(payload.sub),
        role: role as Role,
        username: String(payload.name ?? ''),
        epoch,
        ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
        ...(payload.typ === 'refresh' ? { kind: 'refresh' as const } : {}),
        ...(payload.exp ? { expiresAt: payload.exp * 1000 } : {}),
      };
      if (principal.expiresAt !== undefined) {
        if (this.verified.size >= CACHE_MAX) {
          const oldest = this.verified.keys().next();
          if (!oldest.done) this.verified.delete(oldest.value);
        }
        this.verified.set(token, principal);
      }
      return principal;
    } catch (err) {
      // jose checks the signature before the claims: an expired token is one of ours. Its kind
      // is kept, so a refresh token never reads as an expired access token.
      if (err instanceof errors.JWTExpired)
        return { expired: err.payload.typ === 'refresh' ? 'refresh' : 'access' };
      return undefined;
    }
  }
}
