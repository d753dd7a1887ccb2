// Accounts and tokens: register/login, duplicate names, wrong passwords, expired and foreign
// tokens, role checks, and `colorbet operator create`, whose token and password both work.
// The app and the CLI share AUTH_SECRET (required with DATABASE_URL); the embedded default keeps
// a generated key in a 0600 file under DATA_DIR, never in the database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { TokenService } from '../src/auth/tokens.ts';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveAuthSecret } from '../src/auth/secret.ts';
import { loadConfig } from '../src/config.ts';
import { startTestApp, uniqueName, type TestApp } from './helpers/app.ts';
import { cliEnv, runCli } from './helpers/process.ts';
import { sleep } from './helpers/util.ts';

let t: TestApp;
const secret = 'auth-test-secret-that-is-long-enough-42';
before(async () => {
  t = await startTestApp({ AUTH_SECRET: secret });
});
after(async () => t.close());

const register = (username: string, password = 'password-123') =>
  t.request({ method: 'POST', url: '/v1/auth/register', body: { username, password } });
const login = (username: string, password: string) =>
  t.request({ method: 'POST', url: '/v1/auth/login', body: { username, password } });
const wallet = (token: string) => t.request({ method: 'GET', url: '/v1/wallet', token });

test('register answers 201 with a working token; login answers 200 with the same user', async () => {
  const name = uniqueName('alice');
  const reg = await register(name);
  assert.equal(reg.status, 201);
  assert.equal(typeof reg.body.userId, 'number');
  assert.equal(typeof reg.body.token, 'string');
  assert.equal((await wallet(reg.body.token)).status, 200);
  const ok = await login(name, 'password-123');
  assert.equal(ok.status, 200);
  assert.equal(ok.body.userId, reg.body.userId);
  const w = await wallet(ok.body.token);
  assert.equal(w.status, 200);
  assert.equal(w.body.balance, 0);
});

test('a taken username is 409 USERNAME_TAKEN', async () => {
  const name = uniqueName('bob');
  assert.equal((await register(name)).status, 201);
  const again = await register(name, 'another-password');
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'USERNAME_TAKEN');
  // The first password still works, the second does not.
  assert.equal((await login(name, 'password-123')).status, 200);
  assert.equal((await login(name, 'another-password')).status, 401);
});

test('concurrent registrations of one name: exactly one wins', async () => {
  const name = uniqueName('race');
  const answers = await Promise.all(Array.from({ length: 8 }, () => register(name)));
  assert.equal(answers.filter((a) => a.status === 201).length, 1);
  for (const a of answers.filter((x) => x.status !== 201)) {
    assert.equal(a.status, 409);
    assert.equal(a.body.error.code, 'USERNAME_TAKEN');
  }
});

test('a wrong password or an unknown user is 401 INVALID_CREDENTIALS, the same answer', async () => {
  const name = uniqueName('carol');
  await register(name);
  const wrong = await login(name, 'not-the-password');
  const unknown = await login(uniqueName('nobody'), 'password-123');
  for (const r of [wrong, unknown]) {
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'INVALID_CREDENTIALS');
    assert.equal(r.body.token, undefined);
  }
  assert.deepEqual(wrong.body, unknown.body);
});

test('bad registration input is 400 with an error code', async () => {
  for (const body of [
    { username: 'ab', password: 'password-123' },
    { username: 'has space', password: 'password-123' },
    { username: uniqueName('short'), password: 'short' },
    { username: uniqueName('extra'), password: 'password-123', role: 'operator' },
    { username: 12345, password: 'password-123' },
  ]) {
    const r = await t.request({ method: 'POST', url: '/v1/auth/register', body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(typeof r.body.error.code, 'string');
  }
});

const sign = (claims: Record<string, unknown>, exp: number, key = secret, issuer = 'colorbet') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.sub))
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));

test('expired, foreign and malformed tokens are 401; the same token unexpired works', async () => {
  const reg = await register(uniqueName('dave'));
  const sub = reg.body.userId as number;
  const now = Math.floor(Date.now() / 1000);
  const valid = await sign({ sub, role: 'player', name: 'dave' }, now + 600);
  assert.equal((await wallet(valid)).status, 200, 'a hand-made token with the right secret works');

  const bad = {
    expired: await sign({ sub, role: 'player', name: 'dave' }, now - 5),
    otherSecret: await sign({ sub, role: 'player' }, now + 600, 'another-secret-that-is-long-enough-0000'),
    otherIssuer: await sign({ sub, role: 'player' }, now + 600, secret, 'someone-else'),
    unknownRole: await sign({ sub, role: 'admin' }, now + 600),
    badSubject: await sign({ sub: 'abc', role: 'player' }, now + 600),
    tampered: `${valid.slice(0, -3)}${valid.endsWith('AAA') ? 'BBB' : 'AAA'}`,
  };
  for (const [what, token] of Object.entries(bad)) {
    const r = await wallet(token);
    assert.equal(r.status, 401, what);
    // An expired token of ours says so, so the client refreshes instead of logging out.
    assert.equal(r.body.error.code, what === 'expired' ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED', what);
  }
});

test('a token expires after its TTL', async () => {
  const reg = await register(uniqueName('erin'));
  const shortLived = await new TokenService(secret, 1).issue({
    userId: BigInt(reg.body.userId),
    role: 'player',
    username: 'erin',
  });
  assert.equal((await wallet(shortLived)).status, 200);
  await sleep(2100);
  const later = await wallet(shortLived);
  assert.equal(later.status, 401);
  assert.equal(later.body.error.code, 'TOKEN_EXPIRED');
});

test('a player cannot use operator routes (403); an operator has no wallet (403)', async () => {
  const reg = await register(uniqueName('frank'));
  for (const [method, url, body] of [
    ['GET', '/v1/admin/audit', undefined],
    ['GET', '/v1/admin/withdrawals', undefined],
    ['POST', '/v1/admin/deposits', { userId: reg.body.userId, amount: 100, reference: uniqueName('self') }],
    ['POST', '/v1/admin/withdrawals/1/approve', undefined],
    ['POST', '/v1/admin/withdrawals/1/reject', undefined],
  ] as const) {
    const r = await t.request({ method, url, token: reg.body.token, ...(body ? { body } : {}) });
    assert.equal(r.status, 403, `${method} ${url}`);
    assert.equal(r.body.error.code, 'FORBIDDEN');
  }
  const w = await wallet(reg.body.token);
  assert.equal(w.body.balance, 0, 'the refused self-deposit moved nothing');
  assert.equal((await wallet(t.operatorToken)).status, 403);
});

test('colorbet operator create prints one JSON line whose token, refresh token and password work', async () => {
  const name = uniqueName('cliop');
  const env = cliEnv({ DATABASE_URL: t.db.url, LOG_LEVEL: 'warn', AUTH_SECRET: secret });
  const res = await runCli(['operator', 'create', name], env);
  assert.equal(res.code, 0, res.stderr);
  const lines = res.stdout.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, res.stdout);
  const out = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out).sort(), [
    'expiresIn',
    'password',
    'refreshToken',
    'role',
    'token',
    'userId',
    'username',
  ]);
  assert.equal(out.username, name);
  assert.equal(out.role, 'operator', 'the default role');
  assert.equal(typeof out.userId, 'number');
  assert.equal(typeof out.password, 'string');
  assert.ok((out.password as string).length >= 16);

  const audit = await t.request({ method: 'GET', url: '/v1/admin/audit', token: out.token as string });
  assert.equal(audit.status, 200, JSON.stringify(audit.body));
  assert.equal(audit.body.ok, true, JSON.stringify(audit.body));

  const renewed = await t.request({
    method: 'POST',
    url: '/v1/auth/refresh',
    body: { refreshToken: out.refreshToken },
  });
  assert.equal(renewed.status, 200, JSON.stringify(renewed.body));

  const viaPassword = await login(name, out.password as string);
  assert.equal(viaPassword.status, 200);
  assert.equal(viaPassword.body.userId, out.userId);
  const again = await t.request({ method: 'GET', url: '/v1/admin/audit', token: viaPassword.body.token });
  assert.equal(again.status, 200);

  const duplicate = await runCli(['operator', 'create', name], env);
  assert.notEqual(duplicate.code, 0, 'a taken name fails');
  assert.equal(duplicate.stdout.trim(), '');
});

test('colorbet operator create --role makes a support or auditor account, and refuses other roles', async () => {
  const env = cliEnv({ DATABASE_URL: t.db.url, LOG_LEVEL: 'warn', AUTH_SECRET: secret });
  const name = uniqueName('clisup');
  const res = await runCli(['operator', 'create', name, '--role', 'support'], env);
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim()) as { role: string; token: string; userId: number };
  assert.equal(out.role, 'support');
  const { rows } = await t.db.pool.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [
    out.userId,
  ]);
  assert.equal(rows[0]?.role, 'support');
  // Support reads suspensions but moves no money.
  const read = await t.request({ method: 'GET', url: '/v1/admin/suspensions', token: out.token });
  assert.equal(read.status, 200);
  const deposit = await t.request({
    method: 'POST',
    url: '/v1/admin/deposits',
    token: out.token,
    body: { userId: out.userId, amount: 100, reference: uniqueName('r') },
  });
  assert.equal(deposit.status, 403);
  const bad = await runCli(['operator', 'create', uniqueName('clibad'), '--role', 'player'], env);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--role/);
  assert.equal(bad.stdout.trim(), '');
});

test('with DATABASE_URL and no AUTH_SECRET, a command that signs tokens stops and names the variable', async () => {
  const res = await runCli(['operator', 'create', uniqueName('nokey')], cliEnv({ DATABASE_URL: t.db.url }));
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /AUTH_SECRET/);
});

test('the embedded default keeps its key in DATA_DIR/auth-secret (0600), moving one the database held', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-secret-'));
  try {
    const config = loadConfig({ DATA_DIR: dir });
    await t.db.pool.query(
      `INSERT INTO service_settings (name, value) VALUES ('auth_secret', 'legacy-key-from-the-table-0123456789')
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    const first = await resolveAuthSecret(config, t.db.pool);
    assert.equal(first, 'legacy-key-from-the-table-0123456789', 'tokens issued before keep working');
    const file = path.join(dir, 'auth-secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first);
    const { rows } = await t.db.pool.query(`SELECT 1 FROM service_settings WHERE name = 'auth_secret'`);
    assert.equal(rows.length, 0, 'the database no longer holds the key');
    assert.equal(await resolveAuthSecret(config, t.db.pool), first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
