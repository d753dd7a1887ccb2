// The reports (auditors and operators, docs/reports.md): turnover and gross gaming yield by
// day, commission per round, customer liabilities, reconciliation and balances at a point in
// time; each with a CSV download of exactly what is shown. Amounts on screen in major units.
import { el, showMessage } from './api.js';
import { card, csvButton, money, pager, table, when } from './admin-lists.js';

const FIGURES = [
  ['Bets', (r) => String(r.bets), true],
  ['Staked', (r) => money(r.staked), true],
  ['Cancelled', (r) => money(r.cancelled), true],
  ['Voided', (r) => money(r.voided), true],
  ['Turnover', (r) => money(r.turnover), true],
  ['Matched', (r) => money(r.matched), true],
  ['Commission (GGY)', (r) => money(r.commission), true],
];

export function reportsView(ctx) {
  const msg = el('p', { id: 'reports-msg', class: 'msg', role: 'alert' });
  const fail = (err) => ctx.onError(err, msg);
  const h = (text, ...extra) => el('div', { class: 'row report-head' }, el('h3', {}, text), ...extra);

  // Turnover by day.
  const from = el('input', { id: 'turnover-from', type: 'date' });
  const to = el('input', { id: 'turnover-to', type: 'date' });
  const turnoverQuery = () => {
    const p = new URLSearchParams();
    if (from.value) p.set('from', from.value);
    if (to.value) p.set('to', to.value);
    return p;
  };
  const days = table('turnover', [
    ['Day', (d) => d.day],
    ['Rounds', (d) => String(d.rounds), true],
    ...FIGURES,
  ]);
  async function loadTurnover() {
    try {
      const r = await ctx.call('GET', `/v1/admin/reports/turnover?${turnoverQuery()}`);
      days.set([...r.days, { day: `Total ${r.from} – ${r.to}`, ...r.totals }]);
    } catch (err) {
      fail(err);
    }
  }
  const turnoverForm = el(
    'form',
    { class: 'row', onsubmit: (e) => (e.preventDefault(), void loadTurnover()) },
    el('label', {}, 'From ', from),
    el('label', {}, 'To ', to),
    el('button', { type: 'submit', class: 'small' }, 'Show'),
  );
  const turnoverCsv = () => `/v1/admin/reports/turnover?${turnoverQuery()}&format=csv`;

  // Commission per round.
  let commissionCursor;
  const rounds = table('commission', [
    ['Round', (r) => `#${r.roundId}`],
    ['Status', (r) => el('span', { class: `badge ${r.status}` }, r.status)],
    ['Opened', (r) => when(r.opensAt)],
    ['Players', (r) => String(r.players), true],
    ...FIGURES,
  ]);
  const commissionPages = pager('commission-pager', async (cursor) => {
    commissionCursor = cursor;
    try {
      const page = await ctx.call(
        'GET',
        `/v1/admin/reports/commission?limit=20${cursor ? `&cursor=${cursor}` : ''}`,
      );
      rounds.set(page.rounds);
      return page.nextCursor;
    } catch (err) {
      fail(err);
      return null;
    }
  });
  const commissionCsv = () =>
    `/v1/admin/reports/commission?limit=20&format=csv${commissionCursor ? `&cursor=${commissionCursor}` : ''}`;

  // Liabilities now.
  const liabilities = el('dl', { id: 'liabilities', class: 'figures' });
  async function loadLiabilities() {
    try {
      const l = await ctx.call('GET', '/v1/admin/reports/liabilities');
      liabilities.replaceChildren(
        ...[
          ['Player wallets', money(l.wallets)],
          ['Held for withdrawals', money(l.holds)],
          [`Escrow of ${l.unsettledRounds} unsettled round(s)`, money(l.escrow)],
          ['Owed to players', money(l.total)],
          ['As of ledger entry', `#${l.asOfEntryId}`],
        ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', { class: 'num' }, v)]),
      );
    } catch (err) {
      fail(err);
    }
  }

  // Reconciliation and balances at a point.
  const at = el('input', { id: 'report-at', placeholder: 'entry id or 2026-11-29T12:00:00Z', size: 28 });
  const kind = el(
    'select',
    { id: 'balances-kind' },
    ...['', 'player', 'escrow', 'house', 'cash', 'withdrawal_hold'].map((k) =>
      el('option', { value: k }, k || 'all accounts'),
    ),
  );
  const recon = table('reconciliation', [
    ['Where', (l) => l.line],
    ['Balance', (l) => money(l.balance), true],
  ]);
  const reconState = el('p', { id: 'reconciliation-state', class: 'msg' });
  let point;
  let balancesCursor;
  const balances = table('balances', [
    ['Account', (a) => `#${a.accountId}`],
    ['Kind', (a) => a.kind],
    ['Owner', (a) => (a.username ? `${a.username} #${a.userId}` : a.roundId ? `round #${a.roundId}` : '–')],
    ['Balance', (a) => money(a.balance), true],
  ]);
  const pointQuery = () => (at.value.trim() ? `at=${encodeURIComponent(at.value.trim())}` : '');
  const balancePages = pager('balances-pager', async (cursor) => {
    balancesCursor = cursor;
    const p = new URLSearchParams({ limit: '25', at: point ?? '' });
    if (kind.value) p.set('kind', kind.value);
    if (cursor) p.set('cursor', cursor);
    try {
      const page = await ctx.call('GET', `/v1/admin/reports/balances?${p}`);
      balances.set(page.accounts);
      return page.nextCursor;
    } catch (err) {
      fail(err);
      return null;
    }
  });
  async function loadPoint() {
    try {
      const r = await ctx.call('GET', `/v1/admin/reports/reconciliation?${pointQuery()}`);
      recon.set([...r.lines, { line: 'total', balance: r.total }]);
      showMessage(
        reconState,
        `${r.ok ? 'Balanced' : 'NOT BALANCED'}: ${r.transfers} transfers up to entry #${r.asOfEntryId}.`,
        r.ok ? 'ok' : 'error',
      );
      // Balances as of the same entry, so every page agrees with the reconciliation above.
      point = at.value.trim() || String(r.asOfEntryId || 1);
      await balancePages.first();
    } catch (err) {
      fail(err);
    }
  }
  const pointForm = el(
    'form',
    { class: 'row', onsubmit: (e) => (e.preventDefault(), void loadPoint()) },
    el('label', {}, 'As of ', at),
    el('label', {}, 'Accounts ', kind),
    el('button', { type: 'submit', class: 'small' }, 'Show'),
  );
  const csv = (path, label) => csvButton(ctx.session, path, fail, label);
  const node = card(
    'reports-card',
    'Reports',
    h('Turnover and gross gaming yield by day', csv(turnoverCsv)),
    turnoverForm,
    days.node,
    h('Commission per round', csv(commissionCsv)),
    rounds.node,
    commissionPages.node,
    h(
      'Customer liabilities now',
      csv(() => '/v1/admin/reports/liabilities?format=csv'),
    ),
    liabilities,
    h(
      'Reconciliation and balances at a point in time',
      csv(() => `/v1/admin/reports/reconciliation?${pointQuery()}&format=csv`, 'Reconciliation CSV'),
      csv(
        () =>
          `/v1/admin/reports/balances?limit=25&at=${point ?? ''}${kind.value ? `&kind=${kind.value}` : ''}${balancesCursor ? `&cursor=${balancesCursor}` : ''}&format=csv`,
        'Balances CSV (this page)',
      ),
    ),
    pointForm,
    recon.node,
    reconState,
    balances.node,
    balancePages.node,
    msg,
  );
  const show = () => Promise.all([loadTurnover(), commissionPages.first(), loadLiabilities(), loadPoint()]);
  return { node, show };
}
