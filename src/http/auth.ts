// Bearer-token guards for routes. The token's signature is checked locally; its epoch and the
// user's role come from a short per-process cache (auth/sessions.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, Role, StaffRole, TokenCheck } from '../auth/tokens.ts';
import { appError } from '../errors.ts';

/** What checks a bearer token: signature, expiry ('expired'), revocation, the current role. */
export interface TokenVerifier {
  check(token: string): Promise<TokenCheck>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

// One check per request: the rate limiter (which keys budgets on the caller) and the route's
// guard both ask, and the answer cannot change between them.
const checked = new WeakMap<FastifyRequest, Promise<Principal | undefined>>();

/** The caller of a request: undefined without a token; 401 for a malformed, invalid or revoked one. */
export function principalOf(tokens: TokenVerifier, req: FastifyRequest): Promise<Principal | undefined> {
  let answer = checked.get(req);
  if (!answer) {
    answer = verifyHeader(tokens, req);
    checked.set(req, answer);
  }
  return answer;
}

async function verifyHeader(tokens: TokenVerifier, req: FastifyRequest): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw appError('UNAUTHORIZED', 'Authorization must be "Bearer <token>"');
  const principal = await tokens.check(match[1]);
  // Its own code, so a client refreshes (once) instead of sending its user back to the login.
  if (principal === 'expired') throw appError('TOKEN_EXPIRED');
  if (!principal) throw appError('UNAUTHORIZED', 'Token is invalid or revoked');
  return principal;
}

export function guards(tokens: TokenVerifier) {
  const authenticated = async (req: FastifyRequest, _reply: FastifyReply) => {
    const principal = await principalOf(tokens, req);
    if (!principal) throw appError('UNAUTHORIZED');
    req.principal = principal;
  };
  return {
    optional: async (req: FastifyRequest, _reply: FastifyReply) => {
      req.principal = await principalOf(tokens, req);
    },
    authenticated,
    player: async (req: FastifyRequest, reply: FastifyReply) => {
      await authenticated(req, reply);
      if (req.principal?.role !== 'player') throw appError('FORBIDDEN', 'Only players have wallets and bets');
    },
    /** Money and rounds: operators only. The same as requireRole('operator'). */
    operator: requireRole('operator'),
    requireRole,
  };

  /**
   * A preValidation guard that lets in only callers whose current role (re-read from the
   * database, auth/sessions.ts) is one of `roles`: 401 without a valid token, 403 FORBIDDEN
   * otherwise. Back-office routes use it: money and rounds 'operator'; player data and
   * suspension 'support', 'operator'; audit log, reports, configuration history 'auditor', 'operator'.
   */
  function requireRole(...roles: [StaffRole, ...StaffRole[]]) {
    const allowed = new Set<Role>(roles);
    const who = roles.join(' or ');
    return async (req: FastifyRequest, reply: FastifyReply) => {
      await authenticated(req, reply);
      const role = req.principal?.role;
      if (!role || !allowed.has(role)) throw appError('FORBIDDEN', `Only for the ${who} role`);
    };
  }
}

export type Guards = ReturnType<typeof guards>;

export function currentUser(req: FastifyRequest): Principal {
  if (!req.principal) throw appError('UNAUTHORIZED');
  return req.principal;
}
