// The operator's view of the game configuration (GET /v1/admin/config): every version, newest
// first, with the round it applies from ("next round" while no round has opened under it),
// and a form that writes a new version from the fields filled in plus a reason
// (POST /v1/admin/config), for operators. Auditors see the history only. A change never
// touches the round in progress.
import { $, el, errorText, formatAmount, parseAmount, showMessage, timeOf } from './api.js';

const applies = (v) =>
  v.appliesFromRound === null
    ? 'never (superseded)'
    : v.pending
      ? `next round (${v.appliesFromRound})`
      : `round ${v.appliesFromRound}`;

function renderHistory({ versions }) {
  const current = versions[0];
  $('config-current').textContent = current ? `version ${current.version}` : 'not seeded';
  $('config-history').replaceChildren(
    ...versions.map((v) =>
      el(
        'tr',
        { dataset: { version: v.version, pending: v.pending } },
        el('td', {}, `v${v.version}`),
        el('td', { class: 'applies' }, applies(v)),
        el('td', {}, v.sides.join(' / ')),
        el('td', { class: 'num' }, `${v.roundSeconds} s`),
        el('td', { class: 'num' }, formatAmount(v.minBet)),
        el('td', { class: 'num' }, formatAmount(v.maxBet)),
        el('td', { class: 'num' }, `${v.rakeBps} bps`),
        el('td', { class: 'num' }, formatAmount(v.fourEyesAbove)),
        el('td', {}, v.createdBy ?? 'environment'),
        el('td', {}, `${v.reason} (${timeOf(v.createdAt)})`),
        el('td', {}, el('a', { href: v.rulesUrl }, 'rules')),
      ),
    ),
  );
}

/** Operators and auditors read the history; only operators see the form (it is `.operator-only`). */
export function renderConfig(role, ctx) {
  const reader = role === 'operator' || role === 'auditor';
  $('config-card').hidden = !reader;
  if (reader) void loadConfigHistory(ctx);
}

export async function loadConfigHistory(ctx) {
  try {
    renderHistory(await ctx.call('GET', '/v1/admin/config'));
  } catch (err) {
    ctx.onError(err, $('config-msg'));
  }
}

/** The filled-in fields only: amounts typed with two decimals, counts as whole numbers. */
function change() {
  const body = {};
  const text = (id) => $(id).value.trim();
  if (text('config-sides')) body.sides = text('config-sides').split(/[\s,/]+/);
  for (const key of ['minBet', 'maxBet', 'fourEyesAbove']) {
    if (text(`config-${key}`)) body[key] = parseAmount(text(`config-${key}`));
  }
  for (const key of ['rakeBps', 'roundSeconds']) {
    if (text(`config-${key}`)) body[key] = Number(text(`config-${key}`));
  }
  body.reason = text('config-reason');
  return body;
}

export function setupConfigForm(ctx) {
  $('config-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('config-msg');
    try {
      const v = await ctx.call('POST', '/v1/admin/config', { body: change() });
      showMessage(msg, `Version ${v.version} saved: it applies from round ${v.appliesFromRound}.`, 'ok');
      for (const input of $('config-form').querySelectorAll('input')) input.value = '';
    } catch (err) {
      showMessage(msg, errorText(err));
    }
    void loadConfigHistory(ctx);
  });
}
