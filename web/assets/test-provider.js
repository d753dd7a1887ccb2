// The local test provider's page: it "takes the payment" by asking the service to sign and send
// the provider callback (POST /test-provider/pay), then returns the player to the game.
import { $, api, errorText, formatAmount, showMessage } from './api.js';

// "?depositId=12&amount=2500": the two numbers the payment page was opened with.
const param = (name) => Number((new RegExp(`[?&]${name}=(\\d+)`).exec(location.search) || [])[1]);
const depositId = param('depositId');
const amount = param('amount');
$('tp-amount').textContent = Number.isSafeInteger(amount) && amount > 0 ? formatAmount(amount) : '–';

async function settle(status) {
  const msg = $('tp-msg');
  try {
    const res = await api('POST', '/test-provider/pay', { body: { depositId, amount, status } });
    if (res.callbackStatus !== 200) {
      const err = res.callbackBody && res.callbackBody.error;
      return showMessage(msg, err ? err.message : `The callback answered ${res.callbackStatus}`);
    }
    if (status === 'failed') return showMessage(msg, 'Payment declined. Nothing was credited.', 'info');
    showMessage(msg, `Paid ${formatAmount(amount)}. Returning to colorbet…`, 'ok');
    setTimeout(() => location.assign('/'), 1200);
  } catch (err) {
    showMessage(msg, errorText(err));
  }
}

$('tp-pay').addEventListener('click', () => void settle('succeeded'));
$('tp-fail').addEventListener('click', () => void settle('failed'));
