import type { FastifyInstance } from 'fastify';
import { authenticate, createUser } from '../../auth/users.ts';
import { idJson } from '../../ledger/json.ts';
import type { AppDeps } from '../deps.ts';
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

const tokenReply = {
  type: 'object',
  properties: { userId: { type: 'integer' }, token: { type: 'string' } },
} as const;

type Credentials = { Body: { username: string; password: string } };

export function authRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<Credentials>(
    '/v1/auth/register',
    {
      schema: { tags: ['auth'], body: credentials, response: { 201: tokenReply } },
      config: authRateLimit(deps.config),
    },
    async (req, reply) => {
      const user = await createUser(deps.pool, req.body.username, req.body.password, 'player');
      return reply.status(201).send({ userId: idJson(user.userId), token: await deps.tokens.issue(user) });
    },
  );
  app.post<Credentials>(
    '/v1/auth/login',
    {
      schema: { tags: ['auth'], body: credentials, response: { 200: tokenReply } },
      config: authRateLimit(deps.config),
    },
    async (req) => {
      const user = await authenticate(deps.pool, req.body.username, req.body.password);
      return { userId: idJson(user.userId), token: await deps.tokens.issue(user) };
    },
  );
}
