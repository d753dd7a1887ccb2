// The live round as both pages show it. The countdown is computed here from closesAt and the
// server's clock offset (taken from serverTime in every message); the server sends no ticks.
import { $, el, formatAmount } from './api.js';

export function createRoundCard() {
  let round = null;
  let offsetMs = 0;

  function syncClock(serverTime) {
    const t = Date.parse(serverTime);
    if (Number.isFinite(t)) offsetMs = t - Date.now();
  }

  function renderCountdown() {
    const node = $('countdown');
    if (!round) return void (node.textContent = '–');
    if (round.status !== 'OPEN') return void (node.textContent = round.status.toLowerCase());
    const left = Math.max(0, Date.parse(round.closesAt) - (Date.now() + offsetMs));
    node.textContent = left > 0 ? `${(left / 1000).toFixed(1)} s` : 'closing…';
  }

  function renderTotals() {
    const box = $('sides');
    box.replaceChildren(
      ...(round ? round.sides : []).map((side) => {
        const t = (round.totals && round.totals[side]) || { matched: 0, unmatched: 0, bets: 0 };
        return el(
          'div',
          { class: `side-box ${side}`, dataset: { side } },
          el('strong', {}, side),
          el('div', {}, 'matched ', el('b', { class: 'matched' }, formatAmount(t.matched))),
          el('div', {}, 'unmatched ', el('b', { class: 'unmatched' }, formatAmount(t.unmatched))),
          el('div', {}, `${t.bets} bet${t.bets === 1 ? '' : 's'}`),
        );
      }),
    );
  }

  function render() {
    $('round-id').textContent = round ? String(round.roundId) : '–';
    const status = $('round-status');
    status.textContent = round ? round.status : '…';
    status.className = `badge ${round ? round.status : ''}`;
    $('seed-hash').textContent = round ? round.serverSeedHash : '–';
    renderTotals();
    renderCountdown();
  }

  setInterval(renderCountdown, 200);

  return {
    get round() {
      return round;
    },
    syncClock,
    /** A full round view (hello, REST, or a status event enriched by the gateway). */
    set(view) {
      // An older round's late event must not replace the current one.
      if (round && view.roundId < round.roundId) return;
      round = view.roundId === (round && round.roundId) ? { ...round, ...view } : view;
      render();
    },
    setTotals(roundId, totals) {
      if (!round || round.roundId !== roundId) return;
      round = { ...round, totals };
      renderTotals();
    },
    isOpen: () => Boolean(round && round.status === 'OPEN'),
  };
}
