// The test harness keeps its promises: a test file that fails keeps its database (and says which),
// one that passes drops it, and one that leaks a running worker loop fails, naming the loop.
// Each case runs a fixture file (test/fixtures/harness/) in a child `node --test` with the same
// preload test/run.ts gives every test process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HARNESS = new URL('./helpers/harness.ts', import.meta.url).href;
const adminUrl = process.env.COLORBET_TEST_ADMIN_URL;
assert.ok(adminUrl, 'run through test/run.ts, which sets COLORBET_TEST_ADMIN_URL');

interface Outcome {
  code: number | null;
  output: string;
}

function runFixture(file: string, env: Record<string, string> = {}): Promise<Outcome> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.KEEP_TEST_DB;
  delete childEnv.NODE_TEST_CONTEXT; // the child is a runner of its own, not one of our test processes
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', HARNESS, '--test', `test/fixtures/harness/${file}`],
      { cwd: ROOT, env: childEnv, stdio: 'pipe' },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture ${file} did not end within 60 s:\n${output}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const fixtureDatabase = (output: string) => /# fixture database (cbt_\w+)/.exec(output)?.[1];

test('a failed test file keeps its database, with the evidence in it, and prints its name', async () => {
  const { code, output } = await runFixture('failing-keeps-database.ts');
  const name = fixtureDatabase(output);
  assert.ok(name, output);
  try {
    assert.notEqual(code, 0, 'the fixture fails');
    assert.match(output, new RegExp(`kept database ${name} for inspection \\(a test of this file failed\\)`));
    assert.equal(await databaseExists(name), true, 'the database is still there');
    const client = new pg.Client({ connectionString: adminUrl.replace(/\/[^/]*$/, `/${name}`) });
    await client.connect();
    const { rows } = await client
      .query<{ note: string }>('SELECT note FROM evidence')
      .finally(() => client.end());
    assert.deepEqual(rows, [{ note: 'kept for the reader' }]);
  } finally {
    await dropDatabase(name);
  }
});

test('a passing test file drops its database', async () => {
  const { code, output } = await runFixture('passing-drops-database.ts');
  const name = fixtureDatabase(output);
  assert.ok(name, output);
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /kept database/);
  assert.equal(await databaseExists(name), false, 'the database is gone');
});

test('a test file that leaks a running worker loop fails, naming the loop', async () => {
  const { code, output } = await runFixture('leaks-worker.ts', { COLORBET_TEST_WORKER_GRACE_MS: '300' });
  assert.notEqual(code, 0, output);
  assert.match(
    output,
    /LEAKED WORKER: 1 worker loop\(s\) still running 300 ms after this file's tests ended/,
  );
  assert.match(output, /never stopped: fixture-leaky-loop/);
});

test('the same file passes when it stops its worker in an after hook', async () => {
  const { code, output } = await runFixture('leaks-worker.ts', {
    COLORBET_TEST_WORKER_GRACE_MS: '300',
    FIXTURE_STOP_WORKER: '1',
  });
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /LEAKED WORKER/);
});
