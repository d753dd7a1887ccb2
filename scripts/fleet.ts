// `npm run fleet`: a local fleet on loopback (see scripts/lib/fleet.ts) until Ctrl-C.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startFleet } from './lib/fleet.ts';
import { provideInfra } from './lib/infra.ts';

const infra = await provideInfra(process.env.DATA_DIR ?? '.colorbet');
const lbPort = Number(process.env.PORT ?? 3000);
const fleet = await startFleet({
  databaseUrl: infra.databaseUrl,
  redisUrl: infra.redisUrl,
  lbPort,
  logDir: path.resolve('.colorbet/fleet-logs'),
  env: {
    ...(process.env.ROUND_SECONDS ? { ROUND_SECONDS: process.env.ROUND_SECONDS } : {}),
    // Every process of the fleet signs tokens with one key.
    AUTH_SECRET: process.env.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
  },
});
console.log(
  `fleet up: ${fleet.url} (HAProxy) -> ${fleet.processes
    .filter((p) => p.port)
    .map((p) => p.port)
    .join(', ')}`,
);
for (const p of fleet.processes)
  console.log(
    `  ${p.name.padEnd(10)} --roles ${p.roles}${p.port ? ` on :${p.port}` : ''} pid ${p.child?.pid}`,
  );
console.log(`redis ${infra.redisUrl}; logs in .colorbet/fleet-logs; Ctrl-C stops everything`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the fleet...');
  await fleet.stop();
  await infra.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
