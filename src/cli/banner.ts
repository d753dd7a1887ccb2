// What `colorbet start` says once it is ready: where to point a browser (player page, operator
// page, API docs), how to get an operator account, where the data lives and how to stop. A
// person at a terminal gets a block of text; a log shipper gets the same facts as one JSON line.
import path from 'node:path';
import type { Config } from '../config.ts';
import { withoutPassword } from './errors.ts';

export interface BannerFacts {
  player: string;
  operator: string;
  docs: string;
  createOperator: string;
  data: string;
  redis?: string;
  demoPlayers: number;
}

/** The base URL a browser on this machine can open (a wildcard address is not one). */
export function browsableBase(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function bannerFacts(config: Config, port: number): BannerFacts {
  const base = browsableBase(config.host, port);
  return {
    player: `${base}/`,
    operator: `${base}/admin`,
    docs: `${base}/docs`,
    createOperator: 'npx colorbet operator create <username>',
    data: config.databaseUrl
      ? `PostgreSQL at ${withoutPassword(config.databaseUrl)} (DATABASE_URL)`
      : `embedded PostgreSQL in ${path.resolve(config.dataDir, 'pg')} (DATA_DIR=${path.resolve(config.dataDir)})`,
    ...(config.redisUrl ? { redis: withoutPassword(config.redisUrl) } : {}),
    demoPlayers: config.demoPlayers,
  };
}

export function bannerText(f: BannerFacts): string {
  const rows: [string, string][] = [
    ['players', f.player],
    ['operators', `${f.operator}   (log in with an account from: ${f.createOperator})`],
    ['API docs', f.docs],
    ['data', f.data],
    ...(f.redis ? ([['bus', `Redis at ${f.redis} (REDIS_URL)`]] as [string, string][]) : []),
    ...(f.demoPlayers > 0
      ? ([['demo', `${f.demoPlayers} simulated players are betting (DEMO_PLAYERS=0 turns them off)`]] as [
          string,
          string,
        ][])
      : []),
    ['stop', 'Ctrl-C (stops the service and the embedded PostgreSQL cleanly)'],
  ];
  const body = rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`);
  const rule = '-'.repeat(72);
  return ['', rule, '  colorbet is ready', '', ...body, rule, ''].join('\n');
}
