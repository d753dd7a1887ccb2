// Versioned game configuration (migration 0020): sides, round length, bet limits, commission and
// the four-eyes threshold. The environment seeds version 1 once; each later version is written
// by an operator with a reason. A round records the version it opened under, and its placement
// limits and settlement rake come from that version, never from a newer one.
import type { Queryable } from '../db/pool.ts';
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

export interface Row {
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

export const COLUMNS =
  'version, sides, round_seconds, min_bet, max_bet, rake_bps, four_eyes_above, reason, created_by, created_at';

export const fromRow = (r: Row): GameConfig => ({
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

/** The values as JSON numbers and strings (amounts are safe integers: the schema bounds them). */
export const valuesJson = (v: GameConfigValues) => ({
  sides: [...v.sides],
  roundSeconds: v.roundSeconds,
  minBet: Number(v.minBet),
  maxBet: Number(v.maxBet),
  rakeBps: Number(v.rakeBps),
  fourEyesAbove: Number(v.fourEyesAbove),
});

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

/**
 * The environment variables whose values differ from `current`: after version 1 they no
 * longer decide anything, which start says rather than let an operator think a restart applied.
 */
export function seedDifferences(current: GameConfigValues, seed: GameConfigValues): string[] {
  const differs: [string, boolean][] = [
    ['SIDES', current.sides.join(',') !== seed.sides.join(',')],
    ['ROUND_SECONDS', current.roundSeconds !== seed.roundSeconds],
    ['MIN_BET', current.minBet !== seed.minBet],
    ['MAX_BET', current.maxBet !== seed.maxBet],
    ['RAKE_BPS', current.rakeBps !== seed.rakeBps],
    ['FOUR_EYES_ABOVE', current.fourEyesAbove !== seed.fourEyesAbove],
  ];
  return differs.filter(([, d]) => d).map(([name]) => name);
}
