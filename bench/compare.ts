// Before/after in one harness: `npx tsx bench/compare.ts <checkout> <BATCH_WINDOW_MS> [rates]`
// runs the open-loop generator of `npm run bench` against `colorbet start --roles api` of any
// checkout (copy bench/http-db.ts, http-server.ts, http-load.ts, raw-http.ts and setup.ts into an
// older one first), 10 s per offered rate, on a fresh database of this machine's PostgreSQL.
const [root = '.', window = '2', rates = '300,400,600'] = process.argv.slice(2);
const at = (file: string) => new URL(`file://${process.cwd()}/${root}/bench/${file}`).href;
const { benchDatabase } = (await import(at('setup.ts'))) as typeof import('./setup.ts');
const { preparePlayers } = (await import(at('http-db.ts'))) as typeof import('./http-db.ts');
const { startApi } = (await import(at('http-server.ts'))) as typeof import('./http-server.ts');
const { runStep } = (await import(at('http-load.ts'))) as typeof import('./http-load.ts');

const SECRET = 'bench-http-secret-0123456789-0123456789';
const db = await benchDatabase();
const { roundId, tokens } = await preparePlayers(db, 1000, SECRET);
const api = await startApi({ databaseUrl: db.url, authSecret: SECRET, batchWindowMs: Number(window) });
try {
  for (const rate of rates.split(',').map(Number)) {
    const r = await runStep(
      { port: api.port, path: '/v1/bets', roundId, tokens, keyPrefix: `cmp-${rate}-${Date.now()}` },
      { rate, seconds: 10, warmupSeconds: 1, graceSeconds: 5 },
    );
    console.log(
      `${root} BATCH_WINDOW_MS=${window} offered ${rate}/s: answered ${r.answeredPerSec.toFixed(0)}/s, ` +
        `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, failed ${r.failures}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
} finally {
  await api.stop();
  await db.drop();
}
