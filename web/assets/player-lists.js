// The player's lists: own bets (with cancel), round history (with the in-browser fairness
// check) and wallet entries. Each is refetched from the REST API when a live event says it
// changed; the events themselves carry no more than "this changed".
import { $, el, errorText, formatAmount, showMessage, timeOf } from './api.js';
import { verifyRound } from './fairness.js';

const STATUS_TEXT = {
  PENDING: 'waiting for a match',
  PARTIALLY_MATCHED: 'partly matched',
  MATCHED: 'matched',
  SETTLED: 'settled',
  CANCELLED: 'cancelled',
  VOID: 'void (refunded)',
};

function betResult(b) {
  if (b.status === 'VOID') return el('span', {}, `refund ${formatAmount(b.refund)}`);
  if (b.status !== 'SETTLED') return '';
  if (b.payout > 0) return el('span', { class: 'plus' }, `won ${formatAmount(b.payout)}`);
  if (b.matchedAmount > 0) return el('span', { class: 'minus' }, 'lost');
  return el('span', {}, `refund ${formatAmount(b.refund)}`);
}

export function renderBets(bets, ctx) {
  $('bets').replaceChildren(
    ...bets.slice(0, 25).map((b) => {
      const cancellable =
        b.unmatchedAmount > 0 &&
        (b.status === 'PENDING' || b.status === 'PARTIALLY_MATCHED') &&
        ctx.openRoundId() === b.roundId;
      return el(
        'tr',
        { dataset: { betId: b.betId, status: b.status } },
        el('td', {}, `#${b.betId}`),
        el('td', {}, String(b.roundId)),
        el('td', {}, el('span', { class: `chip ${b.side}` }, b.side)),
        el('td', { class: 'num' }, formatAmount(b.amount)),
        el('td', { class: 'num' }, formatAmount(b.matchedAmount)),
        el('td', { class: 'status' }, STATUS_TEXT[b.status] || b.status),
        el('td', { class: 'num result' }, betResult(b)),
        el(
          'td',
          {},
          cancellable
            ? el(
                'button',
                { class: 'small secondary cancel', onclick: () => ctx.cancel(b) },
                `Cancel ${formatAmount(b.unmatchedAmount)}`,
              )
            : '',
        ),
      );
    }),
  );
}

/** `call` makes the API call as the player (session.call: token attached and kept fresh). */
export async function cancelBet(bet, call) {
  const msg = $('bets-msg');
  try {
    const updated = await call('DELETE', `/v1/bets/${bet.betId}`, {
      idempotencyKey: crypto.randomUUID(),
    });
    showMessage(
      msg,
      `Cancelled ${formatAmount(updated.cancelledAmount)} of bet #${bet.betId}; refunded.`,
      'ok',
    );
  } catch (err) {
    showMessage(msg, errorText(err));
  }
}

function fairnessLine(round, report) {
  const lines = [
    `Round ${round.roundId}: ${report.ok ? 'FAIR ✓' : 'NOT FAIR ✗'}`,
    `sha256(seed) = ${report.computedHash} ${report.hashMatches ? '= published hash ✓' : '≠ published hash ✗'}`,
    `HMAC-SHA256(seed, "${round.roundId}") = ${report.hmacSha256}`,
    `first 4 bytes as uint32 = ${report.uint32}; mod ${round.sides.length} = ${report.uint32 % round.sides.length} → ${report.computedResult} ${report.resultMatches === false ? '≠ recorded ✗' : '= recorded ✓'}`,
  ];
  if (report.chainMatches === true)
    lines.push(`hash chain: sha256(seed of round ${round.roundId + 1}) = this seed ✓`);
  return lines;
}

// Verdicts survive the table being redrawn by the next live event.
const verdicts = new Map();

function showVerdict(cell, ok) {
  cell.textContent = ok ? 'fair ✓' : 'MISMATCH ✗';
  cell.className = ok ? 'fair plus' : 'fair minus';
}

async function checkFairness(round, nextSeed, cell) {
  const detail = $('fair-detail');
  try {
    const report = await verifyRound(round, nextSeed);
    verdicts.set(round.roundId, report.ok);
    showVerdict(cell, report.ok);
    detail.replaceChildren(...fairnessLine(round, report).map((line) => el('div', {}, line)));
  } catch (err) {
    cell.textContent = 'error';
    detail.textContent = `Could not check: ${err.message}`;
  }
}

export function renderHistory(rounds) {
  const bySeedId = new Map(rounds.map((r) => [r.roundId, r.serverSeed]));
  $('history').replaceChildren(
    ...rounds.slice(0, 15).map((r) => {
      const fairCell = el('span', { class: 'fair' });
      if (verdicts.has(r.roundId)) showVerdict(fairCell, verdicts.get(r.roundId));
      return el(
        'tr',
        { dataset: { roundId: r.roundId } },
        el('td', {}, String(r.roundId)),
        el('td', {}, r.status),
        el('td', {}, r.result ? el('span', { class: `chip ${r.result}` }, r.result) : '–'),
        el('td', {}, timeOf(r.closedAt)),
        el(
          'td',
          {},
          r.serverSeed
            ? [
                el(
                  'button',
                  {
                    class: 'small secondary verify',
                    onclick: () => checkFairness(r, bySeedId.get(r.roundId + 1), fairCell),
                  },
                  'Verify',
                ),
                ' ',
                fairCell,
              ]
            : 'after close',
        ),
      );
    }),
  );
}

export function renderEntries(entries) {
  $('entries').replaceChildren(
    ...entries
      .slice(0, 25)
      .map((e) =>
        el(
          'tr',
          {},
          el('td', {}, `#${e.entryId}`),
          el('td', {}, e.kind.replace(/_/g, ' ')),
          el(
            'td',
            { class: `num ${e.amount >= 0 ? 'plus' : 'minus'}` },
            `${e.amount >= 0 ? '+' : ''}${formatAmount(e.amount)}`,
          ),
          el('td', {}, e.roundId === null ? '–' : String(e.roundId)),
          el('td', {}, timeOf(e.createdAt)),
        ),
      ),
  );
}
