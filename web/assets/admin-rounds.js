// The operator's round table (GET /v1/admin/rounds: live and past rounds with totals) and
// the void action. Voiding is irreversible, so it takes two clicks: the first arms the
// button for a few seconds, the second sends the request.
import { $, el, errorText, formatAmount, showMessage, timeOf } from './api.js';
import { pager } from './admin-lists.js';

const VOIDABLE = new Set(['OPEN', 'CLOSED', 'SETTLING']);

const sum = (totals, key) => Object.values(totals || {}).reduce((s, t) => s + t[key], 0);

function voidButton(round, ctx) {
  const button = el('button', { class: 'small danger void', dataset: { roundId: round.roundId } }, 'Void');
  let armed;
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = `Confirm void #${round.roundId}`;
      armed = setTimeout(() => {
        armed = undefined;
        button.textContent = 'Void';
      }, 5000);
      return;
    }
    clearTimeout(armed);
    const msg = $('rounds-msg');
    const reason = $('void-reason').value.trim();
    if (!reason) {
      button.textContent = 'Void';
      showMessage(msg, 'Give a reason for the void first (it is kept in the audit log).');
      return;
    }
    button.disabled = true;
    button.textContent = 'Voiding…';
    try {
      const r = await ctx.call('POST', `/v1/admin/rounds/${round.roundId}/void`, {
        idempotencyKey: crypto.randomUUID(),
        body: { reason },
      });
      // Above the four-eyes threshold or after the reveal: nothing moved, a second operator decides.
      if (r.approvalId !== undefined) {
        showMessage(
          msg,
          `Void of round ${round.roundId} waits for a second operator (approval #${r.approvalId}).`,
          'ok',
        );
        ctx.refresh();
        return;
      }
      showMessage(
        msg,
        `Round ${r.roundId} voided: ${formatAmount(r.refunded)} refunded to ${r.players} player(s) for ${r.bets} bet(s).`,
        'ok',
      );
    } catch (err) {
      showMessage(msg, errorText(err));
    }
    ctx.refresh();
  });
  return button;
}

// Opens the round's bets, matches and settlement lines (web/assets/admin-round-bets.js).
const betsButton = (round) =>
  el(
    'button',
    {
      class: 'small secondary bets',
      type: 'button',
      onclick: () =>
        window.dispatchEvent(new CustomEvent('colorbet:round-bets', { detail: { roundId: round.roundId } })),
    },
    'Bets',
  );

export function renderRounds(rounds, ctx) {
  $('rounds').replaceChildren(
    ...rounds.map((r) =>
      el(
        'tr',
        { dataset: { roundId: r.roundId, status: r.status } },
        el('td', {}, String(r.roundId)),
        el('td', {}, el('span', { class: `badge ${r.status}` }, r.status)),
        el('td', {}, r.result ? el('span', { class: `chip ${r.result}` }, r.result) : '–'),
        el('td', { class: 'num' }, formatAmount(sum(r.totals, 'matched'))),
        el('td', { class: 'num' }, formatAmount(sum(r.totals, 'unmatched'))),
        el('td', { class: 'num' }, String(sum(r.totals, 'bets'))),
        el('td', { class: 'num' }, String(r.players)),
        el('td', {}, timeOf(r.closesAt)),
        el('td', {}, betsButton(r), ' ', VOIDABLE.has(r.status) ? voidButton(r, ctx) : ''),
      ),
    ),
  );
}

// The table pages with Newest / Older (GET /v1/admin/rounds?cursor=); live updates reload the
// page shown, so an operator reading older rounds is not thrown back to the newest.
let pages;
let shownNext = null;

async function loadPage(ctx, cursor) {
  try {
    const { rounds, nextCursor } = await ctx.call(
      'GET',
      `/v1/admin/rounds${cursor ? `?cursor=${cursor}` : ''}`,
    );
    // Re-rendering while a void is armed would disarm it; skip this refresh instead.
    const armed = [...document.querySelectorAll('#rounds button.void')].some((b) =>
      b.textContent.startsWith('Confirm'),
    );
    if (!armed) renderRounds(rounds, ctx);
    shownNext = nextCursor;
  } catch (err) {
    ctx.onError(err, $('rounds-msg'));
  }
  return shownNext;
}

export async function loadRounds(ctx) {
  if (!pages) {
    pages = pager('rounds-pager', (cursor) => loadPage(ctx, cursor));
    $('rounds-msg').before(pages.node);
  }
  await pages.reload();
}
