// Private redis-server processes on loopback for tests, the fleet and chaos runs: persistence
// off (it keeps nothing on disk, like the machine's own Redis), so a restart comes back empty.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';

export interface RedisServer {
  port: number;
  url: string;
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function ping(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
  return r.stdout.trim() === 'PONG';
}

export async function startRedisServer(
  opts: { port?: number; cluster?: boolean } = {},
): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), `colorbet-redis-${port}-`));
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => {
      child?.kill('SIGKILL');
      child = undefined;
    },
    start: async () => {
      rmSync(path.join(dir, `nodes-${port}.conf`), { force: true });
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ];
      if (opts.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`);
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitFor(`redis-server on ${port}`, async () => ping(port), 10_000);
    },
    stop: async () => {
      const c = child;
      child = undefined;
      if (c && c.exitCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Three masters with hash slots spread by redis-cli, as in `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<{
  nodes: RedisServer[];
  url: string;
  stop(): Promise<void>;
}> {
  const nodes = [
    await startRedisServer({ cluster: true }),
    await startRedisServer({ cluster: true }),
    await startRedisServer({ cluster: true }),
  ];
  const create = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (create.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  await waitFor(
    'cluster_state:ok',
    async () =>
      nodes.every((n) =>
        spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], {
          encoding: 'utf8',
        }).stdout.includes('cluster_state:ok'),
      ),
    20_000,
  );
  return {
    nodes,
    url: nodes[0]!.url,
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}
