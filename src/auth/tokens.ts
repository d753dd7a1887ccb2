// Bearer tokens are HS256 JWTs (jose): any API process with the shared secret verifies them
// without a database round trip. They carry the user id, the role and an expiry.
import { SignJWT, jwtVerify } from 'jose';

export type Role = 'player' | 'operator';

export interface Principal {
  userId: bigint;
  role: Role;
  username: string;
  /** When the token that proved this identity expires (ms since the epoch). */
  expiresAt?: number;
}

export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(p: Principal): Promise<string> {
    return new SignJWT({ role: p.role, name: p.username })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.userId.toString())
      .setIssuedAt()
      .setIssuer('colorbet')
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** Undefined for anything that is not a valid, unexpired token of ours. */
  async verify(token: string): Promise<Principal | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'colorbet', algorithms: ['HS256'] });
      const role = payload.role;
      if ((role !== 'player' && role !== 'operator') || !payload.sub || !/^\d+$/.test(payload.sub))
        return undefined;
      return {
        userId: BigInt(payload.sub),
        role,
        username: String(payload.name ?? ''),
        ...(payload.exp ? { expiresAt: payload.exp * 1000 } : {}),
      };
    } catch {
      return undefined;
    }
  }
}
