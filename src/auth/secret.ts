// The token signing key never lives in the database: anyone who can read it could mint operator
// tokens. With DATABASE_URL (a fleet), AUTH_SECRET is required: every process must sign and
// check with the same key. The embedded default generates one into DATA_DIR/auth-secret (mode
// 0600) on first start; a key an earlier version kept in service_settings is moved there and
// deleted from the table, so tokens already issued stay valid.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { Queryable } from '../db/pool.ts';

export const SECRET_FILE = 'auth-secret';

export async function resolveAuthSecret(config: Config, db: Queryable): Promise<string> {
  if (config.authSecret) return config.authSecret;
  if (config.databaseUrl) {
    throw new ConfigError(
      'AUTH_SECRET',
      'is required with DATABASE_URL: every process must sign tokens with the same key (the embedded default keeps a generated one in DATA_DIR/auth-secret)',
    );
  }
  const file = path.join(config.dataDir, SECRET_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) {
    await db.query(`DELETE FROM service_settings WHERE name = 'auth_secret'`);
    return existing.trim();
  }
  const legacy = await db.query<{ value: string }>(
    `SELECT value FROM service_settings WHERE name = 'auth_secret'`,
  );
  const secret = legacy.rows[0]?.value ?? randomBytes(32).toString('base64url');
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process of the same data directory wrote it first: theirs is the key.
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  }
  await db.query(`DELETE FROM service_settings WHERE name = 'auth_secret'`);
  return secret;
}
