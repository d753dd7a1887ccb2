// The operator page: login, live round, round table with void, deposits, withdrawal
// decisions, the audit, and live charts. Everything goes through the public API with an
// operator token; the server checks the role on every request.
import {
  $,
  api,
  debounce,
  el,
  errorText,
  formatAmount,
  parseAmount,
  showMessage,
  timeOf,
  tokenClaims,
} from './api.js';
import { mountBackOffice } from './admin-back-office.js';
import { pager } from './admin-lists.js';
import { startCharts } from './admin-charts.js';
import { renderConfig, setupConfigForm } from './admin-config.js';
import { mountRoles } from './admin-roles.js';
import { loadRounds } from './admin-rounds.js';
import { createRoundCard } from './round-card.js';
import { createSession } from './session.js';
import { connectStream } from './stream.js';

// The operator's access token is renewed before it expires (web/assets/session.js).
const session = createSession('colorbet.operatorSession', {
  onChange: (reason) => reason !== 'renewed' && render(),
});
const card = createRoundCard();
const claims = () => (session.token() ? tokenClaims(session.token()) : null);
const isOperator = () => Boolean(claims() && claims().role === 'operator');
// Support and auditors log in here too; each sees the views of their role (admin-roles.js).
const isStaff = () => Boolean(claims() && ['operator', 'support', 'auditor'].includes(claims().role));

function onError(err, node) {
  if (err && (err.code === 'UNAUTHORIZED' || err.code === 'TOKEN_EXPIRED' || err.code === 'FORBIDDEN')) {
    session.forget();
    showMessage(
      $('auth-msg'),
      err.code === 'FORBIDDEN' ? 'That account is not an operator.' : errorText(err),
    );
    return;
  }
  showMessage(node, errorText(err));
}

// After a void (or a void that now waits for approval) the rounds and the approvals reload.
const ctx = {
  call: session.call,
  onError,
  refresh: () => {
    void loadRounds(ctx);
    roles.refresh();
  },
};
setupConfigForm(ctx);
// Roles, approvals waiting, suspended players and the audit log, each for the roles that may use it.
const roles = mountRoles(session, onError);
$('roles').replaceChildren(...roles.nodes);
// Players, a round's bets, reports and integrity flags: each shown to the roles that may read it.
const backOffice = mountBackOffice(session, onError);
const laterRounds = debounce(() => isOperator() && void loadRounds(ctx), 300);

function render() {
  const op = isOperator();
  const staff = isStaff();
  $('auth-card').hidden = staff;
  $('logout').hidden = !staff;
  $('who').hidden = !staff;
  $('who').textContent = staff ? `${claims().role} ${claims().name}` : '';
  roles.render(staff ? claims().role : null);
  for (const node of document.querySelectorAll('.operator-only')) node.hidden = !op;
  renderConfig(claims() ? claims().role : null, ctx);
  backOffice.render(claims() ? claims().role : null);
  if (session.token() && !staff) showMessage($('auth-msg'), 'That account has no back-office role.');
  if (op) {
    void loadRounds(ctx);
    void loadWithdrawals();
  }
}

// Withdrawals page with Newest / Older; the 5 s refresh reloads the page shown.
let withdrawalPages;
let withdrawalsNext = null;
async function loadWithdrawals() {
  if (!isOperator()) return;
  if (!withdrawalPages) {
    withdrawalPages = pager('withdrawals-pager', loadWithdrawalPage);
    $('withdrawals-msg').before(withdrawalPages.node);
  }
  await withdrawalPages.reload();
}

async function loadWithdrawalPage(cursor) {
  try {
    const page = await session.call('GET', `/v1/admin/withdrawals${cursor ? `?cursor=${cursor}` : ''}`);
    withdrawalsNext = page.nextCursor;
    $('withdrawals').replaceChildren(
      ...page.withdrawals.map((w) =>
        el(
          'tr',
          { dataset: { withdrawalId: w.withdrawalId } },
          el('td', {}, `#${w.withdrawalId}`),
          el('td', {}, `#${w.userId}`),
          el('td', { class: 'num' }, formatAmount(w.amount)),
          el('td', {}, w.status),
          el('td', {}, timeOf(w.requestedAt)),
          el(
            'td',
            {},
            w.status === 'REQUESTED'
              ? [
                  el('button', { class: 'small approve', onclick: () => decide(w, 'approve') }, 'Approve'),
                  ' ',
                  el(
                    'button',
                    { class: 'small secondary reject', onclick: () => decide(w, 'reject') },
                    'Reject',
                  ),
                ]
              : '',
          ),
        ),
      ),
    );
  } catch (err) {
    onError(err, $('withdrawals-msg'));
  }
  return withdrawalsNext;
}

async function decide(w, action) {
  const msg = $('withdrawals-msg');
  try {
    const r = await session.call('POST', `/v1/admin/withdrawals/${w.withdrawalId}/${action}`, {
      idempotencyKey: crypto.randomUUID(),
    });
    showMessage(msg, `Withdrawal #${r.withdrawalId} ${r.status.toLowerCase()}.`, 'ok');
  } catch (err) {
    onError(err, msg);
  }
  void loadWithdrawals();
}

const newReference = () => `dep-${crypto.randomUUID()}`;

$('deposit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const msg = $('deposit-msg');
  try {
    const userId = Number($('deposit-user').value.trim());
    if (!Number.isSafeInteger(userId) || userId <= 0)
      return showMessage(msg, 'Player id is a positive whole number.');
    const amount = parseAmount($('deposit-amount').value);
    const reference = $('deposit-reference').value.trim();
    const d = await session.call('POST', '/v1/admin/deposits', { body: { userId, amount, reference } });
    // Above the four-eyes threshold nothing moved: a second operator approves it (admin-roles.js).
    if (d.approvalId !== undefined) {
      showMessage(msg, `Deposit waits for a second operator (approval #${d.approvalId}).`, 'ok');
      $('deposit-reference').value = newReference();
      roles.refresh();
      return;
    }
    showMessage(
      msg,
      `Deposited ${formatAmount(d.amount)} to player #${d.userId} (deposit #${d.depositId}).`,
      'ok',
    );
    // A new reference for the next deposit; resubmitting the same one would be a no-op replay.
    $('deposit-reference').value = newReference();
  } catch (err) {
    onError(err, msg);
  }
});

$('audit-run').addEventListener('click', async () => {
  const msg = $('audit-msg');
  showMessage(msg, 'Running…', 'info');
  try {
    const report = await session.call('GET', '/v1/admin/audit');
    showMessage(
      msg,
      report.ok ? `All invariants hold (${timeOf(report.checkedAt)}).` : 'INVARIANTS VIOLATED',
      report.ok ? 'ok' : 'error',
    );
    $('audit-checks').replaceChildren(
      ...report.checks.map((c) =>
        el(
          'li',
          { class: c.ok ? 'ok' : 'fail' },
          `${c.ok ? '✓' : '✗'} ${c.invariant} ${c.name}: ${c.detail}`,
        ),
      ),
    );
  } catch (err) {
    onError(err, msg);
  }
});

$('auth-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const body = { username: $('username').value.trim(), password: $('password').value };
    session.start(await api('POST', '/v1/auth/login', { body }));
  } catch (err) {
    showMessage($('auth-msg'), errorText(err));
  }
});
$('logout').addEventListener('click', () => void session.logout());

// The public stream is enough here: round changes and totals; the table refetches on each.
connectStream({
  token: () => null,
  onState: (s) => {
    $('conn').textContent = s;
    $('conn').className = `conn ${s}`;
  },
  onUnauthorized: () => undefined,
  onMessage: (msg) => {
    if (msg.serverTime) card.syncClock(msg.serverTime);
    if (msg.type === 'hello' && msg.round) card.set(msg.round);
    if (msg.type !== 'round' && msg.type !== 'hello') return;
    if (msg.type === 'round' && msg.change === 'totals') card.setTotals(msg.roundId, msg.totals);
    else if (msg.type === 'round') card.set(msg);
    laterRounds();
  },
});

$('deposit-reference').value = newReference();
setInterval(() => void loadWithdrawals(), 5000);
// The stream drives the rounds table; this catches up anything a dropped connection missed.
setInterval(laterRounds, 5000);
startCharts();
render();
