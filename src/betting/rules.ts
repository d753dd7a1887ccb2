// The published rules (issue 12, item 3), generated from one configuration version, so the page
// a player reads says the limits, round length and commission the round actually uses. The
// worked commission example is computed by the settlement rule itself (settleRound), so it can
// never disagree with what settlement pays.
import type { GameConfigValues } from './game-config.ts';
import { matchBets } from './matching.ts';
import { settleRound } from './settlement-rule.ts';

export interface RulesInput extends GameConfigValues {
  /** The configuration version; null for a database whose configuration was never seeded. */
  version: number | null;
  /** The first round that ran under it, when one has. */
  appliesFromRound: bigint | null;
  interruptedRoundVoidSeconds: number;
}

const BPS = 10_000n;

/** An example whose stakes are all within the limits (as far as the limits allow). */
function exampleUnit(v: GameConfigValues): bigint {
  const low = (v.minBet + 2n) / 3n; // the smallest stake in the example is 3 units
  const high = v.maxBet / 10n; // the largest is 10 units
  const unit = 100n > low ? 100n : low;
  return unit <= high || high < low ? unit : high;
}

/**
 * Alice bets 10u on the first side; Bob then 6u on the second; Alice 3u on the second; Carol 3u
 * on the first. Matched in booking order: Bob's 6u against Alice's first bet (partial fill,
 * 4u of it rests unmatched), Alice's 3u against Carol's 3u: never against Alice's own bet.
 * The first side wins.
 */
export function commissionExample(v: GameConfigValues) {
  const u = exampleUnit(v);
  const [first, second] = v.sides;
  const bets = [
    { id: '1', playerId: 'alice', side: first, amount: 10n * u, cancelled: 0n },
    { id: '2', playerId: 'bob', side: second, amount: 6n * u, cancelled: 0n },
    { id: '3', playerId: 'alice', side: second, amount: 3n * u, cancelled: 0n },
    { id: '4', playerId: 'carol', side: first, amount: 3n * u, cancelled: 0n },
  ];
  const { fills } = matchBets([], bets);
  const settled = settleRound({ result: first, rakeBps: v.rakeBps, bets, matches: fills });
  const alice = settled.players.find((p) => p.playerId === 'alice')!;
  return {
    result: first,
    bets: bets.map((b) => ({ player: b.playerId, side: b.side, amount: Number(b.amount) })),
    matches: fills.map((f) => ({
      bet: Number(f.betId),
      against: Number(f.againstId),
      amount: Number(f.amount),
    })),
    players: settled.players.map((p) => ({
      player: p.playerId,
      staked: Number(p.staked),
      net: Number(p.net),
      commission: Number(p.commission),
      received: Number(p.received),
    })),
    explanation:
      `In minor units: Alice's first bet (${10n * u}) is matched ${6n * u} by Bob and ${4n * u} lapses; her second bet ` +
      `(${3n * u} on ${second}) is matched by Carol, never by her own first bet. ${first} wins: Alice wins ` +
      `${6n * u} and loses ${3n * u}, net ${alice.net}. Commission = floor(${alice.net} x ${v.rakeBps} / 10000) = ` +
      `${alice.commission}. She receives 2 x ${6n * u} + ${4n * u} refunded - ${alice.commission} = ${alice.received}.`,
  };
}

const pct = (bps: bigint) => `${bps / 100n}.${(bps % 100n).toString().padStart(2, '0')}%`;
/** Minor units as the pages show money: major units with two decimals. */
const major = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

/** The rules of one configuration version as JSON: values, sections of text, the example. */
export function rulesDocument(v: RulesInput) {
  const [a, b] = v.sides;
  const s = v.interruptedRoundVoidSeconds;
  const sections = [
    {
      id: 'round',
      title: 'Rounds',
      text: [
        `Each round has two sides, ${a} and ${b}. A round accepts bets for ${v.roundSeconds} seconds (OPEN), then closes: no new bets, a final matching pass, then settlement. The next round opens a few seconds after the previous one closes, once its result has been shown.`,
        'Amounts are whole minor units (cents). A bet moves its stake from your wallet to the round at once.',
      ],
    },
    {
      id: 'matching',
      title: 'Matching',
      text: [
        'Bets are matched at even odds against bets on the other side. Booking order: the matcher takes bets into the round in the order they were committed (within one batch, by bet id), and records each bet’s place (its sequence number), so anyone can recompute every match.',
        'Each bet, as it is booked, is matched against the oldest unmatched bets of other players on the other side until it is filled or none is left. Partial fills: one bet may be matched by several bets, and only part of it may be matched.',
        'No self-match: your bets are never matched against your own bets.',
      ],
    },
    {
      id: 'lapse',
      title: 'Unmatched stakes',
      text: [
        'At close a final matching pass runs; any unmatched remainder then lapses and is refunded to you in full, with no commission.',
      ],
    },
    {
      id: 'cancellation',
      title: 'Cancellation',
      text: [
        'While the round is OPEN you may cancel the unmatched part of a bet; it is refunded at once. Matched parts cannot be cancelled, and what a bet matched when it was booked stays matched.',
      ],
    },
    {
      id: 'void',
      title: 'Void',
      text: [
        'An operator may void a round that has not started paying out. A voided round refunds every stake in full and charges no commission; its seed is still revealed so the commitment can be checked.',
        'A round whose seed cannot be revealed (the fairness key is lost) is voided the same way.',
        'Every void by an operator states its reason and is recorded in the audit log. Once a round has closed and its result is revealed, or when its stakes are above the four-eyes threshold, a void needs the approval of a second, different operator.',
      ],
    },
    {
      id: 'interruption',
      title: 'Interrupted rounds',
      text: [
        'If the service is interrupted (a crash or restart), the round resumes from the database: it closes, the final matching pass runs and settlement continues where it stopped. Every payment is recorded once, so nothing is paid twice.',
        `If a round is still not settled ${s} seconds after its scheduled close, it is voided and every stake refunded in full, with no commission.`,
        'A round whose settlement has already begun paying is always completed by settlement, never voided half-way.',
      ],
    },
    {
      id: 'commission',
      title: 'Commission',
      text: [
        `Commission is ${pct(v.rakeBps)} (${v.rakeBps} basis points) of each player’s net winnings in a round: net = everything matched that won - everything matched that lost; commission = floor(max(0, net) x ${v.rakeBps} / 10000).`,
        'A winning matched portion pays twice its amount; unmatched remainders are refunded; the commission is taken from what you receive. Nothing is charged on a net loss, on refunds or in a voided round.',
      ],
    },
    {
      id: 'limits',
      title: 'Limits',
      text: [
        `A bet is between ${major(v.minBet)} and ${major(v.maxBet)} (${v.minBet} and ${v.maxBet} minor units). The limits of the configuration version a round opened under apply to the whole round; a change applies from the next round that opens.`,
      ],
    },
    {
      id: 'fairness',
      title: 'Fairness',
      text: [
        'Before a round accepts bets the server has fixed a secret 32-byte seed and publishes its SHA-256 hash. Seeds come from a published hash chain (each seed is the SHA-256 of the next round’s seed), so every future result is committed at once.',
        `The result is sides[uint32_be(HMAC_SHA256(key = seed, msg = round id as decimal)[0..4]) mod 2] with sides = [${a}, ${b}]. After close the seed is revealed; anyone can recompute the hash and the result.`,
        'Check any round in your browser on the player page (history: Verify), with GET /v1/fairness/verify?roundId=N, or with colorbet fairness N. Nobody, operators included, can choose or change a result.',
      ],
    },
  ];
  return {
    version: v.version,
    appliesFromRound: v.appliesFromRound === null ? null : Number(v.appliesFromRound),
    sides: [a, b],
    roundSeconds: v.roundSeconds,
    minBet: Number(v.minBet),
    maxBet: Number(v.maxBet),
    rakeBps: Number(v.rakeBps),
    commissionPercent: Number(v.rakeBps) / Number(BPS / 100n),
    interruptedRoundVoidSeconds: s,
    sections,
    commissionExample: commissionExample(v),
    verifier: { page: '/#history-card', api: '/v1/fairness/verify?roundId={roundId}' },
  };
}

export type RulesDocument = ReturnType<typeof rulesDocument>;
