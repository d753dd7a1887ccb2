import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { authenticate, createUser } from '../../auth/users.ts';
import { AppError, appError } from '../../errors.ts';
import { idJson } from '../../ledger/json.ts';
import { currentUser, type Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { noBody, ref } from '../responses.ts';
import { bearer } from '../schemas.ts';
import { authRateLimit } from '../rate-limit.ts';

const credentials = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', pattern: '^[A-Za-z0-9_.-]{3,32}$' },
    password: { type: 'string', minLength: 8, maxLength: 200 },
  },
} as const;

const tokenReply = ref('Tokens');

// The rules of the two fields in words a person reads on the form: never the validator's
// pattern. Shown for register and login alike (the page prints the message as it is).
const CREDENTIAL_RULES: Record<string, string> = {
  username: 'A username is 3 to 32 characters: letters, digits, dot (.), dash (-) or underscore (_).',
  password: 'A password is 8 to 200 characters.',
};

/** Fastify's schemaErrorFormatter for credentials: a plain sentence naming the field. */
function credentialError(errors: FastifySchemaValidationError[]): AppError {
  const first = errors[0];
  const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
  const field = missing ?? first?.instancePath.slice(1) ?? '';
  const rule = CREDENTIAL_RULES[field];
  if (rule) return appError('VALIDATION', missing ? `Enter a ${field}. ${rule}` : rule, { field });
  return appError('VALIDATION', 'Send a username and a password, nothing else.');
}

const refreshBody = {
  type: 'object',
  required: ['refreshToken'],
  additionalProperties: false,
  properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 4096 } },
} as const;

// Keyed by media type, so a logout without a body (no Content-Type) is not validated at all.
const logoutBody = {
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { all: { type: 'boolean', description: 'Revoke every session of the user' } },
      },
    },
  },
} as const;

type Credentials = { Body: { username: string; password: string } };

export function authRoutes(app: FastifyInstance, deps: AppDeps, guard: Guards): void {
  app.post<Credentials>(
    '/v1/auth/register',
    {
      schema: { tags: ['auth'], body: credentials, response: { 201: tokenReply } },
      schemaErrorFormatter: credentialError,
      config: authRateLimit(deps.config),
    },
    async (req, reply) => {
      const user = await createUser(deps.pool, req.body.username, req.body.password, 'player');
      return reply.status(201).send({ userId: idJson(user.userId), ...(await deps.sessions.issue(user)) });
    },
  );
  app.post<Credentials>(
    '/v1/auth/login',
    {
      schema: { tags: ['auth'], body: credentials, response: { 200: tokenReply } },
      schemaErrorFormatter: credentialError,
      config: authRateLimit(deps.config),
    },
    async (req) => {
      const user = await authenticate(deps.pool, req.body.username, req.body.password);
      return { userId: idJson(user.userId), ...(await deps.sessions.issue(user)) };
    },
  );
  // A new access token (and refresh token) for a refresh token that is not revoked.
  app.post<{ Body: { refreshToken: string } }>(
    '/v1/auth/refresh',
    {
      schema: { tags: ['auth'], body: refreshBody, response: { 200: tokenReply } },
      config: authRateLimit(deps.config),
    },
    async (req) => {
      const issued = await deps.sessions.refresh(req.body.refreshToken);
      const principal = await deps.sessions.verify(issued.token);
      return { userId: idJson(principal!.userId), ...issued };
    },
  );
  // Revokes the caller's session (this device's access and refresh tokens), or with
  // {"all": true} every session of the caller: later requests with them get 401 and open
  // streams are closed. The body is optional (none, or JSON).
  app.post<{ Body: { all?: boolean } | undefined }>(
    '/v1/auth/logout',
    {
      preValidation: guard.authenticated,
      schema: {
        tags: ['auth'],
        security: bearer,
        body: logoutBody,
        response: { 204: noBody('Logged out: the tokens are revoked') },
      },
    },
    async (req, reply) => {
      await deps.sessions.logout(currentUser(req), req.body?.all === true);
      return reply.status(204).send();
    },
  );
}
