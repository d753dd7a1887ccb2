// The player's lists: own bets (with cancel, and once settled gross, commission and net as the
// ledger paid them), round history (with the in-browser fairness check) and wallet entries.
// Bets and history are paged with the API's cursors; the newest page follows live events.
import { $, el, errorText, formatAmount, showMessage, timeOf } from './api.js';
import { proofLines, verdictText, verifyRound } from './fairness.js';

const STATUS_TEXT = {
  PENDING: 'waiting for a match',
  PARTIALLY_MATCHED: 'partly matched',
  MATCHED: 'matched',
  SETTLED: 'settled',
  CANCELLED: 'cancelled',
  VOID: 'void (refunded)',
};

/**
 * What the bet brought back. Gross is the bet's payout and refund; commission is charged per
 * player per round, so it and the net (what the wallet received) are the round's, from the
 * ledger's settlement row: for a player's only bet in a round they add up on the row itself.
 */
function betResult(b) {
  if (b.status === 'VOID') return el('span', {}, `refund ${formatAmount(b.refund)}`);
  if (b.status !== 'SETTLED') return '';
  const gross = (b.payout || 0) + (b.refund || 0);
  const head =
    b.payout > 0
      ? el('span', { class: 'plus' }, `won · gross ${formatAmount(gross)}`)
      : b.matchedAmount > 0
        ? el('span', { class: 'minus' }, `lost${gross ? ` · refund ${formatAmount(gross)}` : ''}`)
        : el('span', {}, `refund ${formatAmount(gross)}`);
  const r = b.playerRound;
  if (!r || (r.commission === 0 && r.bets === 1))
    return [head, r ? el('div', { class: 'hint net' }, `net ${formatAmount(r.received)}`) : ''];
  const scope = r.bets === 1 ? '' : ` (round, ${r.bets} bets)`;
  return [
    head,
    el('div', { class: 'hint commission' }, `commission ${formatAmount(r.commission)}${scope}`),
    el('div', { class: 'hint net' }, `net ${formatAmount(r.received)}${scope}`),
  ];
}

/** A cursor pager: page 0 is the newest; "older" follows nextCursor, "newer" steps back. */
export function createPager(prefix, load) {
  const cursors = [undefined];
  let next = null;
  const render = () => {
    $(`${prefix}-newer`).disabled = cursors.length === 1;
    $(`${prefix}-older`).disabled = next === null;
    $(`${prefix}-page`).textContent = `page ${cursors.length}`;
  };
  const refresh = async () => {
    const c = cursors[cursors.length - 1];
    next = await load(c === undefined ? '' : `?cursor=${c}`);
    render();
  };
  $(`${prefix}-older`).addEventListener('click', () => {
    if (next === null) return;
    cursors.push(next);
    void refresh();
  });
  $(`${prefix}-newer`).addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    void refresh();
  });
  return { refresh, onNewest: () => cursors.length === 1 };
}

export function renderBets(bets, ctx) {
  $('bets').replaceChildren(
    ...bets.map((b) => {
      const cancellable =
        b.unmatchedAmount > 0 &&
        (b.status === 'PENDING' || b.status === 'PARTIALLY_MATCHED') &&
        ctx.openRoundId() === b.roundId;
      return el(
        'tr',
        { dataset: { betId: b.betId, status: b.status } },
        el('td', { 'data-label': 'Bet' }, `#${b.betId}`),
        el('td', { 'data-label': 'Round' }, String(b.roundId)),
        el('td', { 'data-label': 'Side' }, el('span', { class: `chip ${b.side}` }, b.side)),
        el('td', { class: 'num', 'data-label': 'Amount' }, formatAmount(b.amount)),
        el('td', { class: 'num matched', 'data-label': 'Matched' }, formatAmount(b.matchedAmount)),
        el(
          'td',
          { class: 'num cancelled', 'data-label': 'Cancelled' },
          b.cancelledAmount ? formatAmount(b.cancelledAmount) : '–',
        ),
        el('td', { class: 'status', 'data-label': 'Status' }, STATUS_TEXT[b.status] || b.status),
        el('td', { class: 'num result', 'data-label': 'Result' }, betResult(b)),
        el(
          'td',
          { 'data-label': '' },
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

// Verdicts survive the table being redrawn by the next live event.
const verdicts = new Map();

function showVerdict(cell, text) {
  cell.textContent = text;
  cell.className = /✗/.test(text) ? 'fair minus' : /✓/.test(text) ? 'fair plus' : 'fair';
}

async function checkFairness(round, nextSeed, cell) {
  const detail = $('fair-detail');
  try {
    const report = await verifyRound(round, nextSeed);
    const text = verdictText(round, report);
    verdicts.set(round.roundId, text);
    showVerdict(cell, text);
    detail.replaceChildren(...proofLines(round, report).map((line) => el('div', {}, line)));
  } catch (err) {
    cell.textContent = 'error';
    detail.textContent = `Could not check: ${err.message}`;
  }
}

export function renderHistory(rounds) {
  const bySeedId = new Map(rounds.map((r) => [r.roundId, r.serverSeed]));
  $('history').replaceChildren(
    ...rounds.map((r) => {
      const fairCell = el('span', { class: 'fair' });
      if (verdicts.has(r.roundId)) showVerdict(fairCell, verdicts.get(r.roundId));
      return el(
        'tr',
        { dataset: { roundId: r.roundId } },
        el('td', { 'data-label': 'Round' }, String(r.roundId)),
        el('td', { 'data-label': 'Status' }, r.status),
        el(
          'td',
          { 'data-label': 'Result' },
          r.result
            ? el('span', { class: `chip ${r.result}` }, r.result)
            : r.status === 'VOID'
              ? 'none (void)'
              : '–',
        ),
        el('td', { 'data-label': 'Closed' }, timeOf(r.closedAt)),
        // The rules version the round ran under (GET /v1/rules?version=N rendered).
        el(
          'td',
          { 'data-label': 'Rules' },
          el(
            'a',
            { class: 'rules-link', href: r.rulesUrl ?? '/rules' },
            r.configVersion ? `v${r.configVersion}` : 'rules',
          ),
        ),
        el(
          'td',
          { 'data-label': 'Fair?' },
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
          el(
            'td',
            {},
            e.kind === 'deposit' && /^demo:/.test(e.reference || '')
              ? 'deposit (demo funds)'
              : e.kind.replace(/_/g, ' '),
          ),
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
