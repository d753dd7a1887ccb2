// The command line says what went wrong (issue 13): the address it tried and why, a data
// directory with no database left alone and named, `--version`, and money in major units on
// the console with minor units kept in --json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { httpOk, waitFor } from '../scripts/lib/ports.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { cliEnv, freePort, runCli, startCli, stopChild } from './helpers/process.ts';

const SECRET = 'cli-test-secret-0123456789-abcdefghijkl';
let emptyDir: string;
let closedPort: number;

before(async () => {
  emptyDir = await mkdtemp(path.join(tmpdir(), 'colorbet-cli-empty-'));
  closedPort = await freePort(); // free now, so nothing listens there
});
after(async () => {
  await rm(emptyDir, { recursive: true, force: true });
});

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const out = await runCli([flag], cliEnv({}));
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), `colorbet ${version} (Node ${process.version})`);
  }
});

test('a DATA_DIR with no database: said, named, and nothing created (except by start and migrate)', async () => {
  for (const args of [['verify'], ['fairness', '3'], ['operator', 'create', 'nobody_here'], ['partitions']]) {
    const out = await runCli(args, cliEnv({ DATA_DIR: emptyDir }));
    assert.equal(out.code, 1, `${args.join(' ')}: ${out.stdout}${out.stderr}`);
    assert.equal(
      out.stderr.trim(),
      `colorbet: no colorbet database in ${emptyDir} (DATA_DIR); nothing was created. Run the command from the folder where \`npm start\` runs, set DATA_DIR to its data directory, or set DATABASE_URL (\`colorbet start\` or \`colorbet migrate\` create a new one).`,
      args.join(' '),
    );
    assert.deepEqual(await readdir(emptyDir), [], `${args.join(' ')} created files`);
  }
});

test('connection errors name the address and the cause', async () => {
  const api = `http://127.0.0.1:${closedPort}`;
  const simulate = await runCli(
    ['simulate', '--url', api, '--players', '2', '--rounds', '1'],
    cliEnv({ DATA_DIR: emptyDir }),
  );
  assert.equal(simulate.code, 1);
  assert.equal(
    simulate.stderr.trim(),
    `colorbet: cannot reach the colorbet API at ${api}: connection refused: nothing is listening there (ECONNREFUSED). Is \`npm start\` running there? Give another address with --url.`,
  );

  const fairness = await runCli(['fairness', '3', '--url', api], cliEnv({}));
  assert.equal(fairness.code, 1);
  assert.equal(
    fairness.stderr.trim(),
    `colorbet: cannot reach ${api}/v1/rounds/3: connection refused: nothing is listening there (ECONNREFUSED)`,
  );

  const nowhere = await runCli(['fairness', '3', '--url', 'http://no-such-host.invalid:3000'], cliEnv({}));
  assert.equal(nowhere.code, 1);
  assert.match(
    nowhere.stderr,
    /cannot reach http:\/\/no-such-host\.invalid:3000\/v1\/rounds\/3: host not found/,
  );

  const database = await runCli(
    ['verify'],
    cliEnv({
      DATABASE_URL: `postgres://colorbet:s3cret-pw@127.0.0.1:${closedPort}/colorbet`,
      AUTH_SECRET: SECRET,
    }),
  );
  assert.equal(database.code, 1);
  assert.equal(
    database.stderr.trim(),
    `colorbet: cannot connect to PostgreSQL at postgres://colorbet:***@127.0.0.1:${closedPort}/colorbet (DATABASE_URL): connection refused: nothing is listening there (ECONNREFUSED)`,
  );
  assert.ok(!database.stderr.includes('s3cret-pw'), 'the password was printed');
});

test('a port in use is named, with what to do', { timeout: 120_000 }, async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  const database = await createTestDatabase(2);
  try {
    const out = await runCli(
      ['start'],
      cliEnv({
        DATABASE_URL: database.url,
        AUTH_SECRET: SECRET,
        PORT: String(port),
        DEMO_PLAYERS: '0',
        LOG_LEVEL: 'warn',
      }),
      90_000,
    );
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.match(
      out.stderr,
      new RegExp(
        `colorbet: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use .*set PORT to another port`,
      ),
    );
  } finally {
    busy.close();
    await database.drop();
  }
});

let db: TestDatabase;
test(
  'simulate prints money in major units and refusals in words; --json keeps minor units',
  { timeout: 180_000 },
  async () => {
    db = await createTestDatabase(2);
    const port = await freePort();
    const env = cliEnv({
      DATABASE_URL: db.url,
      AUTH_SECRET: SECRET,
      PORT: String(port),
      ROUND_SECONDS: '2',
      DEMO_PLAYERS: '0',
      LOG_LEVEL: 'warn',
    });
    const service = startCli(['start'], env);
    try {
      await waitFor('service', () => httpOk(`http://127.0.0.1:${port}/readyz`), 60_000);
      const plain = await runCli(['simulate', '--players', '2', '--rounds', '1'], env, 120_000);
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      const field = (name: string) => new RegExp(`^${name} +(.*)$`, 'm').exec(plain.stdout)?.[1];
      for (const name of ['staked', 'matched volume', 'refunds', 'commission']) {
        assert.match(field(name) ?? '', /^\d{1,3}(,\d{3})*\.\d\d$/, `${name}: ${plain.stdout}`);
      }
      assert.match(field('bets refused') ?? '', /^(none|\d+ \([A-Z_]+ \d+(, [A-Z_]+ \d+)*\))$/, plain.stdout);
      assert.ok(!plain.stdout.includes('{}'), plain.stdout);

      const json = await runCli(['simulate', '--players', '2', '--rounds', '1', '--json'], env, 120_000);
      assert.equal(json.code, 0, json.stdout + json.stderr);
      const line = JSON.parse(json.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      for (const name of ['staked', 'matched', 'refunds', 'commission']) {
        assert.ok(Number.isSafeInteger(line[name]), `${name} is ${String(line[name])}`);
      }
      assert.ok((line.staked as number) > 0);
      assert.equal((line.verify as { ok: boolean }).ok, true);

      // A voided round's fairness check says so, from the database and from the API.
      const op = await runCli(['operator', 'create', `cli_ops_${Date.now()}`], env);
      assert.equal(op.code, 0, op.stderr);
      const token = (JSON.parse(op.stdout) as { token: string }).token;
      const base = `http://127.0.0.1:${port}`;
      let current = { roundId: 0, status: '' };
      await waitFor('an open round', async () => {
        current = (await (await fetch(`${base}/v1/rounds/current`)).json()) as typeof current;
        return current.status === 'OPEN';
      });
      const voided = await fetch(`${base}/v1/admin/rounds/${current.roundId}/void`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'cli test: a void round has no result' }),
      });
      assert.equal(voided.status, 200, await voided.text());
      for (const args of [[], ['--url', base]]) {
        const fair = await runCli(['fairness', String(current.roundId), ...args], env);
        assert.match(
          fair.stdout,
          /voided, no result/,
          `fairness ${args.join(' ')}: ${fair.stdout}${fair.stderr}`,
        );
        assert.doesNotMatch(fair.stdout, /result +\(none\) +matches/);
      }
    } finally {
      await stopChild(service.child);
      await db.drop();
    }
  },
);
