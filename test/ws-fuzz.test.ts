// Adversarial WebSocket input (issue 11): random text and binary frames, JSON of every shape,
// wrong-typed and injection-shaped fields, unicode, oversized frames and forged tokens sent to
// a live gateway. Every message gets a stable error code (or the connection is closed with a
// defined close code), the process keeps serving, and no money moves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { listenOnLoopback, startTestApp, type TestApp } from './helpers/app.ts';
import { guardSum } from './helpers/ledger.ts';

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  base = `ws://127.0.0.1:${await listenOnLoopback(t.app)}/v1/stream`;
});
after(async () => t.close());

const CODES = new Set(['VALIDATION', 'UNAUTHORIZED']);
// 1009: frame over maxPayload; 4401: refused token; 1000/1005: ordinary close.
const CLOSES = new Set([1000, 1005, 1009, 4401]);

const message = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({
      type: fc.constantFrom('auth', 'ping', 'subscribe', 'bet', "'; DROP TABLE transfers; --", '__proto__'),
      token: fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.integer(),
        fc.constant(null),
        fc.constant('x'.repeat(5000)),
      ),
      amount: fc.oneof(fc.double(), fc.bigInt().map(String), fc.constant(-1)),
    })
    .map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constant('x'.repeat(9 * 1024)),
);

interface Outcome {
  errors: string[];
  close: number;
}

async function send(frames: (string | Buffer)[]): Promise<Outcome> {
  const ws = new WebSocket(base);
  const errors: string[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; code?: string };
    if (m.type === 'error') errors.push(m.code ?? '?');
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f, { binary: Buffer.isBuffer(f) });
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  return { errors, close: await closed };
}

test('random WebSocket input: stable error codes or a defined close, never a crash, no money moved', async () => {
  const before = await guardSum(t.db.pool);
  let frames = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), async (batch) => {
      frames += batch.length;
      const out = await send(batch);
      for (const code of out.errors) assert.ok(CODES.has(code), `unexpected error code ${code}`);
      assert.ok(CLOSES.has(out.close), `unexpected close code ${out.close}`);
    }),
    { numRuns: 60 },
  );
  // Still serving, and nothing moved.
  assert.equal((await t.request({ method: 'GET', url: '/healthz' })).status, 200);
  assert.equal(await guardSum(t.db.pool), before);
  console.log(`# ws fuzz: ${frames} frames in 60 connections, all answered with stable codes`);
});
