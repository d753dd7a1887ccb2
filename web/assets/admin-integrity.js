// Integrity signals for support (docs/reports.md): each flag with the evidence behind it. A
// flag is a reason to look at the accounts, not a finding.
import { el, showMessage } from './api.js';
import { card, money, table } from './admin-lists.js';

const fixed = (n, digits = 2) => Number(n).toFixed(digits);

export function integrityView(ctx) {
  const msg = el('p', { id: 'integrity-msg', class: 'msg', role: 'alert' });
  const windowText = el('p', { id: 'integrity-window', class: 'hint' });
  const who = (id, name) => `${name} #${id}`;
  const pairs = table('integrity-pairs', [
    ['Players', (p) => `${who(p.userA, p.nameA)} and ${who(p.userB, p.nameB)}`],
    ['Rounds together', (p) => String(p.rounds), true],
    ['Matched together', (p) => money(p.observed), true],
    ['Chance gives', (p) => money(Math.round(p.expected)), true],
    ['Ratio', (p) => `${fixed(p.ratio, 1)}×`, true],
  ]);
  const timing = table('integrity-timing', [
    ['Player', (t) => who(t.userId, t.username)],
    ['Bets', (t) => String(t.bets), true],
    ['Mean interval', (t) => `${fixed(t.meanSeconds)} s`, true],
    ['Std deviation', (t) => `${fixed(t.stddevSeconds, 3)} s`, true],
    ['CV', (t) => fixed(t.cv, 3), true],
  ]);
  const sources = table('integrity-sources', [
    ['Source', (s) => s.source],
    ['Accounts', (s) => String(s.accounts), true],
    ['Deposits', (s) => String(s.deposits), true],
    ['Amount', (s) => money(s.amount), true],
    ['Players', (s) => s.users.map((u) => who(u.userId, u.username)).join(', ')],
  ]);
  async function show() {
    try {
      const r = await ctx.call('GET', '/v1/admin/integrity');
      const t = r.thresholds;
      windowText.textContent =
        `Rounds ${r.window.fromRound}–${r.window.toRound}, deposits since ${new Date(r.window.since).toLocaleDateString()}. ` +
        `Flags: a pair matched ≥ ${t.pairRatio}× chance in ≥ ${t.pairRounds} rounds; ≥ ${t.timingIntervals} bet ` +
        `intervals with CV < ${t.timingCv}; one source funding ≥ ${t.sourceAccounts} accounts.`;
      pairs.set(r.pairs);
      timing.set(r.timing);
      sources.set(r.sources);
      const n = r.pairs.length + r.timing.length + r.sources.length;
      showMessage(msg, n ? `${n} flag(s) to review.` : 'No flags in this window.', n ? 'error' : 'ok');
    } catch (err) {
      ctx.onError(err, msg);
    }
  }
  const node = card(
    'integrity-card',
    'Integrity flags',
    el('button', { class: 'small secondary', type: 'button', onclick: () => void show() }, 'Refresh'),
    windowText,
    msg,
    el('h3', {}, 'Pairs matched against each other far above chance'),
    pairs.node,
    el('h3', {}, 'Bet timing too regular to be human'),
    timing.node,
    el('h3', {}, 'Many accounts funded from one source'),
    sources.node,
  );
  return { node, show };
}
