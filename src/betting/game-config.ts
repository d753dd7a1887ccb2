// Versioned game configuration (migration 0020): sides, round length, bet limits, commission and
// the four-eyes threshold. The environment seeds version 1 once; each later version is written
// by an operator with a reason. A round records the version it opened under, and its placement
// limits and settlement rake come from that version, never from a newer one.
import type { Queryable } from '../db/pool.ts';
import { appError } from '../errors.ts';
import type { RoundTerms } from './rounds.ts';

export interface GameConfigValues {
  sides: readonly [string, string];
  roundSeconds: number;
  minBet: bigint;
  maxBet: bigint;
  rakeBps: bigint;
  /** A deposit or void above this amount waits for a second operator (0 = every one). */
  fourEyesAbove: bigint;
}

export interface GameConfig extends GameConfigValues {
  version: number;
  reason: string;
  /** The operator who wrote it; null for version 1, seeded from the environment. */
  createdBy: bigint | null;
  createdAt: Date;
}

/** A version in the history, with the first round that ran under it. */
export interface GameConfigEntry extends GameConfig {
  createdByName: string | null;
  /** The first round opened under it; null when none has (see `pending`). */
  appliesFromRound: bigint | null;
  /** The current version that no round has opened under yet: it applies from `nextRound`. */
  pending: boolean;
}

export type GameConfigChange = Partial<Omit<GameConfigValues, 'sides'> & { sides: string[] }>;

interface Row {
  version: number;
  sides: string[];
  round_seconds: number;
  min_bet: bigint;
  max_bet: bigint;
  rake_bps: bigint;
  four_eyes_above: bigint;
  reason: string;
  created_by: bigint | null;
  created_at: Date;
}

const COLUMNS =
  'version, sides, round_seconds, min_bet, max_bet, rake_bps, four_eyes_above, reason, created_by, created_at';

const fromRow = (r: Row): GameConfig => ({
  version: r.version,
  sides: [r.sides[0] ?? '', r.sides[1] ?? ''],
  roundSeconds: r.round_seconds,
  minBet: r.min_bet,
  maxBet: r.max_bet,
  rakeBps: r.rake_bps,
  fourEyesAbove: r.four_eyes_above,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

// Serialises writers: two operators saving at once get versions N and N+1, never a clash.
const CONFIG_WRITE_LOCK = 0x67616d65636667n; // "gamecfg"

/** The newest version: what the next round opens under. Undefined before version 1 is seeded. */
export async function currentGameConfig(db: Queryable): Promise<GameConfig | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM game_config ORDER BY version DESC LIMIT 1`);
  return rows[0] && fromRow(rows[0]);
}

export async function gameConfigVersion(db: Queryable, version: number): Promise<GameConfig | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM game_config WHERE version = $1`, [version]);
  return rows[0] && fromRow(rows[0]);
}

/** The version a round ran under; undefined for no such round or one opened before 0020. */
export async function configForRound(db: Queryable, roundId: bigint): Promise<GameConfig | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS.split(', ')
      .map((c) => `g.${c}`)
      .join(', ')} FROM rounds r JOIN game_config g ON g.version = r.config_version WHERE r.id = $1`,
    [roundId],
  );
  return rows[0] && fromRow(rows[0]);
}

/**
 * Version 1 from the environment, written only while the table is empty (a second start, or two
 * processes starting at once, write nothing). Returns the current version, which may differ
 * from `seed`: after version 1 the environment no longer decides.
 */
export async function seedGameConfig(db: Queryable, seed: GameConfigValues): Promise<GameConfig> {
  await db.query(
    `INSERT INTO game_config (version, sides, round_seconds, min_bet, max_bet, rake_bps, four_eyes_above, reason)
     SELECT 1, $1, $2, $3, $4, $5, $6, 'seeded from the environment at first start'
     WHERE NOT EXISTS (SELECT 1 FROM game_config)
     ON CONFLICT (version) DO NOTHING`,
    [seed.sides, seed.roundSeconds, seed.minBet, seed.maxBet, seed.rakeBps, seed.fourEyesAbove],
  );
  const current = await currentGameConfig(db);
  if (!current) throw new Error('game_config is empty right after seeding it');
  return current;
}

/** Why a merged configuration cannot be a version, or undefined when it can. */
function problem(v: GameConfigValues): string | undefined {
  if (v.sides[0] === v.sides[1]) return 'sides must be two different names';
  if (v.maxBet < v.minBet) return `maxBet (${v.maxBet}) must be at least minBet (${v.minBet})`;
  return undefined;
}

/**
 * Writes the next version: the current one with `change` applied. It applies from the next
 * round that opens (rounds take the newest version when they open). Refuses CONFIG_INVALID
 * (the merged values break a rule), CONFIG_UNCHANGED (nothing differs) and CONFIG_NOT_SEEDED.
 * Run it inside a transaction: the lock is held to its end.
 */
export async function writeGameConfig(
  db: Queryable,
  change: GameConfigChange,
  reason: string,
  actorId: bigint,
): Promise<GameConfig> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [CONFIG_WRITE_LOCK]);
  const current = await currentGameConfig(db);
  if (!current) throw appError('CONFIG_NOT_SEEDED', 'No configuration version exists yet');
  const sides = change.sides ?? current.sides;
  const next: GameConfigValues = {
    sides: [sides[0] ?? '', sides[1] ?? ''],
    roundSeconds: change.roundSeconds ?? current.roundSeconds,
    minBet: change.minBet ?? current.minBet,
    maxBet: change.maxBet ?? current.maxBet,
    rakeBps: change.rakeBps ?? current.rakeBps,
    fourEyesAbove: change.fourEyesAbove ?? current.fourEyesAbove,
  };
  const bad = sides.length === 2 ? problem(next) : 'sides must be exactly two names';
  if (bad) throw appError('CONFIG_INVALID', bad);
  const same =
    next.sides[0] === current.sides[0] &&
    next.sides[1] === current.sides[1] &&
    next.roundSeconds === current.roundSeconds &&
    next.minBet === current.minBet &&
    next.maxBet === current.maxBet &&
    next.rakeBps === current.rakeBps &&
    next.fourEyesAbove === current.fourEyesAbove;
  if (same) throw appError('CONFIG_UNCHANGED', `Version ${current.version} already has these values`);
  const { rows } = await db.query<Row>(
    `INSERT INTO game_config (version, sides, round_seconds, min_bet, max_bet, rake_bps, four_eyes_above,
                              reason, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      current.version + 1,
      next.sides,
      next.roundSeconds,
      next.minBet,
      next.maxBet,
      next.rakeBps,
      next.fourEyesAbove,
      reason,
      actorId,
    ],
  );
  const written = fromRow(rows[0]!);
  // The back-office audit log (migration 0019), in the same transaction as the version itself.
  await db.query(
    `INSERT INTO audit_log (actor_id, action, reason, detail) VALUES ($1, 'config.change', $2, $3)`,
    [actorId, reason, JSON.stringify({ version: written.version, ...valuesJson(written) })],
  );
  return written;
}

/** The values as JSON numbers and strings (amounts are safe integers: the schema bounds them). */
export const valuesJson = (v: GameConfigValues) => ({
  sides: [...v.sides],
  roundSeconds: v.roundSeconds,
  minBet: Number(v.minBet),
  maxBet: Number(v.maxBet),
  rakeBps: Number(v.rakeBps),
  fourEyesAbove: Number(v.fourEyesAbove),
});

/** Every version, newest first, with the round each applied from and who wrote it. */
export async function gameConfigHistory(
  db: Queryable,
): Promise<{ entries: GameConfigEntry[]; nextRound: bigint }> {
  const { rows } = await db.query<Row & { username: string | null; first_round: bigint | null }>(
    `SELECT ${COLUMNS.split(', ')
      .map((c) => `g.${c}`)
      .join(', ')}, u.username,
            (SELECT min(r.id) FROM rounds r WHERE r.config_version = g.version) AS first_round
     FROM game_config g LEFT JOIN users u ON u.id = g.created_by
     ORDER BY g.version DESC`,
  );
  const top = await db.query<{ id: bigint }>('SELECT coalesce(max(id), 0) + 1 AS id FROM rounds');
  const nextRound = top.rows[0]!.id;
  const entries = rows.map((r, i) => ({
    ...fromRow(r),
    createdByName: r.username,
    appliesFromRound: r.first_round,
    pending: i === 0 && r.first_round === null,
  }));
  return { entries, nextRound };
}

/**
 * The terms the next round opens under: the newest version's, with its number. `fallback` (the
 * environment's terms) only while no version exists, for a database that was never seeded.
 */
export async function termsToOpen(db: Queryable, fallback: RoundTerms): Promise<RoundTerms> {
  const current = await currentGameConfig(db);
  if (!current) return fallback;
  return {
    sides: current.sides,
    rakeBps: current.rakeBps,
    roundSeconds: current.roundSeconds,
    configVersion: current.version,
  };
}

/** Version 1's values from the environment (only used while the table is empty). */
export const gameConfigSeed = (c: {
  sides: readonly [string, string];
  roundSeconds: number;
  minBet: bigint;
  maxBet: bigint;
  rakeBps: bigint;
  fourEyesAbove: bigint;
}): GameConfigValues => ({
  sides: c.sides,
  roundSeconds: c.roundSeconds,
  minBet: c.minBet,
  maxBet: c.maxBet,
  rakeBps: c.rakeBps,
  fourEyesAbove: c.fourEyesAbove,
});

/** The first round that opened under a version, or null when none has. */
export async function firstRoundOf(db: Queryable, version: number): Promise<bigint | null> {
  const { rows } = await db.query<{ id: bigint | null }>(
    'SELECT min(id) AS id FROM rounds WHERE config_version = $1',
    [version],
  );
  return rows[0]?.id ?? null;
}
