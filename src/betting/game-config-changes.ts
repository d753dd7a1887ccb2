// Changing the game configuration and reading its history (migration 0020): an operator's new
// version, written with its reason and a back-office audit row, and every version with the
// round it applies from. The reads a round or a bet needs are in game-config.ts.
import type { Queryable } from '../db/pool.ts';
import { oneRow } from '../db/rows.ts';
import { appError } from '../errors.ts';
import {
  COLUMNS,
  currentGameConfig,
  fromRow,
  valuesJson,
  type GameConfig,
  type GameConfigValues,
  type Row,
} from './game-config.ts';

/** A version in the history, with the first round that ran under it. */
export interface GameConfigEntry extends GameConfig {
  createdByName: string | null;
  /** The first round opened under it; null when none has (see `pending`). */
  appliesFromRound: bigint | null;
  /** The current version that no round has opened under yet: it applies from `nextRound`. */
  pending: boolean;
}

export type GameConfigChange = Partial<Omit<GameConfigValues, 'sides'> & { sides: string[] }>;

// Serialises writers: two operators saving at once get versions N and N+1, never a clash.
const CONFIG_WRITE_LOCK = 0x67616d65636667n; // "gamecfg"

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
  const written = fromRow(oneRow(rows, 'the configuration version just written'));
  // The back-office audit log (migration 0019), in the same transaction as the version itself.
  await db.query(
    `INSERT INTO audit_log (actor_id, action, reason, detail) VALUES ($1, 'config.change', $2, $3)`,
    [actorId, reason, JSON.stringify({ version: written.version, ...valuesJson(written) })],
  );
  return written;
}

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
  const nextRound = oneRow(top, 'the next round id').id;
  const entries = rows.map((r, i) => ({
    ...fromRow(r),
    createdByName: r.username,
    appliesFromRound: r.first_round,
    pending: i === 0 && r.first_round === null,
  }));
  return { entries, nextRound };
}

/** The first round that opened under a version, or null when none has. */
export async function firstRoundOf(db: Queryable, version: number): Promise<bigint | null> {
  const { rows } = await db.query<{ id: bigint | null }>(
    'SELECT min(id) AS id FROM rounds WHERE config_version = $1',
    [version],
  );
  return rows[0]?.id ?? null;
}
