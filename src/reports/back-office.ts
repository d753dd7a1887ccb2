// Read-only views for the back office: player search with balances and holds, a round's bets
// with their matches, and its settlement lines. Every list is a page of at most `limit` rows
// through an index (users by id or by lower(username) prefix; bets and settlements by their
// round's primary key prefix; matches by (round, bet) and (round, against bet)).
import type { Queryable } from '../db/pool.ts';

export interface PlayerRow {
  userId: bigint;
  username: string;
  createdAt: Date;
  demo: boolean;
  /** The wallet now (the overdraft guard row: the ledger sum of the wallet). */
  balance: bigint;
  /** Held for requested withdrawals. */
  holds: bigint;
}

const PLAYER_COLUMNS = `u.id AS "userId", u.username, u.created_at AS "createdAt", u.demo,
  coalesce(g.balance, 0) AS balance,
  (SELECT coalesce(sum(w.amount), 0) FROM withdrawals w WHERE w.user_id = u.id AND w.status = 'REQUESTED')::bigint
    AS holds
  FROM users u
  LEFT JOIN accounts a ON a.kind = 'player' AND a.user_id = u.id
  LEFT JOIN wallet_guard g ON g.account_id = a.id`;

/**
 * Players, newest first below `beforeUser`: all of them, or those whose name starts with `q`
 * (any case), or whose id is `q` when it is a number.
 */
export async function searchPlayers(
  db: Queryable,
  q: string | undefined,
  opts: { beforeUser?: bigint; limit: number },
): Promise<{ players: PlayerRow[]; more: boolean }> {
  const text = q?.trim() ?? '';
  const asId = /^[1-9][0-9]{0,15}$/.test(text) ? BigInt(text) : null;
  // LIKE's own wildcards in the query are taken literally. A prefix with a bound value lets the
  // planner probe users_by_lower_name; an id probes the primary key (a BitmapOr of the two).
  const prefix = `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const match =
    text === ''
      ? ''
      : asId === null
        ? 'AND lower(u.username) LIKE $3'
        : 'AND (lower(u.username) LIKE $3 OR u.id = $4)';
  const params: unknown[] = [opts.beforeUser ?? BigInt(Number.MAX_SAFE_INTEGER), opts.limit + 1];
  if (text !== '') params.push(prefix);
  if (text !== '' && asId !== null) params.push(asId);
  const { rows } = await db.query<PlayerRow>(
    `SELECT ${PLAYER_COLUMNS}
     WHERE u.role = 'player' AND u.id < $1 ${match}
     ORDER BY u.id DESC LIMIT $2`,
    params,
  );
  return { players: rows.slice(0, opts.limit), more: rows.length > opts.limit };
}

export async function getPlayer(db: Queryable, userId: bigint): Promise<PlayerRow | undefined> {
  const { rows } = await db.query<PlayerRow>(
    `SELECT ${PLAYER_COLUMNS} WHERE u.role = 'player' AND u.id = $1`,
    [userId],
  );
  return rows[0];
}

export interface MatchLine {
  againstBetId: bigint;
  againstUserId: bigint;
  amount: bigint;
}

export interface AdminBetRow {
  betId: bigint;
  roundId: bigint;
  userId: bigint;
  username: string;
  side: string;
  amount: bigint;
  matchedAmount: bigint;
  cancelledAmount: bigint;
  status: string;
  seq: bigint | null;
  payout: bigint | null;
  refund: bigint | null;
  placedAt: Date;
  matches: MatchLine[];
}

/** Bets newest first below `beforeBet`, of one round or of one player, each with its matches. */
export async function listAdminBets(
  db: Queryable,
  where: { roundId: bigint } | { userId: bigint },
  opts: { beforeBet?: bigint; limit: number },
): Promise<{ bets: AdminBetRow[]; more: boolean }> {
  const byRound = 'roundId' in where;
  const { rows } = await db.query<Omit<AdminBetRow, 'matches'>>(
    `SELECT b.id AS "betId", b.round_id AS "roundId", b.user_id AS "userId", u.username, b.side, b.amount,
            b.matched_amount AS "matchedAmount", b.cancelled_amount AS "cancelledAmount", b.status, b.seq,
            b.payout, b.refund, b.placed_at AS "placedAt"
     FROM bets b JOIN users u ON u.id = b.user_id
     WHERE ${byRound ? 'b.round_id' : 'b.user_id'} = $1 AND b.id < $2
     ORDER BY b.id DESC LIMIT $3`,
    [
      byRound ? where.roundId : where.userId,
      opts.beforeBet ?? BigInt(Number.MAX_SAFE_INTEGER),
      opts.limit + 1,
    ],
  );
  const page = rows.slice(0, opts.limit);
  const { rows: fills } = await db.query<{
    bet: bigint;
    against: bigint;
    against_user: bigint;
    amount: bigint;
  }>(
    // A match joins two bets; each side of it lists the other. Bets of a page share few rounds.
    `WITH page AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS p (round_id, bet_id))
     SELECT m.bet_id AS bet, m.against_bet_id AS against, o.user_id AS against_user, m.amount
     FROM page p JOIN matches m ON m.round_id = p.round_id AND m.bet_id = p.bet_id
     JOIN bets o ON o.round_id = m.round_id AND o.id = m.against_bet_id
     UNION ALL
     SELECT m.against_bet_id, m.bet_id, o.user_id, m.amount
     FROM page p JOIN matches m ON m.round_id = p.round_id AND m.against_bet_id = p.bet_id
     JOIN bets o ON o.round_id = m.round_id AND o.id = m.bet_id`,
    [page.map((b) => b.roundId), page.map((b) => b.betId)],
  );
  const byBet = new Map<bigint, MatchLine[]>();
  for (const f of fills) {
    const list = byBet.get(f.bet) ?? [];
    list.push({ againstBetId: f.against, againstUserId: f.against_user, amount: f.amount });
    byBet.set(f.bet, list);
  }
  return {
    bets: page.map((b) => ({
      ...b,
      matches: (byBet.get(b.betId) ?? []).sort((x, y) => Number(x.againstBetId - y.againstBetId)),
    })),
    more: rows.length > opts.limit,
  };
}

export interface SettlementLine {
  userId: bigint;
  username: string;
  outcome: string;
  staked: bigint;
  net: bigint;
  commission: bigint;
  received: bigint;
  createdAt: Date;
}

/** A round's settlement lines (one per player), by user id descending below `beforeUser`. */
export async function roundSettlementLines(
  db: Queryable,
  roundId: bigint,
  opts: { beforeUser?: bigint; limit: number },
): Promise<{ lines: SettlementLine[]; more: boolean }> {
  const { rows } = await db.query<SettlementLine>(
    `SELECT s.user_id AS "userId", u.username, s.outcome, s.staked, s.net, s.commission, s.received,
            s.created_at AS "createdAt"
     FROM round_settlements s JOIN users u ON u.id = s.user_id
     WHERE s.round_id = $1 AND s.user_id < $2
     ORDER BY s.user_id DESC LIMIT $3`,
    [roundId, opts.beforeUser ?? BigInt(Number.MAX_SAFE_INTEGER), opts.limit + 1],
  );
  return { lines: rows.slice(0, opts.limit), more: rows.length > opts.limit };
}
