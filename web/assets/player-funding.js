// Getting money in and out, as this server offers it (GET /v1/funding): "Add demo funds" in
// demo mode (play money, marked demo in the ledger, once per window), or a deposit through the
// payment provider (the player is sent to its page; the provider's signed callback credits the
// wallet). Withdrawals are listed with their status through to paid.
import { $, api, el, errorText, formatAmount, parseAmount, showMessage, timeOf } from './api.js';

const WITHDRAWAL_STATUS = {
  REQUESTED: 'held · waiting for an operator',
  APPROVED: 'paid out',
  REJECTED: 'rejected · returned to your wallet',
};

export function createFunding({ call, onFunded }) {
  let offer = null;

  async function load() {
    try {
      offer = await api('GET', '/v1/funding');
    } catch {
      offer = { demoFunds: null, deposits: false, maxDeposit: null };
    }
    $('demo-box').hidden = !offer.demoFunds;
    if (offer.demoFunds) {
      const minutes = Math.max(1, Math.round(offer.demoFunds.everySeconds / 60));
      $('demo-note').textContent =
        `Play money for this demo: ${formatAmount(offer.demoFunds.amount)}, once every ${
          minutes === 1 ? 'minute' : `${minutes} minutes`
        }.`;
    }
    $('deposit-form').hidden = !offer.deposits;
    $('funding-none').hidden = Boolean(offer.demoFunds || offer.deposits);
  }

  async function addDemoFunds() {
    const msg = $('funding-msg');
    $('demo-funds').disabled = true;
    try {
      const d = await call('POST', '/v1/wallet/demo-funds');
      showMessage(msg, `Added ${formatAmount(d.amount)} of demo funds (play money).`, 'ok');
      onFunded();
    } catch (err) {
      showMessage(msg, errorText(err));
    } finally {
      $('demo-funds').disabled = false;
    }
  }

  async function startDeposit(e) {
    e.preventDefault();
    const msg = $('funding-msg');
    try {
      const amount = parseAmount($('deposit-amount').value);
      const d = await call('POST', '/v1/wallet/deposits', { body: { amount } });
      showMessage(
        msg,
        `Deposit #${d.depositId} of ${formatAmount(d.amount)} started: taking you to the payment page…`,
        'ok',
      );
      location.assign(d.payUrl);
    } catch (err) {
      showMessage(msg, errorText(err));
    }
  }

  async function refreshWithdrawals() {
    try {
      const { withdrawals } = await call('GET', '/v1/wallet/withdrawals');
      $('withdrawals').replaceChildren(
        ...withdrawals.map((w) =>
          el(
            'tr',
            { dataset: { withdrawalId: w.withdrawalId, status: w.status } },
            el('td', { 'data-label': 'Withdrawal' }, `#${w.withdrawalId}`),
            el('td', { class: 'num', 'data-label': 'Amount' }, formatAmount(w.amount)),
            el('td', { class: 'status', 'data-label': 'Status' }, WITHDRAWAL_STATUS[w.status] || w.status),
            el('td', { 'data-label': 'Requested' }, timeOf(w.requestedAt)),
            el('td', { 'data-label': 'Decided' }, timeOf(w.decidedAt)),
          ),
        ),
      );
    } catch {
      // The next balance event retries.
    }
  }

  $('demo-funds').addEventListener('click', () => void addDemoFunds());
  $('deposit-form').addEventListener('submit', (e) => void startDeposit(e));
  return { load, refreshWithdrawals };
}
