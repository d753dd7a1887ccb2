// The bet form around the amount: the limits beside it, quick stake buttons, a preview of what
// the bet can win net of commission (the rule one click away at /rules), and one message that
// follows the last bet placed through its life and clears when a new round opens.
import { $, api, el, formatAmount, parseAmount } from './api.js';

const QUICK = [1, 5, 10, 50]; // multiples of the minimum bet, clamped to the maximum

export function createBetPanel({ rakeBps }) {
  let rules = null;
  let tracked = null; // { betId, roundId, side, amount }

  const rake = () => (rules ? rules.rakeBps : rakeBps());
  const commissionOf = (netWin) => Math.floor((netWin * rake()) / 10000);
  const percent = () => `${(rake() / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;

  async function loadRules() {
    try {
      rules = await api('GET', '/v1/rules');
    } catch {
      rules = null; // the preview falls back to the round's commission; limits come from refusals
    }
    renderLimits();
    renderPreview();
  }

  function renderLimits() {
    const box = $('quick-stakes');
    if (!rules) {
      $('limits').textContent = '';
      return box.replaceChildren();
    }
    $('limits').textContent = `min ${formatAmount(rules.minBet)} · max ${formatAmount(rules.maxBet)}`;
    const stakes = [...new Set(QUICK.map((k) => Math.min(rules.minBet * k, rules.maxBet)))];
    box.replaceChildren(
      ...stakes.map((minor) =>
        el(
          'button',
          {
            type: 'button',
            class: 'small secondary stake',
            dataset: { amount: minor },
            onclick: () => setAmount(minor),
          },
          formatAmount(minor),
        ),
      ),
      el(
        'button',
        { type: 'button', class: 'small secondary stake', onclick: () => setAmount(rules.maxBet) },
        'Max',
      ),
    );
  }

  function setAmount(minor) {
    $('amount').value = formatAmount(minor).replace(/,/g, '');
    renderPreview();
  }

  function renderPreview() {
    const node = $('bet-preview');
    let stake;
    try {
      stake = parseAmount($('amount').value);
    } catch {
      return node.replaceChildren('Enter an amount to see what it can win.');
    }
    const commission = commissionOf(stake);
    const back = 2 * stake - commission;
    const outside =
      rules && (stake < rules.minBet || stake > rules.maxBet)
        ? ` Outside the limits (${formatAmount(rules.minBet)} to ${formatAmount(rules.maxBet)}).`
        : '';
    node.replaceChildren(
      `Fully matched and your colour wins: ${formatAmount(back)} back = ${formatAmount(stake)} stake + ${formatAmount(stake)} won − ${formatAmount(commission)} commission (${percent()} of net winnings). You win ${formatAmount(stake - commission)} net; if it loses you lose ${formatAmount(stake)}. Any unmatched part is refunded.${outside} `,
      el('a', { href: '/rules', target: '_blank', rel: 'noopener' }, 'How commission works'),
    );
  }

  function describe(b) {
    const head = `Bet #${b.betId}: ${formatAmount(b.amount)} on ${b.side} in round ${b.roundId}.`;
    switch (b.status) {
      case 'PENDING':
        return [head + ' Waiting for a match…', 'ok'];
      case 'PARTIALLY_MATCHED':
        return [
          `${head} ${formatAmount(b.matchedAmount)} matched; ${formatAmount(b.unmatchedAmount)} still waits for a match (you can cancel that part).`,
          'ok',
        ];
      case 'MATCHED':
        return [
          `${head} ${formatAmount(b.matchedAmount)} matched${b.cancelledAmount ? `, ${formatAmount(b.cancelledAmount)} cancelled and refunded` : ''}. Waiting for the result…`,
          'ok',
        ];
      case 'CANCELLED':
        return [`${head} Cancelled: ${formatAmount(b.cancelledAmount)} refunded.`, 'info'];
      case 'VOID':
        return [`${head} The round was voided: your stake is refunded.`, 'info'];
      case 'SETTLED': {
        const gross = (b.payout || 0) + (b.refund || 0);
        const won = b.payout > 0;
        return [
          `${head} ${won ? 'Won' : b.matchedAmount > 0 ? 'Lost' : 'Not matched'}: ${formatAmount(gross)} back to your wallet before commission (see My bets).`,
          won ? 'ok' : 'info',
        ];
      }
      default:
        return [head, 'info'];
    }
  }

  function show(text, kind) {
    const msg = $('bet-msg');
    msg.textContent = text;
    msg.className = `msg ${text ? kind : ''}`;
  }

  $('amount').addEventListener('input', renderPreview);
  renderPreview();

  return {
    loadRules,
    renderPreview,
    /** The bet just placed becomes the one the message follows. */
    placed(bet) {
      tracked = { betId: bet.betId, roundId: bet.roundId };
      show(...describe(bet));
    },
    /** The player's bets as just read: the followed bet's message moves with it. */
    betsSeen(bets) {
      if (!tracked) return;
      const b = bets.find((x) => x.betId === tracked.betId);
      if (b) show(...describe(b));
    },
    /** A round event: a newer round opening clears the message of the last one. */
    roundSeen(round) {
      if (tracked && round.status === 'OPEN' && round.roundId > tracked.roundId) {
        tracked = null;
        show('', 'info');
      }
    },
    clear: () => {
      tracked = null;
      show('', 'info');
    },
  };
}
