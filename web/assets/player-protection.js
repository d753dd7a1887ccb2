// "Limits & protection" on the player page (docs/player-protection.md): the player's deposit,
// stake and loss limits with their use and any rise waiting for the 24 h cooling-off, the
// time-out and self-exclusion, and the reality check: at the interval the player chose, a
// dialog shows the time played and the net result since login, and play goes on only once it is
// acknowledged. It reads the access token player.js keeps (and renews) in localStorage.
import {
  $,
  ApiError,
  api,
  el,
  errorText,
  formatAmount,
  parseAmount,
  showMessage,
  tokenClaims,
} from './api.js';

const SESSION_KEY = 'colorbet.session';
const LOGIN_AT = 'colorbet.protection.loginAt';
const LAST_ACK = 'colorbet.protection.lastAck';
const KINDS = { deposit: 'Deposits', stake: 'Stakes', loss: 'Loss' };
const PERIODS = { '24h': '24 h', '7d': '7 days', '30d': '30 days' };
const MESSAGES = {
  SELF_EXCLUDED: 'You are self-excluded: bets and deposits are refused until it ends.',
  TIMED_OUT: 'You are taking a time-out: bets and deposits are refused until it ends.',
  LIMIT_REACHED: 'That would pass one of your limits (see Limits & protection).',
};

let view = null;
// The limit form keeps what was picked across re-renders.
const chosen = { kind: 'deposit', period: '24h' };
let token = null;

function currentToken() {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    return saved && typeof saved.token === 'string' ? saved.token : null;
  } catch {
    return null;
  }
}

const call = (method, path, body) => api(method, path, { token, body });
const when = (iso) => new Date(iso).toLocaleString();
const say = (text, kind = 'error') => showMessage($('protection-msg'), text, kind);
const explain = (err) => (err instanceof ApiError && MESSAGES[err.code]) || errorText(err);

function limitCell(l) {
  const parts = [el('b', {}, l.limit === null ? 'none' : formatAmount(l.limit))];
  parts.push(el('div', { class: 'muted' }, `used ${formatAmount(l.used)}`));
  if (l.pending) {
    const to = l.pending.limit === null ? 'none' : formatAmount(l.pending.limit);
    parts.push(el('div', { class: 'pending' }, `→ ${to} from ${when(l.pending.effectiveAt)}`));
  }
  return el('td', { dataset: { kind: l.kind, period: l.period } }, parts);
}

function status(v) {
  if (v.excludedUntil) return `Self-excluded until ${when(v.excludedUntil)}. Withdrawals stay open.`;
  if (v.timeoutUntil) return `Time-out until ${when(v.timeoutUntil)}. Withdrawals stay open.`;
  return 'No time-out or self-exclusion.';
}

function options(map, selected) {
  return Object.entries(map).map(([value, label]) =>
    el('option', { value, selected: String(value) === String(selected) }, label),
  );
}

function render() {
  const card = $('protection-card');
  const v = view;
  const rows = Object.entries(KINDS).map(([kind, label]) =>
    el(
      'tr',
      {},
      el('th', {}, label),
      Object.keys(PERIODS).map((period) =>
        limitCell(v.limits.find((l) => l.kind === kind && l.period === period)),
      ),
    ),
  );
  card.replaceChildren(
    el('h2', {}, 'Limits & protection'),
    el(
      'p',
      { id: 'protection-status', class: v.excludedUntil || v.timeoutUntil ? 'msg error' : 'msg info' },
      status(v),
    ),
    el(
      'table',
      { id: 'limits-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, ''),
          Object.values(PERIODS).map((p) => el('th', {}, p)),
        ),
      ),
      el('tbody', {}, rows),
    ),
    el(
      'p',
      { class: 'muted small' },
      'Loss over a window = your stakes (less cancelled or voided parts) minus what settled rounds paid back; ' +
        'a stake counts as lost until its round pays. Windows are whole clock hours. A lower limit applies at once; ' +
        `a higher one, or removing one, only after ${v.coolingOffHours} h.`,
    ),
    el(
      'form',
      { id: 'limit-form', class: 'row', onsubmit: (e) => (e.preventDefault(), void setLimit()) },
      el('select', { id: 'limit-kind', 'aria-label': 'Limit' }, options(KINDS, chosen.kind)),
      el('select', { id: 'limit-period', 'aria-label': 'Period' }, options(PERIODS, chosen.period)),
      el('input', {
        id: 'limit-amount',
        inputmode: 'decimal',
        placeholder: 'Amount (empty: none)',
        'aria-label': 'Limit amount',
      }),
      el('button', { type: 'submit', class: 'secondary' }, 'Set limit'),
    ),
    el(
      'form',
      { class: 'row', onsubmit: (e) => (e.preventDefault(), void setRealityCheck()) },
      el(
        'label',
        {},
        'Reality check every ',
        el(
          'select',
          { id: 'reality-minutes' },
          options(
            { '': 'off', 15: '15 min', 30: '30 min', 60: '1 hour', 120: '2 hours' },
            v.realityCheckMinutes ?? '',
          ),
        ),
      ),
      el('button', { type: 'submit', class: 'secondary' }, 'Save'),
    ),
    el(
      'form',
      { class: 'row', onsubmit: (e) => (e.preventDefault(), void pause('timeout')) },
      el(
        'select',
        { id: 'timeout-hours', 'aria-label': 'Time-out length' },
        options({ 24: '24 hours', 72: '3 days', 168: '1 week', 720: '30 days', 1008: '6 weeks' }),
      ),
      el('button', { type: 'submit', class: 'secondary', id: 'timeout-button' }, 'Take a time-out'),
    ),
    el(
      'form',
      { class: 'row', onsubmit: (e) => (e.preventDefault(), void pause('self-exclusion')) },
      el(
        'select',
        { id: 'exclusion-days', 'aria-label': 'Self-exclusion length' },
        options({ 183: '6 months', 365: '1 year', 730: '2 years', 1826: '5 years' }),
      ),
      el('button', { type: 'submit', class: 'danger', id: 'exclusion-button' }, 'Self-exclude'),
    ),
    el('p', { id: 'protection-msg', class: 'msg', role: 'alert' }),
  );
}

async function refresh() {
  try {
    view = await call('GET', '/v1/me/limits');
    render();
  } catch (err) {
    if ($('protection-msg')) say(explain(err));
  }
}

async function setLimit() {
  const kind = $('limit-kind').value;
  const period = $('limit-period').value;
  Object.assign(chosen, { kind, period });
  const text = $('limit-amount').value.trim();
  try {
    const amount = text === '' ? null : parseAmount(text);
    view = await call('PUT', '/v1/me/limits', { [kind]: { [period]: amount } });
    render();
    const l = view.limits.find((x) => x.kind === kind && x.period === period);
    say(
      l.pending
        ? `Saved: the higher limit applies from ${when(l.pending.effectiveAt)}.`
        : 'Saved: in force now.',
      'ok',
    );
  } catch (err) {
    say(explain(err));
  }
}

async function setRealityCheck() {
  const value = $('reality-minutes').value;
  try {
    view = await call('PUT', '/v1/me/limits', { realityCheckMinutes: value === '' ? null : Number(value) });
    localStorage.setItem(LAST_ACK, String(Date.now()));
    render();
    say('Saved.', 'ok');
  } catch (err) {
    say(explain(err));
  }
}

async function pause(kind) {
  const body =
    kind === 'timeout'
      ? { hours: Number($('timeout-hours').value) }
      : { days: Number($('exclusion-days').value) };
  const what = kind === 'timeout' ? 'a time-out' : 'self-exclusion, which cannot be undone early';
  if (!window.confirm(`Start ${what}? Bets and deposits will be refused until it ends.`)) return;
  try {
    view = await call('POST', `/v1/me/${kind}`, body);
    render();
  } catch (err) {
    say(explain(err));
  }
}

function dialog() {
  let d = $('reality-check');
  if (d) return d;
  d = el(
    'dialog',
    { id: 'reality-check', 'aria-labelledby': 'reality-title' },
    el('h2', { id: 'reality-title' }, 'Reality check'),
    el('p', { id: 'reality-text' }),
    el(
      'div',
      { class: 'row' },
      el('button', { id: 'reality-ack', onclick: () => acknowledge() }, 'I understand, continue'),
      el('button', { id: 'reality-logout', class: 'secondary', onclick: () => leave() }, 'Log out'),
    ),
  );
  d.addEventListener('cancel', (e) => e.preventDefault()); // Escape does not dismiss it
  document.body.append(d);
  return d;
}

function acknowledge() {
  localStorage.setItem(LAST_ACK, String(Date.now()));
  dialog().close();
}

function leave() {
  dialog().close();
  $('logout').click();
}

async function realityCheck() {
  const minutes = view && view.realityCheckMinutes;
  if (!minutes || dialog().open) return;
  const last = Number(localStorage.getItem(LAST_ACK) || localStorage.getItem(LOGIN_AT) || Date.now());
  if (Date.now() - last < minutes * 60_000) return;
  try {
    const since = new Date(Number(localStorage.getItem(LOGIN_AT) || Date.now())).toISOString();
    const a = await call('GET', `/v1/me/activity?since=${encodeURIComponent(since)}`);
    $('reality-text').textContent =
      `You have been playing for ${a.minutesPlayed} minutes. Since you logged in you staked ` +
      `${formatAmount(a.staked)} on ${a.bets} bets and got back ${formatAmount(a.returned)}: ` +
      `a net result of ${formatAmount(a.net)}.`;
    dialog().showModal();
  } catch {
    // the next tick tries again
  }
}

function tick() {
  const next = currentToken();
  const claims = next ? tokenClaims(next) : null;
  const player = Boolean(claims && claims.role === 'player');
  const card = $('protection-card');
  if (!player) {
    if (token) localStorage.removeItem(LOGIN_AT);
    token = null;
    view = null;
    card.hidden = true;
    return;
  }
  const fresh = !token || tokenClaims(token).sid !== claims.sid;
  token = next;
  if (fresh) {
    if (!localStorage.getItem(LOGIN_AT)) {
      localStorage.setItem(LOGIN_AT, String(Date.now()));
      localStorage.setItem(LAST_ACK, String(Date.now()));
    }
    card.hidden = false;
    void refresh();
  }
  void realityCheck();
}

tick();
setInterval(tick, 2000);
