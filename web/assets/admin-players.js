// Players (support and operators): search by name prefix or id, with balance and holds; a
// player's recent bets and wallet entries (paged); and, for operators, a deposit from that view
// through the ordinary deposit route (four eyes above the threshold, as everywhere).
import { $, el, errorText, parseAmount, showMessage } from './api.js';
import { card, money, pager, table, when } from './admin-lists.js';

export function playersView(ctx) {
  const msg = el('p', { id: 'players-msg', class: 'msg', role: 'alert' });
  const q = el('input', { id: 'players-q', placeholder: 'name or id', autocomplete: 'off' });
  const list = table('players', [
    ['Id', (p) => `#${p.userId}`],
    [
      'Player',
      (p) => el('button', { class: 'link', type: 'button', onclick: () => open(p.userId) }, p.username),
    ],
    ['Balance', (p) => money(p.balance), true],
    ['Held', (p) => money(p.holds), true],
    ['Since', (p) => when(p.createdAt)],
  ]);
  const pages = pager('players-pager', async (cursor) => {
    const params = new URLSearchParams({ limit: '20' });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await ctx.call('GET', `/v1/admin/players?${params}`);
      list.set(page.players, (p) => ({ dataset: { userId: p.userId } }));
      showMessage(msg, page.players.length ? '' : 'No player found.', 'info');
      return page.nextCursor;
    } catch (err) {
      ctx.onError(err, msg);
      return null;
    }
  });

  const detail = el('div', { id: 'player-detail', hidden: true });
  const search = el(
    'form',
    {
      class: 'row',
      onsubmit: (e) => {
        e.preventDefault();
        void pages.first();
      },
    },
    el('label', {}, 'Find a player ', q),
    el('button', { type: 'submit' }, 'Search'),
  );
  const node = card('players-card', 'Players', search, list.node, pages.node, msg, detail);

  async function open(userId) {
    detail.hidden = false;
    const head = el('h3', {}, `Player #${userId}`);
    const dmsg = el('p', { id: 'player-msg', class: 'msg', role: 'alert' });
    const bets = table('player-bets', [
      ['Bet', (b) => `#${b.betId}`],
      ['Round', (b) => `#${b.roundId}`],
      ['Side', (b) => el('span', { class: `chip ${b.side}` }, b.side)],
      ['Amount', (b) => money(b.amount), true],
      ['Matched', (b) => money(b.matchedAmount), true],
      ['Cancelled', (b) => money(b.cancelledAmount), true],
      ['Status', (b) => b.status],
      ['Paid', (b) => money(b.payout === null ? null : b.payout + b.refund), true],
    ]);
    const entries = table('player-entries', [
      ['Entry', (e) => `#${e.entryId}`],
      ['Kind', (e) => e.kind],
      ['Amount', (e) => el('span', { class: e.amount < 0 ? 'minus' : 'plus' }, money(e.amount)), true],
      ['Round', (e) => (e.roundId ? `#${e.roundId}` : '–')],
      ['Reference', (e) => e.reference || '–'],
      ['When', (e) => when(e.createdAt)],
    ]);
    const entryPages = pager('player-entries-pager', async (cursor) => {
      const page = await ctx.call(
        'GET',
        `/v1/admin/players/${userId}/entries${cursor ? `?cursor=${cursor}` : ''}`,
      );
      entries.set(page.entries);
      return page.nextCursor;
    });
    const summary = el('p', { id: 'player-summary' });
    detail.replaceChildren(
      head,
      summary,
      ctx.role() === 'operator' ? depositForm(userId, () => open(userId)) : '',
      el('h3', {}, 'Recent bets'),
      bets.node,
      el('h3', {}, 'Wallet entries'),
      entries.node,
      entryPages.node,
      dmsg,
    );
    try {
      const d = await ctx.call('GET', `/v1/admin/players/${userId}`);
      head.textContent = `${d.player.username} (#${d.player.userId})`;
      summary.replaceChildren(
        el('span', {}, 'Balance '),
        el('b', { id: 'player-balance' }, money(d.player.balance)),
        el('span', {}, ' · held for withdrawals '),
        el('b', { id: 'player-holds' }, money(d.player.holds)),
        el(
          'span',
          { class: 'hint' },
          ` · player since ${when(d.player.createdAt)}${d.player.demo ? ' · demo' : ''}`,
        ),
      );
      bets.set(d.recentBets);
      await entryPages.first();
    } catch (err) {
      ctx.onError(err, dmsg);
    }
  }

  function depositForm(userId, reload) {
    const amount = el('input', { id: 'player-deposit-amount', inputmode: 'decimal', required: true });
    const source = el('input', {
      id: 'player-deposit-source',
      required: true,
      pattern: '[A-Za-z0-9_.\\-]{1,60}',
      placeholder: 'e.g. card-4242 or bank-GB29NWBK',
    });
    const dmsg = el('p', { id: 'player-deposit-msg', class: 'msg', role: 'alert' });
    return el(
      'form',
      {
        id: 'player-deposit',
        class: 'row',
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            // The source before ':' feeds the "many accounts from one source" signal (docs/reports.md).
            const body = {
              userId,
              amount: parseAmount(amount.value),
              reference: `${source.value}:${crypto.randomUUID()}`,
            };
            const d = await ctx.call('POST', '/v1/admin/deposits', {
              body,
              idempotencyKey: crypto.randomUUID(),
            });
            if (d && d.approvalId) {
              showMessage(dmsg, `Waiting for a second operator (approval #${d.approvalId}).`, 'info');
              return;
            }
            await reload();
            showMessage(
              $('player-deposit-msg'),
              `Deposited ${money(d.amount)} (deposit #${d.depositId}).`,
              'ok',
            );
          } catch (err) {
            showMessage(dmsg, errorText(err));
          }
        },
      },
      el('label', {}, 'Deposit ', amount),
      el('label', {}, 'Paid from (account or card) ', source),
      el('button', { type: 'submit' }, 'Deposit'),
      dmsg,
    );
  }

  return { node, show: () => pages.first() };
}
