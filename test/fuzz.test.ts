// Fuzzing every /v1 route with fast-check: whatever the body, query, path id, content type or
// Idempotency-Key, the answer is never a 5xx, every 4xx is `{error: {code, message}}`, and a
// refused request moves no money. Plus the auth rules: 401 without or with a bad token, 403
// for a player on operator routes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { guardSum } from './helpers/ledger.ts';

const SEED = Number(process.env.FC_SEED ?? 7_0707);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string; // Fastify form, e.g. /v1/bets/:id
  secured: boolean;
  /** Property names of the JSON body the route takes, from its schema. */
  fields: string[];
}

// The public routes of the API contract (docs/api.md); the suite also fuzzes any other /v1 route
// the app registers.
const EXPECTED = [
  'POST /v1/auth/register',
  'POST /v1/auth/login',
  'GET /v1/wallet',
  'GET /v1/wallet/entries',
  'POST /v1/wallet/withdrawals',
  'POST /v1/admin/deposits',
  'POST /v1/admin/withdrawals/:id/approve',
  'POST /v1/admin/withdrawals/:id/reject',
  'GET /v1/admin/withdrawals',
  'GET /v1/admin/audit',
];

let t: TestApp;
let player: { userId: number; token: string };
let leaving: { userId: number; token: string };
let routes: Route[] = [];

before(async () => {
  // Thousands of requests from one player in seconds, over a growing number of routes: the rate
  // limiter (test/rate-limit.test.ts) would answer 429 where these checks expect 401 or 403.
  t = await startTestApp({ RATE_LIMIT_MAX: '0' });
  player = await t.registerPlayer();
  leaving = await t.registerPlayer();
  await t.deposit(player.userId, 1_000_000);
  const spec = (
    t.app as unknown as {
      swagger(): {
        paths: Record<
          string,
          Record<
            string,
            {
              security?: unknown[];
              requestBody?: { content?: Record<string, { schema?: { properties?: object } }> };
            }
          >
        >;
      };
    }
  ).swagger();
  for (const [path, methods] of Object.entries(spec.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const m = method.toUpperCase();
      if (m !== 'GET' && m !== 'POST' && m !== 'DELETE') continue;
      routes.push({
        method: m,
        path: path.replace(/\{(\w+)\}/g, ':$1'),
        secured: Array.isArray(op.security) && op.security.length > 0,
        fields: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
      });
    }
  }
  routes = routes.sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`));
});
// What the fuzzed routes were sent and how they answered, for the issue note's counts.
const tally = { inputs: 0, routes: new Set<string>(), serverErrors: 0, refusedWithMoneyMoved: 0 };
after(async () => {
  console.log(
    `# fuzz: ${tally.inputs} generated inputs over ${tally.routes.size} routes; ` +
      `${tally.serverErrors} answers of 5xx; ${tally.refusedWithMoneyMoved} refused inputs that moved money`,
  );
  await t.close();
});

// Logout revokes every token of its caller: it gets a player of its own, so the shared player's
// token stays good for the other routes.
const tokenFor = (route: Route) =>
  route.path.startsWith('/v1/admin/')
    ? t.operatorToken
    : route.path === '/v1/auth/logout'
      ? leaving.token
      : player.token;

// ---- generators -------------------------------------------------------------------------

const nasty = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    1.5,
    -0.5,
    1e300,
    -1e300,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 63,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    '100',
    '',
    '1e3',
    ' 1',
    'red',
    null,
    true,
    false,
    [],
    {},
    [1],
    { amount: 1 },
    'x'.repeat(5000),
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\u0000', '')),
  fc.jsonValue({ maxDepth: 3 }),
);

const fieldNames = ['amount', 'userId', 'reference', 'username', 'password', 'roundId', 'side', 'status'];
const fieldsBody = fc.dictionary(fc.constantFrom(...fieldNames), nasty, { maxKeys: 5 });
// Valid-looking bodies with one field spoiled (or missing) get past the shape checks more
// often; `fire` keeps only the fields the route takes, plus the spoiled one.
let serial = 0;
const almostValid = fc
  .tuple(fc.constantFrom(...fieldNames), nasty, fc.boolean())
  .map(([key, value, drop]): Payload => {
    serial++;
    const body: Record<string, unknown> = {
      userId: player.userId,
      amount: 10,
      reference: `fuzz-${serial}`,
      roundId: 1,
      side: 'red',
      username: `fz_${serial}_${SEED}`,
      password: 'password-123',
    };
    if (drop) delete body[key];
    else body[key] = value;
    return { contentType: 'application/json', fields: body, spoiled: key };
  });

interface Payload {
  contentType?: string;
  payload?: string;
  /** Instead of `payload`: a body to trim to the route's fields before sending. */
  fields?: Record<string, unknown>;
  spoiled?: string;
}

const json = (value: unknown): Payload => ({
  contentType: 'application/json',
  payload: JSON.stringify(value),
});
const hugeNumber = fc
  .tuple(fc.constantFrom('amount', 'userId', 'roundId'), fc.stringMatching(/^-?[1-9][0-9]{15,80}$/))
  .map(([k, digits]): Payload => ({ contentType: 'application/json', payload: `{"${k}": ${digits}}` }));
const invalidJson = fc
  .oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      '{',
      '{"amount":',
      '{"amount": 1,}',
      "{'amount': 1}",
      'NaN',
      '{"amount": NaN}',
      '[' + '['.repeat(9000),
    ),
    fc.constantFrom('{"__proto__": {"amount": 1}}', '{"constructor": {"prototype": {"x": 1}}}'),
    fc.constant('['.repeat(1000) + ']'.repeat(1000)),
  )
  .map((payload): Payload => ({ contentType: 'application/json', payload }));
const wrongType = fc
  .tuple(
    fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json; charset=latin1',
      'application/jsonx',
      '',
    ),
    fc.string({ maxLength: 40 }),
  )
  .map(([contentType, payload]): Payload => ({ contentType, payload }));
const tooLarge = fc.constant<Payload>({
  contentType: 'application/json',
  payload: JSON.stringify({ amount: 1, reference: 'x'.repeat(70 * 1024) }),
});
const bodyArb: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
  { weight: 4, arbitrary: fieldsBody.map(json) },
  { weight: 4, arbitrary: almostValid },
  { weight: 1, arbitrary: hugeNumber },
  { weight: 2, arbitrary: invalidJson },
  { weight: 2, arbitrary: wrongType },
  { weight: 1, arbitrary: tooLarge },
  { weight: 1, arbitrary: fc.constant<Payload>({}) },
);

const idArb = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1',
    '2',
    '1.5',
    '1e3',
    '00001',
    '9999999999999999',
    '99999999999999999999',
    '9223372036854775808',
    'abc',
    '%00',
    '%25',
    '%20',
    'null',
    'undefined',
    '..',
    'x'.repeat(100),
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.nat().map(String),
);

const cursorArb = fc.oneof(
  fc.constantFrom('0', '-1', '1', '1.5', '', 'abc', '9'.repeat(5000), '99999999999999999999', '%00'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[0-9]{1,40}$/),
);
const queryArb = fc.oneof(
  fc.constant(''),
  cursorArb.map((c) => `?cursor=${c}`),
  fc.tuple(cursorArb, cursorArb).map(([a, b]) => `?cursor=${a}&cursor=${b}`),
  cursorArb.map((c) => `?roundId=${c}`),
  fc.constantFrom('?status=REQUESTED', '?status=requested', '?status=', '?status=APPROVED&status=REJECTED'),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
    .map(([k, v]) => `?${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
);

let keyCounter = 0;
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined).map(() => `fuzz-key-${++keyCounter}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode) }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'k'.repeat(201), 'k'.repeat(200), 'tab\there') },
);

interface FuzzCase {
  id: string;
  query: string;
  body: Payload;
  key: string | undefined;
}
const caseArb: fc.Arbitrary<FuzzCase> = fc.record({ id: idArb, query: queryArb, body: bodyArb, key: keyArb });

// ---- the checks ---------------------------------------------------------------------------

function payloadFor(route: Route, body: Payload): string | undefined {
  if (!body.fields) return body.payload;
  const keep = Object.entries(body.fields).filter(([k]) => route.fields.includes(k) || k === body.spoiled);
  return JSON.stringify(Object.fromEntries(keep));
}

async function fire(route: Route, c: FuzzCase) {
  const url = route.path.replace(':id', c.id) + c.query;
  const payload = payloadFor(route, c.body);
  const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(route)}` };
  if (c.key !== undefined) headers['idempotency-key'] = c.key;
  if (c.body.contentType !== undefined) headers['content-type'] = c.body.contentType;
  const res = await t.app.inject({
    method: route.method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return { res, url, payload };
}

function assertWellFormed(status: number, raw: string, what: string) {
  assert.ok(status < 500, `${what} -> ${status} ${raw.slice(0, 300)}`);
  if (status >= 400) {
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      assert.fail(`${what} -> ${status} with a non-JSON body: ${raw.slice(0, 200)}`);
    }
    assert.equal(typeof body.error?.code, 'string', `${what} -> ${status} ${raw.slice(0, 300)}`);
    assert.equal(typeof body.error?.message, 'string', `${what} -> ${status} ${raw.slice(0, 300)}`);
  }
}

test('every route the spec lists is registered', () => {
  const have = new Set(routes.map((r) => `${r.method} ${r.path}`));
  for (const want of EXPECTED) assert.ok(have.has(want), `missing ${want}; have ${[...have].join(', ')}`);
});

describe('fuzzed requests with valid auth', () => {
  // node:test collects the tests before `before` has run, so the list is fixed here and
  // checked against the app above; any extra route is fuzzed by the catch-all test.
  for (const name of EXPECTED) {
    test(name, async () => fuzzRoute(routeNamed(name)));
  }
  test('every other /v1 route the app registers', async () => {
    const others = routes.filter((r) => !EXPECTED.includes(`${r.method} ${r.path}`));
    for (const route of others) await fuzzRoute(route);
  });
});

function routeNamed(name: string): Route {
  const route = routes.find((r) => `${r.method} ${r.path}` === name);
  assert.ok(route, `route ${name} is not registered`);
  return route;
}

async function fuzzRoute(route: Route): Promise<void> {
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const before = await guardSum(t.db.pool);
      const { res, url, payload } = await fire(route, c);
      const what = `${route.method} ${url.slice(0, 200)} [${c.body.contentType ?? '-'}] ${String(payload).slice(0, 200)} key=${String(c.key).slice(0, 50)}`;
      tally.inputs++;
      tally.routes.add(`${route.method} ${route.path}`);
      if (res.statusCode >= 500) tally.serverErrors++;
      assertWellFormed(res.statusCode, res.body, what);
      if (res.statusCode >= 400) {
        const moved = (await guardSum(t.db.pool)) !== before;
        if (moved) tally.refusedWithMoneyMoved++;
        assert.equal(moved, false, `refused but money moved: ${what}`);
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true },
  );
}

test('unknown routes and methods answer 404 with an error code', async () => {
  for (const [method, url] of [
    ['GET', '/v1/nope'],
    ['POST', '/v1/wallet'],
    ['DELETE', '/v1/wallet/withdrawals'],
    ['GET', '/v1/admin/withdrawals/1'],
  ] as const) {
    const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${player.token}` } });
    assert.equal(res.statusCode, 404, `${method} ${url}`);
    assert.equal(typeof JSON.parse(res.body).error.code, 'string');
  }
});

// ---- inputs the generators above leave to their own, deterministic tests -----------------
// (path ids longer than Fastify's 100-character limit, malformed percent-encoding, very deep
// JSON and NUL characters in stored strings), so that each finding has one clear test.

test('an over-long path id or a malformed URL is a 4xx with the standard error body', async () => {
  const problems: string[] = [];
  for (const url of [
    `/v1/admin/withdrawals/${'9'.repeat(101)}/approve`,
    `/v1/bets/${'x'.repeat(3000)}`,
    '/v1/admin/withdrawals/%ZZ/approve',
    '/v1/bets/%E0%A4%A',
  ]) {
    const isBet = url.startsWith('/v1/bets/');
    const res = await t.app.inject({
      method: isBet ? 'GET' : 'POST',
      url,
      headers: { authorization: `Bearer ${isBet ? player.token : t.operatorToken}` },
    });
    try {
      assertWellFormed(res.statusCode, res.body, url.slice(0, 50));
      assert.ok(res.statusCode >= 400, url.slice(0, 50));
    } catch (err) {
      problems.push((err as Error).message.slice(0, 300));
    }
  }
  assert.deepEqual(problems, []);
});

test('a deeply nested JSON body on a route without a body schema is not a 500', async () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  const problems: string[] = [];
  for (const [method, url, token] of [
    ['POST', '/v1/admin/withdrawals/2/approve', t.operatorToken],
    ['POST', '/v1/admin/withdrawals/2/reject', t.operatorToken],
    ['DELETE', '/v1/bets/2', player.token],
  ] as const) {
    const res = await t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': 'deep',
      },
      payload: deep,
    });
    try {
      assertWellFormed(res.statusCode, res.body, `${method} ${url} with 10000 levels of nesting`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  assert.deepEqual(problems, []);
});

test('strings with a NUL character are refused as bad input, not a 500', async () => {
  const before = await guardSum(t.db.pool);
  const problems: string[] = [];
  for (const [url, token, body] of [
    ['/v1/admin/deposits', t.operatorToken, { userId: player.userId, amount: 5, reference: 'nul\u0000ref' }],
    ['/v1/bets', player.token, { roundId: 1, side: 're\u0000d', amount: 10 }],
    ['/v1/auth/login', undefined, { username: 'nobody_here', password: 'pass\u0000word' }],
  ] as const) {
    const res = await t.request({
      method: 'POST',
      url,
      ...(token === undefined ? {} : { token }),
      body,
      headers: { 'idempotency-key': `nul-${url}` },
    });
    if (res.status >= 500 || res.status < 400 || typeof res.body?.error?.code !== 'string') {
      problems.push(`${url} -> ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.equal(await guardSum(t.db.pool), before);
});

// ---- auth -----------------------------------------------------------------------------------

// Bodies that pass validation, so that the answer is about the token alone.
const VALID_BODY: Record<string, unknown> = {
  'POST /v1/wallet/withdrawals': { amount: 1 },
  'POST /v1/admin/deposits': { userId: 1, amount: 1, reference: 'auth-check' },
  'POST /v1/bets': { roundId: 1, side: 'red', amount: 10 },
};

async function withToken(route: Route, authorization: string | undefined) {
  const body = VALID_BODY[`${route.method} ${route.path}`];
  return t.app.inject({
    method: route.method,
    url: route.path.replace(':id', '1'),
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      'idempotency-key': 'auth-check',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

test('secured routes: no token, a garbage or forged token -> 401; a player on operator routes -> 403', async () => {
  const secured = routes.filter((r) => r.secured);
  assert.ok(secured.length >= 9, `secured routes: ${secured.length}`);
  const forged = await new SignJWT({ role: 'operator', name: 'mallory' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('1')
    .setIssuer('colorbet')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('some-other-secret-that-is-long-enough-000'));
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ sub: '1', role: 'operator', iss: 'colorbet', exp: 9_999_999_999 }),
  ).toString('base64url')}.`;
  const before = await guardSum(t.db.pool);
  for (const route of secured) {
    const name = `${route.method} ${route.path}`;
    for (const authorization of [
      undefined,
      'Bearer garbage',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer ${player.token}x`,
      `Bearer ${forged}`,
      `Bearer ${unsigned}`,
      player.token,
    ]) {
      const res = await withToken(route, authorization);
      assert.equal(res.statusCode, 401, `${name} with ${String(authorization).slice(0, 30)}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error.code, 'UNAUTHORIZED');
    }
    if (route.path.startsWith('/v1/admin/')) {
      const res = await withToken(route, `Bearer ${player.token}`);
      assert.equal(res.statusCode, 403, `${name} as a player: ${res.body}`);
      assert.equal(JSON.parse(res.body).error.code, 'FORBIDDEN');
    }
  }
  assert.equal(await guardSum(t.db.pool), before);
});
