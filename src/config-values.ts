// The parsers of single environment variables, shared by every part of the configuration
// (src/config.ts, src/payments/config.ts): each either gives a typed value or throws a
// ConfigError that names the variable, so a bad value stops the program at start.
import { isIP } from 'node:net';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim()))
    throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw;
}

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** IPv4/IPv6 addresses or CIDR blocks, comma-separated ("127.0.0.1,10.0.0.0/8"). */
export function addressList(env: Env, name: string): string[] {
  const items = list(env[name]);
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const okAddr = addr !== undefined && isIP(addr) !== 0;
    const okBits =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr ?? '') === 6 ? 128 : 32));
    if (!okAddr || !okBits || extra !== undefined) {
      throw new ConfigError(
        name,
        `must be IP addresses or CIDR blocks separated by commas, got ${JSON.stringify(item)}`,
      );
    }
  }
  return items;
}

/** Full origins, comma-separated ("https://play.example.com"). */
export function originList(env: Env, name: string): string[] {
  const items = list(env[name]);
  for (const item of items) {
    let origin = '';
    try {
      origin = new URL(item).origin;
    } catch {
      // reported below
    }
    if (origin !== item)
      throw new ConfigError(name, `must be origins like https://example.com, got ${JSON.stringify(item)}`);
  }
  return items;
}

export function roleName(env: Env, name: string, fallback: string): string | undefined {
  const raw = env[name];
  if (raw === '') return undefined;
  const value = raw ?? fallback;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new ConfigError(
      name,
      `must be a lowercase role name (letters, digits, _), or empty for none; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function secretToken(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 24 || /\s/.test(raw))
    throw new ConfigError(name, 'must be at least 24 characters without spaces');
  return raw;
}

/** 0 or 1; unset or empty gives `fallback`. */
export function flag(env: Env, name: string, fallback = false): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === '1') return raw === '1';
  throw new ConfigError(name, `must be 0 or 1, got ${JSON.stringify(raw)}`);
}
