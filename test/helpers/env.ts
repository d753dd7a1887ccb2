// Where the tests find their servers, and the rule for suites that need one that is missing:
// skip loudly, unless COLORBET_REQUIRE_ALL=1 (set by .ci/run), which turns the skip into a failure.
import net from 'node:net';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function probeRedis(): Promise<string | undefined> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const ok = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 6379 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
  return ok ? 'redis://127.0.0.1:6379' : undefined;
}

/** For node:test's `skip` option: a reason when the dependency is missing, and a failure when CI demands everything. */
export function requireDependency(name: string, present: boolean): string | false {
  if (present) return false;
  const message = `${name} is not available: this suite is SKIPPED`;
  if (process.env.COLORBET_REQUIRE_ALL === '1')
    throw new Error(`${message}, but COLORBET_REQUIRE_ALL=1 forbids skips`);
  console.warn(`\n!!! ${message} !!!\n`);
  return message;
}
