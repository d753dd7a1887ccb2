// A round's bets with their matches, and its settlement lines (operators, support, auditors).
// Opened by round id, or from the rounds table's "Bets" button (a `colorbet:round-bets` event).
import { el, showMessage } from './api.js';
import { card, money, pager, table, when } from './admin-lists.js';

export function roundBetsView(ctx) {
  const msg = el('p', { id: 'round-bets-msg', class: 'msg', role: 'alert' });
  const roundInput = el('input', { id: 'round-bets-id', inputmode: 'numeric', required: true, size: 8 });
  const title = el('p', { id: 'round-bets-title', class: 'hint' }, 'Enter a round id.');
  const matchText = (b) =>
    b.matches.length
      ? b.matches
          .map((m) => `${money(m.amount)} vs bet #${m.againstBetId} (player #${m.againstUserId})`)
          .join('; ')
      : '–';
  const bets = table('round-bets', [
    ['Bet', (b) => `#${b.betId}`],
    ['Book', (b) => (b.seq === null ? '–' : String(b.seq))],
    ['Player', (b) => `${b.username} #${b.userId}`],
    ['Side', (b) => el('span', { class: `chip ${b.side}` }, b.side)],
    ['Amount', (b) => money(b.amount), true],
    ['Matched', (b) => money(b.matchedAmount), true],
    ['Cancelled', (b) => money(b.cancelledAmount), true],
    ['Status', (b) => b.status],
    ['Payout', (b) => money(b.payout), true],
    ['Refund', (b) => money(b.refund), true],
    ['Matches', matchText],
  ]);
  const lines = table('round-settlements', [
    ['Player', (s) => `${s.username} #${s.userId}`],
    ['Outcome', (s) => s.outcome],
    ['Staked', (s) => money(s.staked), true],
    ['Net', (s) => el('span', { class: s.net < 0 ? 'minus' : 'plus' }, money(s.net)), true],
    ['Commission', (s) => money(s.commission), true],
    ['Received', (s) => money(s.received), true],
    ['When', (s) => when(s.createdAt)],
  ]);
  const roundId = () => roundInput.value.trim();
  const betPages = pager('round-bets-pager', async (cursor) => {
    try {
      const page = await ctx.call(
        'GET',
        `/v1/admin/rounds/${roundId()}/bets?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
      );
      bets.set(page.bets, (b) => ({ dataset: { betId: b.betId } }));
      return page.nextCursor;
    } catch (err) {
      ctx.onError(err, msg);
      return null;
    }
  });
  const linePages = pager('round-settlements-pager', async (cursor) => {
    try {
      const page = await ctx.call(
        'GET',
        `/v1/admin/rounds/${roundId()}/settlements?limit=25${cursor ? `&cursor=${cursor}` : ''}`,
      );
      lines.set(page.settlements);
      return page.nextCursor;
    } catch (err) {
      ctx.onError(err, msg);
      return null;
    }
  });

  async function show(id) {
    if (id !== undefined) roundInput.value = String(id);
    if (!/^[1-9][0-9]*$/.test(roundId())) return showMessage(msg, 'A round id is a positive whole number.');
    showMessage(msg, '');
    try {
      const r = await ctx.call('GET', `/v1/rounds/${roundId()}`);
      const total = (k) => Object.values(r.totals || {}).reduce((s, t) => s + t[k], 0);
      title.textContent =
        `Round ${r.roundId}: ${r.status}${r.result ? `, ${r.result} won` : ''} · ` +
        `matched ${money(total('matched'))} · unmatched ${money(total('unmatched'))} · ${total('bets')} bets`;
    } catch (err) {
      ctx.onError(err, msg);
      return;
    }
    await Promise.all([betPages.first(), linePages.first()]);
  }

  window.addEventListener('colorbet:round-bets', (e) => {
    node.hidden = false;
    void show(e.detail.roundId);
    node.scrollIntoView({ behavior: 'smooth' });
  });
  const form = el(
    'form',
    {
      class: 'row',
      onsubmit: (e) => {
        e.preventDefault();
        void show();
      },
    },
    el('label', {}, 'Round ', roundInput),
    el('button', { type: 'submit' }, 'Show bets'),
  );
  const node = card(
    'round-bets-card',
    "A round's bets",
    form,
    title,
    bets.node,
    betPages.node,
    el('h3', {}, 'Settlement lines'),
    lines.node,
    linePages.node,
    msg,
  );
  return { node, show: async () => undefined };
}
