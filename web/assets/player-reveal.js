// The result reveal between rounds: when a round closes the result stands on its own for a few
// seconds (REVEAL_SECONDS: the next round opens only then), with the fairness proof one click
// away, checked here in the browser. A voided round says so: no result, stakes refunded.
import { $, api, el } from './api.js';
import { proofLines, verifyRound } from './fairness.js';

export function createReveal() {
  let shown = null; // the round id on show

  function hide() {
    shown = null;
    $('reveal').hidden = true;
  }

  function show(round) {
    shown = round.roundId;
    const voided = round.status === 'VOID';
    $('reveal-result').replaceChildren(
      voided
        ? el('span', { class: 'chip void' }, 'VOID')
        : el('span', { class: `chip big ${round.result}` }, round.result.toUpperCase()),
      voided ? ` Round ${round.roundId} voided: no result` : ` wins round ${round.roundId}`,
    );
    $('reveal-detail').textContent = voided
      ? 'Every stake in it is refunded. The next round opens in a moment.'
      : 'Matched bets on it are paid; unmatched stakes are refunded. The next round opens in a moment.';
    $('reveal-proof').replaceChildren();
    $('reveal').hidden = false;
    $('reveal').className = `reveal ${voided ? 'void' : round.result}`;
  }

  async function verify() {
    const id = shown;
    if (id === null) return;
    const out = $('reveal-proof');
    try {
      const round = await api('GET', `/v1/rounds/${id}`);
      if (!round.serverSeed) return void (out.textContent = 'The seed is not revealed yet.');
      const report = await verifyRound(round, undefined);
      out.replaceChildren(...proofLines(round, report).map((line) => el('div', {}, line)));
    } catch (err) {
      out.textContent = `Could not check: ${err.message}`;
    }
  }

  $('reveal-verify').addEventListener('click', () => void verify());

  return {
    /** A round event or view: a result or a void is revealed; a new open round ends the reveal. */
    seen(round) {
      if (round.status === 'OPEN') {
        if (shown !== null && round.roundId > shown) hide();
        return;
      }
      if (round.status === 'VOID' || (round.status === 'CLOSED' && round.result)) {
        if (shown !== round.roundId) show(round);
      }
    },
  };
}
