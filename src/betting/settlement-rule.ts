// The settlement rule (exchange rules, docs/invariants.md "The game's rules") as a pure function.
//
// Escrow holds every stake that was not cancelled. For each match of amount m the bet on
// the winning side wins m and the other loses m; the winning bet is paid 2m gross (its own
// m back plus the loser's m), every unmatched remainder lapses and is refunded, and the
// house takes commission on each player's NET winnings for the round, rounded down.
// Because each match has exactly one winner, gross payouts plus refunds equal the escrow,
// and what players receive plus the commission leaves the escrow at exactly 0.

export interface SettleBet {
  id: string;
  playerId: string;
  side: string;
  amount: bigint;
  /** Amount cancelled while the round was open (already refunded to the wallet). */
  cancelled: bigint;
}

export interface SettleMatch {
  betId: string;
  againstId: string;
  amount: bigint;
}

export interface BetSettlement {
  betId: string;
  playerId: string;
  matched: bigint;
  /** Gross: 2m for every portion that won. Commission is per player, not per bet. */
  payout: bigint;
  /** The lapsed, unmatched remainder (amount - cancelled - matched). */
  refund: bigint;
}

export interface PlayerSettlement {
  playerId: string;
  /** Sum of amount - cancelled: what this player has in escrow for the round. */
  staked: bigint;
  /** Sum of m won - sum of m lost. */
  net: bigint;
  commission: bigint;
  /** Credited to the wallet from escrow: payouts + refunds - commission. */
  received: bigint;
  /** received - staked: the round's effect on the wallet. */
  change: bigint;
}

export interface RoundSettlement {
  /** In input order. */
  bets: BetSettlement[];
  /** Sorted by playerId (code-unit order, independent of locale). */
  players: PlayerSettlement[];
  houseCommission: bigint;
}

export interface SettleRoundInput {
  result: string;
  rakeBps: bigint;
  bets: readonly SettleBet[];
  matches: readonly SettleMatch[];
}

const BPS_PER_UNIT = 10_000n;

interface BetTally {
  readonly bet: SettleBet;
  matched: bigint;
  won: bigint;
  lost: bigint;
}

/**
 * A settlement that does not hand back exactly what the round's escrow holds: what players
 * received plus the commission must equal what they staked less what they cancelled
 * (docs/invariants.md, I6). Only a bug gets here; the escrow trigger would refuse the commit.
 */
export class SettlementImbalanceError extends Error {
  constructor(where: string, t: SettlementTotals) {
    super(
      `settlement postcondition failed for ${where}: paid ${t.paid} + commission ${t.commission} ` +
        `!= staked ${t.staked} - cancelled ${t.cancelled} (docs/invariants.md, I6)`,
    );
    this.name = 'SettlementImbalanceError';
  }
}

export interface SettlementTotals {
  /** Sum of the bets' amounts. */
  staked: bigint;
  /** Sum of what was cancelled while the round was open (refunded then, not now). */
  cancelled: bigint;
  /** Sum of what players receive from escrow now (payouts and refunds, less commission). */
  paid: bigint;
  commission: bigint;
}

/** The postcondition of a whole round's settlement or void: paid + commission == staked - cancelled. */
export function assertSettlementBalances(where: string, t: SettlementTotals): void {
  if (t.paid + t.commission !== t.staked - t.cancelled) throw new SettlementImbalanceError(where, t);
}

function assertMoney(value: bigint, what: string): void {
  if (typeof value !== 'bigint') throw new RangeError(`${what} must be a bigint`);
  if (value < 0n) throw new RangeError(`${what} must not be negative, got ${value}`);
}

function tallyBets(bets: readonly SettleBet[]): Map<string, BetTally> {
  const tallies = new Map<string, BetTally>();
  for (const bet of bets) {
    if (tallies.has(bet.id)) throw new RangeError(`bet ${bet.id} appears more than once`);
    assertMoney(bet.amount, `amount of bet ${bet.id}`);
    assertMoney(bet.cancelled, `cancelled amount of bet ${bet.id}`);
    if (bet.cancelled > bet.amount) {
      throw new RangeError(`bet ${bet.id} cancelled ${bet.cancelled}, more than its amount ${bet.amount}`);
    }
    tallies.set(bet.id, { bet, matched: 0n, won: 0n, lost: 0n });
  }
  return tallies;
}

function lookUp(tallies: Map<string, BetTally>, betId: string): BetTally {
  const tally = tallies.get(betId);
  if (tally === undefined) throw new RangeError(`match references unknown bet ${betId}`);
  return tally;
}

function takeMatched(tally: BetTally, amount: bigint): void {
  tally.matched += amount;
  const open = tally.bet.amount - tally.bet.cancelled;
  if (tally.matched > open) {
    throw new RangeError(`bet ${tally.bet.id} is matched ${tally.matched}, more than its open ${open}`);
  }
}

function applyMatches(tallies: Map<string, BetTally>, matches: readonly SettleMatch[], result: string): void {
  for (const match of matches) {
    const bet = lookUp(tallies, match.betId);
    const against = lookUp(tallies, match.againstId);
    const label = `match ${match.betId}/${match.againstId}`;
    assertMoney(match.amount, `amount of ${label}`);
    if (match.amount === 0n) throw new RangeError(`${label} has amount 0`);
    if (bet.bet.playerId === against.bet.playerId) {
      throw new RangeError(`${label} has player ${bet.bet.playerId} on both sides`);
    }
    if (bet.bet.side === against.bet.side) throw new RangeError(`${label} has both bets on ${bet.bet.side}`);
    takeMatched(bet, match.amount);
    takeMatched(against, match.amount);
    const [winner, loser] =
      bet.bet.side === result ? [bet, against] : against.bet.side === result ? [against, bet] : [];
    // A result naming neither side would leave m in escrow with nobody entitled to it.
    if (winner === undefined || loser === undefined) {
      throw new RangeError(`result ${result} is neither side of ${label}`);
    }
    winner.won += match.amount;
    loser.lost += match.amount;
  }
}

function byPlayerId(a: PlayerSettlement, b: PlayerSettlement): number {
  return a.playerId < b.playerId ? -1 : a.playerId > b.playerId ? 1 : 0;
}

function newPlayer(playerId: string): PlayerSettlement {
  return { playerId, staked: 0n, net: 0n, commission: 0n, received: 0n, change: 0n };
}

/** Rolls bet settlements up per player and charges commission on positive net winnings. */
function settlePlayers(
  tallies: Iterable<BetTally>,
  settlements: readonly BetSettlement[],
  rakeBps: bigint,
): PlayerSettlement[] {
  const players = new Map<string, PlayerSettlement>();
  let index = 0;
  for (const tally of tallies) {
    const settled = settlements[index++] as BetSettlement;
    let player = players.get(tally.bet.playerId);
    if (player === undefined) {
      player = newPlayer(tally.bet.playerId);
      players.set(player.playerId, player);
    }
    player.staked += tally.bet.amount - tally.bet.cancelled;
    player.net += tally.won - tally.lost;
    player.received += settled.payout + settled.refund;
  }
  for (const player of players.values()) {
    // bigint division truncates toward zero, which is floor for a non-negative numerator.
    player.commission = player.net > 0n ? (player.net * rakeBps) / BPS_PER_UNIT : 0n;
    player.received -= player.commission;
    player.change = player.received - player.staked;
  }
  return [...players.values()].sort(byPlayerId);
}

function checkTerms(result: string, rakeBps: bigint): void {
  assertMoney(rakeBps, 'rakeBps');
  if (rakeBps > BPS_PER_UNIT) throw new RangeError(`rakeBps must be at most 10000, got ${rakeBps}`);
  if (typeof result !== 'string' || result.length === 0) {
    throw new RangeError('result must be a side name');
  }
}

/** Bet and player settlements from tallies whose matched, won and lost amounts are known. */
function settleTallies(tallies: Map<string, BetTally>, rakeBps: bigint): RoundSettlement {
  const bets = [...tallies.values()].map((tally): BetSettlement => ({
    betId: tally.bet.id,
    playerId: tally.bet.playerId,
    matched: tally.matched,
    payout: 2n * tally.won,
    refund: tally.bet.amount - tally.bet.cancelled - tally.matched,
  }));
  const players = settlePlayers(tallies.values(), bets, rakeBps);
  const houseCommission = players.reduce((sum, player) => sum + player.commission, 0n);
  return { bets, players, houseCommission };
}

export function settleRound(input: SettleRoundInput): RoundSettlement {
  checkTerms(input.result, input.rakeBps);
  const tallies = tallyBets(input.bets);
  applyMatches(tallies, input.matches, input.result);
  const settled = settleTallies(tallies, input.rakeBps);
  // The whole round is here (settleBooked may get a chunk, which need not balance on its own).
  assertSettlementBalances('a round', {
    staked: input.bets.reduce((sum, b) => sum + b.amount, 0n),
    cancelled: input.bets.reduce((sum, b) => sum + b.cancelled, 0n),
    paid: settled.players.reduce((sum, p) => sum + p.received, 0n),
    commission: settled.houseCommission,
  });
  return settled;
}

/** A bet as the book left it: how much of it was matched (the sum of its matches). */
export interface BookedBet extends SettleBet {
  matched: bigint;
}

/**
 * The same rule for any subset of a round's players, from each bet's matched amount instead
 * of the match list: a bet is on one side, so every matched portion of it wins (side is the
 * result) or loses together. This is what lets a round of a million players settle in chunks
 * of players, each chunk on its own; settleRound and this agree on every input (the vectors
 * are checked through both).
 */
export function settleBooked(input: {
  result: string;
  rakeBps: bigint;
  bets: readonly BookedBet[];
}): RoundSettlement {
  checkTerms(input.result, input.rakeBps);
  const tallies = tallyBets(input.bets);
  for (const bet of input.bets) {
    const tally = tallies.get(bet.id) as BetTally;
    assertMoney(bet.matched, `matched amount of bet ${bet.id}`);
    takeMatched(tally, bet.matched);
    if (bet.side === input.result) tally.won = bet.matched;
    else tally.lost = bet.matched;
  }
  return settleTallies(tallies, input.rakeBps);
}

/**
 * A voided round unwinds every match: each bet's open stake (amount - cancelled) is
 * refunded in full, nothing is paid out and no commission is charged.
 */
export function voidRound(bets: readonly SettleBet[]): RoundSettlement {
  return settleRound({ result: 'void', rakeBps: 0n, bets, matches: [] });
}
