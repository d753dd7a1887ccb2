// The player page: login, the live round, the bet form, and the lists. Live events only say
// what changed; the page then refetches that part from the API, so a missed event costs
// nothing but a moment (every reconnect starts with a hello and a full refetch).
import {
  $,
  ApiError,
  api,
  debounce,
  el,
  errorText,
  formatAmount,
  parseAmount,
  showMessage,
  tokenClaims,
} from './api.js';
import { createBetPanel } from './player-bet.js';
import { createFunding } from './player-funding.js';
import { cancelBet, createPager, renderBets, renderEntries, renderHistory } from './player-lists.js';
import { createReveal } from './player-reveal.js';
import { createRoundCard } from './round-card.js';
import { createSession } from './session.js';
import { connectStream } from './stream.js';

const card = createRoundCard();
const reveal = createReveal();
const betPanel = createBetPanel({ rakeBps: () => (card.round && card.round.rakeBps) || 0 });
const state = { liveBalanceAt: 0 };
// A renewed access token goes to the open stream at once; a login or logout re-renders.
const session = createSession('colorbet.session', {
  onChange: (reason) => {
    if (reason === 'renewed') return stream.reauth();
    renderAuth();
    stream.reauth();
    refreshAll();
  },
});
const funding = createFunding({ call: (...args) => session.call(...args), onFunded: () => laterWallet() });
const claims = () => (session.token() ? tokenClaims(session.token()) : null);
const isPlayer = () => Boolean(claims() && claims().role === 'player');

function setConn(s) {
  const node = $('conn');
  node.textContent = s;
  node.className = `conn ${s}`;
}

function showBalance(minor, source) {
  // The live balance comes from the ledger at commit; GET /v1/wallet reads the asynchronous
  // projection, which may trail it for a moment. Prefer the live value while it is fresh.
  if (source === 'rest' && Date.now() - state.liveBalanceAt < 4000) return;
  if (source === 'live') state.liveBalanceAt = Date.now();
  $('balance').textContent = formatAmount(minor);
  $('wallet-balance').textContent = formatAmount(minor);
}

function renderAuth() {
  const c = claims();
  const player = isPlayer();
  $('auth-card').hidden = player;
  for (const id of ['bet-card', 'bets-card', 'wallet-card', 'balance-box', 'logout', 'who'])
    $(id).hidden = !player;
  $('who').textContent = player ? `${c.name} · player #${c.sub}` : '';
  if (player) void funding.load();
  else betPanel.clear();
  if (session.token() && !player) {
    showMessage($('auth-msg'), 'This is an operator account: use the operator page at /admin.');
  }
}

async function refreshRound() {
  try {
    const round = await api('GET', '/v1/rounds/current');
    card.syncClock(round.serverTime);
    card.set(round);
    reveal.seen(round);
    renderSideButtons();
  } catch {
    // Before the first round (or while offline) the card keeps what it has.
  }
}

const historyPages = createPager('history', async (query) => {
  const { rounds, nextCursor } = await api('GET', `/v1/rounds${query}`);
  renderHistory(rounds);
  return nextCursor;
});

async function refreshHistory() {
  try {
    await historyPages.refresh();
  } catch {
    // The next event retries.
  }
}

const betPages = createPager('bets', async (query) => {
  const { bets, nextCursor } = await session.call('GET', `/v1/bets${query}`);
  renderBets(bets, { openRoundId: () => (card.isOpen() ? card.round.roundId : null), cancel: onCancel });
  betPanel.betsSeen(bets);
  return nextCursor;
});

async function refreshBets() {
  if (!isPlayer()) return;
  try {
    await betPages.refresh();
  } catch (err) {
    handleAuthError(err);
  }
}

async function refreshWallet() {
  if (!isPlayer()) return;
  try {
    const [wallet, entries] = await Promise.all([
      session.call('GET', '/v1/wallet'),
      session.call('GET', '/v1/wallet/entries'),
    ]);
    showBalance(wallet.balance, 'rest');
    $('wallet-pending').textContent = formatAmount(wallet.pendingWithdrawals);
    renderEntries(entries.entries);
    void funding.refreshWithdrawals();
    untilCaughtUp(wallet, entries.entries);
  } catch (err) {
    handleAuthError(err);
  }
}

// The balance comes from the projection, the entries straight from the ledger: a newest entry
// past the balance's asOfEntryId means the projection has not reached it yet (a deposit made
// while the page was away at the provider, whose live event this page never saw). Read again
// until it has, a second apart, for at most a minute.
const CATCH_UP_TRIES = 60;
let catchUpTries = 0;
let catchUpTimer;
function untilCaughtUp(wallet, entries) {
  clearTimeout(catchUpTimer);
  const newest = entries.length > 0 ? entries[0].entryId : null;
  if (newest === null || (wallet.asOfEntryId !== null && wallet.asOfEntryId >= newest)) {
    catchUpTries = 0;
    return;
  }
  if (++catchUpTries > CATCH_UP_TRIES) return;
  catchUpTimer = setTimeout(refreshWallet, 1000);
}

// Revoked, or expired with no way to renew: back to the login.
function handleAuthError(err) {
  if (err && (err.code === 'UNAUTHORIZED' || err.code === 'TOKEN_EXPIRED')) {
    session.forget();
    showMessage($('auth-msg'), errorText(err));
  }
}

const laterBets = debounce(refreshBets, 150);
const laterHistory = debounce(refreshHistory, 300);
// A read that finds the projection behind the ledger reads again until it has caught up
// (untilCaughtUp), so one read is enough here.
const laterWallet = debounce(refreshWallet, 300);

function refreshPublic() {
  void refreshRound();
  void refreshHistory();
}

function refreshMine() {
  void refreshBets();
  void refreshWallet();
}

function refreshAll() {
  refreshPublic();
  refreshMine();
}

function renderSideButtons() {
  const sides = card.round ? card.round.sides : ['red', 'green'];
  const box = $('side-buttons');
  if (box.dataset.sides === sides.join(',')) return;
  box.dataset.sides = sides.join(',');
  box.replaceChildren(
    ...sides.map((side) =>
      el(
        'button',
        { type: 'button', class: `side-${side} bet-side`, dataset: { side }, onclick: () => placeBet(side) },
        `Bet ${side}`,
      ),
    ),
  );
}

async function placeBet(side) {
  const msg = $('bet-msg');
  if (!card.isOpen()) return showMessage(msg, errorText(new ApiError(409, 'ROUND_NOT_OPEN', 'closed')));
  let amount;
  try {
    amount = parseAmount($('amount').value);
  } catch (err) {
    return showMessage(msg, errorText(err));
  }
  const buttons = document.querySelectorAll('.bet-side');
  buttons.forEach((b) => (b.disabled = true));
  try {
    // A fresh key per click: a retried network request is one bet, a second click is another.
    const bet = await session.call('POST', '/v1/bets', {
      body: { roundId: card.round.roundId, side, amount },
      idempotencyKey: crypto.randomUUID(),
    });
    betPanel.placed(bet);
    laterBets();
  } catch (err) {
    showMessage(msg, errorText(err));
    handleAuthError(err);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

async function onCancel(bet) {
  await cancelBet(bet, session.call);
  laterBets();
}

function onRoundEvent(msg) {
  if (msg.change === 'totals') return card.setTotals(msg.roundId, msg.totals);
  card.set(msg);
  renderSideButtons();
  betPanel.roundSeen(msg);
  // A void of an older round (an operator's, after it closed) is news in the lists, not a reveal.
  if (msg.status !== 'VOID' || (card.round && msg.roundId === card.round.roundId)) reveal.seen(msg);
  if (msg.status === 'CLOSED' && msg.result) {
    showMessage($('last-result'), `Round ${msg.roundId} result: ${msg.result.toUpperCase()}`, 'info');
  }
  if (msg.status === 'VOID')
    showMessage($('last-result'), `Round ${msg.roundId} was voided: every stake refunded.`, 'info');
  laterHistory();
  if (msg.status !== 'OPEN') laterBets();
}

function onMessage(msg) {
  if (msg.serverTime) card.syncClock(msg.serverTime);
  if (msg.type === 'hello') {
    // A (re)connect: whatever happened while away is read back from the API. Own data waits
    // for the auth answer when the page has a token, so it is read once, not twice.
    if (msg.round) card.set(msg.round);
    refreshPublic();
    if (!session.token()) refreshMine();
  } else if (msg.type === 'auth') {
    refreshMine();
  } else if (msg.type === 'round') {
    onRoundEvent(msg);
  } else if (msg.type === 'bet') {
    laterBets();
  } else if (msg.type === 'balance') {
    if (typeof msg.balance === 'number') showBalance(msg.balance, 'live');
    laterWallet();
  }
}

const stream = connectStream({
  token: session.token,
  onMessage,
  onState: setConn,
  // Expired: renew, and the reconnect that follows authenticates with the new token.
  onUnauthorized: async (code) => {
    if (code === 'TOKEN_EXPIRED' && (await session.renew())) return;
    if (!session.token()) return;
    session.forget();
    showMessage($('auth-msg'), 'Your session has expired. Please log in again.');
  },
});

async function authenticate(path) {
  const msg = $('auth-msg');
  showMessage(msg, '');
  try {
    const body = { username: $('username').value.trim(), password: $('password').value };
    session.start(await api('POST', path, { body }));
  } catch (err) {
    showMessage(msg, errorText(err));
  }
}

$('auth-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void authenticate('/v1/auth/login');
});
$('register').addEventListener('click', () => void authenticate('/v1/auth/register'));
$('logout').addEventListener('click', () => void session.logout());
$('bet-form').addEventListener('submit', (e) => e.preventDefault());
$('withdraw-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const msg = $('wallet-msg');
  try {
    const amount = parseAmount($('withdraw-amount').value);
    const w = await session.call('POST', '/v1/wallet/withdrawals', {
      body: { amount },
      idempotencyKey: crypto.randomUUID(),
    });
    showMessage(
      msg,
      `Withdrawal #${w.withdrawalId} of ${formatAmount(w.amount)} requested; held until an operator decides.`,
      'ok',
    );
    $('withdraw-amount').value = '';
  } catch (err) {
    showMessage(msg, errorText(err));
  }
});

renderAuth();
renderSideButtons();
refreshAll();
void betPanel.loadRules();
