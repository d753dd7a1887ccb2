// A real service for tests: its own database, the real transaction service and routes,
// driven through Fastify's inject (no socket) or a real listening port when asked.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createUser } from '../../src/auth/users.ts';
import { loadConfig } from '../../src/config.ts';
import { buildDeps, type Runtime } from '../../src/cli/runtime.ts';
import { buildApp } from '../../src/http/app.ts';
import { localHub } from '../../src/bus/events.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { createPool } from '../../src/db/pool.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { recordContract, type ContractReport } from './contract.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestApp {
  db: TestDatabase;
  deps: AppDeps;
  app: FastifyInstance;
  runtime: Runtime;
  operatorToken: string;
  request(opts: {
    method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** The answers checked against the OpenAPI document so far (undefined with `contract: false`). */
  contract: ContractReport | undefined;
  registerPlayer(name?: string): Promise<{ userId: number; token: string; username: string }>;
  deposit(userId: number, amount: number): Promise<void>;
  close(): Promise<void>;
}

/** Listens on a free loopback port and returns it. */
export async function listenOnLoopback(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

export const uniqueName = (prefix = 'p') => `${prefix}_${randomBytes(5).toString('hex')}`;

/** The runtime `colorbet start` would build, on a test database, silent, with `env` over the test defaults. */
export function testRuntime(database: TestDatabase, env: Record<string, string> = {}): Runtime {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    AUTH_SECRET: 'test-secret-that-is-long-enough-0123456789',
    // Suites register many players from one address; test/security.test.ts sets its own limit.
    AUTH_RATE_LIMIT_MAX: '0',
    ...env,
    DATABASE_URL: database.url,
  });
  // The app works as the service's least-privilege role, as `colorbet start` does; the test
  // itself keeps the superuser pool (database.pool) for setup and tampering.
  const pool = config.databaseSetRole
    ? createPool(database.url, { max: 10, role: config.databaseSetRole })
    : database.pool;
  return {
    config,
    logger: createLogger('silent'),
    pool,
    databaseUrl: database.url,
    close: async () => {
      if (pool !== database.pool) await pool.end();
    },
  };
}

export interface TestAppOptions {
  /**
   * Check every answer against the OpenAPI document the app serves (test/helpers/contract.ts);
   * close() then fails the suite on an undeclared status, a body that does not match, or a
   * handler field the schema would drop. On unless a suite turns it off.
   */
  contract?: boolean;
}

export async function startTestApp(
  env: Record<string, string> = {},
  db?: TestDatabase,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const runtime = testRuntime(database, env);
  const deps = await buildDeps(runtime, localHub());
  const app = await buildApp(deps);
  const contract = options.contract === false ? undefined : recordContract(app);
  await app.ready();
  const operator = await createUser(database.pool, uniqueName('op'), 'operator-password', 'operator');
  const operatorToken = await deps.tokens.issue(operator);

  const request: TestApp['request'] = async ({ method, url, token, body, headers = {} }) => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };

  return {
    db: database,
    deps,
    app,
    runtime,
    operatorToken,
    request,
    contract,
    registerPlayer: async (name = uniqueName()) => {
      const res = await request({
        method: 'POST',
        url: '/v1/auth/register',
        body: { username: name, password: 'password-123' },
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { ...(res.body as { userId: number; token: string }), username: name };
    },
    deposit: async (userId, amount) => {
      const res = await request({
        method: 'POST',
        url: '/v1/admin/deposits',
        token: operatorToken,
        body: { userId, amount, reference: uniqueName('dep') },
      });
      if (res.status !== 201) throw new Error(`deposit failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    close: async () => {
      await app.close();
      await runtime.close();
      await database.drop(); // kept when a test of the file failed (test/helpers/db.ts)
      if (contract?.checked) {
        console.log(`# contract: ${contract.checked} answer(s) checked against /docs/json`);
      }
      if (contract?.violations.length) {
        const shown = [...new Set(contract.violations)];
        throw new Error(
          `${shown.length} answer(s) break the API contract (/docs/json):\n${shown.slice(0, 20).join('\n')}`,
        );
      }
    },
  };
}
