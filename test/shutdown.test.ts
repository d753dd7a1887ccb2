// Stopping the embedded default, whichever process hears the signal first (issue 13): Ctrl-C
// or SIGTERM to the service process alone (as `kill PID` or a supervisor does), SIGINT to
// `npm start` alone (npm must hand it on: `exec` in the script) and to its whole group (the
// service then gets two at once and must not die of the second), and SIGINT to the embedded
// PostgreSQL first, with the Redis event hub or the PostgreSQL one. Every time: exit 0, the
// server gone from the data directory, and no unhandled error, no dump, no error line.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { processesInDataDir } from '../src/db/data-dir.ts';
import { freePort } from './helpers/process.ts';
import { startService, UNCLEAN_OUTPUT, waitReady, type Service } from './helpers/service.ts';
import { sleep, waitFor } from './helpers/util.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let dataDir: string;
let port: number;
let baseUrl: string;
const services: Service[] = [];

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'colorbet-shutdown-'));
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
});
after(async () => {
  for (const s of services) s.signalGroup('SIGKILL');
  await Promise.all(services.map((s) => s.exited));
  await sleep(500);
  await rm(dataDir, { recursive: true, force: true });
});

/** A running service with a little demo traffic, so the stop happens mid-work. */
async function running(how: 'npm' | 'direct', extra: Record<string, string> = {}): Promise<Service> {
  const service = startService(
    {
      DATA_DIR: dataDir,
      PORT: String(port),
      AUTH_SECRET: 'shutdown-test-secret-0123456789-abcdef',
      LOG_LEVEL: 'info',
      DEMO_PLAYERS: '3',
      ROUND_SECONDS: '2',
      ...extra,
    },
    how,
  );
  services.push(service);
  await waitReady(service, baseUrl);
  await sleep(1500);
  return service;
}

async function assertStoppedCleanly(service: Service, label: string): Promise<void> {
  const exit = await service.exited;
  const text = service.output.text;
  assert.deepEqual(exit, { code: 0, signal: null }, `${label}:\n${text}`);
  assert.doesNotMatch(text, UNCLEAN_OUTPUT, label);
  assert.doesNotMatch(text, /\b(ERROR|FATAL): /, `${label}: an error line in the pretty output`);
  assert.match(text, /shutting down/, label);
  // Its own last line: the shutdown ran to its end (a second SIGINT did not cut it short).
  assert.match(text, /colorbet stopped \(and its embedded PostgreSQL\)/, label);
  assert.doesNotMatch(text, /again: exiting without waiting/, label);
  for (const line of text.split('\n')) {
    assert.ok(line.length < 1000, `${label}: a line of ${line.length} characters: ${line.slice(0, 200)}...`);
  }
  // The embedded server went with it: no process left in its directory, no lock file.
  const pgDir = path.join(dataDir, 'pg');
  await waitFor('the server to leave its directory', async () =>
    (await processesInDataDir(pgDir)).length === 0 ? true : undefined,
  );
  assert.equal(existsSync(path.join(pgDir, 'postmaster.pid')), false, `${label}: postmaster.pid left`);
}

test('SIGINT to the service process alone: exit 0, PostgreSQL stopped, a clean console', async () => {
  const service = await running('direct', { LOG_FORMAT: 'pretty' });
  // The banner a person sees at a terminal.
  assert.match(service.output.text, /colorbet is ready/);
  assert.match(service.output.text, new RegExp(`players +${baseUrl}/`));
  assert.match(service.output.text, new RegExp(`operators +${baseUrl}/admin .*colorbet operator create`));
  assert.match(service.output.text, new RegExp(`API docs +${baseUrl}/docs`));
  assert.ok(service.output.text.includes(path.join(dataDir, 'pg')), 'the banner says where data lives');
  assert.match(service.output.text, /\] INFO: /, 'pretty lines');
  process.kill(service.child.pid!, 'SIGINT');
  await assertStoppedCleanly(service, 'SIGINT to the service');
});

test('SIGTERM to the service process alone: exit 0, PostgreSQL stopped', async () => {
  const service = await running('direct');
  process.kill(service.child.pid!, 'SIGTERM');
  await assertStoppedCleanly(service, 'SIGTERM to the service');
});

test('SIGINT to `npm start` alone: npm hands it to the service, which stops cleanly', async () => {
  const service = await running('npm');
  process.kill(service.child.pid!, 'SIGINT');
  await assertStoppedCleanly(service, 'SIGINT to npm');
});

test('Ctrl-C in the terminal of `npm start` (npm and the service each get SIGINT, and npm passes one on)', async () => {
  const service = await running('npm');
  service.signalGroup('SIGINT');
  await assertStoppedCleanly(service, 'SIGINT to the npm start group');
});

for (const hub of ['Redis', 'PostgreSQL'] as const) {
  test(`SIGINT to the embedded PostgreSQL first (${hub} event hub): the service says so and exits 0`, async () => {
    const service = await running(
      'direct',
      hub === 'Redis' ? { REDIS_URL, REDIS_PREFIX: 'shutdowntest' } : {},
    );
    const pid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGINT');
    await assertStoppedCleanly(service, `SIGINT to PostgreSQL (${hub} hub)`);
    assert.match(service.output.text, /embedded PostgreSQL stopped \(exit code 0\); shutting down/);
    // A stopping server drops every pooled connection: said once, not once per connection.
    const lost = service.output.text.match(/database connection lost/g) ?? [];
    assert.ok(lost.length <= 2, `${lost.length} "connection lost" lines:\n${service.output.text}`);
  });
}
