// The /rules page: GET /v1/rules (or ?version=N, the version a round ran under) rendered as
// text. Everything shown comes from that one JSON document, itself generated from the
// configuration version, so the page and the API never disagree.
import { $, api, el, errorText, formatAmount, showMessage } from './api.js';

const term = (name, value) => el('tr', {}, el('th', {}, name), el('td', {}, value));

function render(rules) {
  $('rules-version').textContent = rules.version === null ? 'unversioned' : `version ${rules.version}`;
  $('rules-applies').textContent =
    rules.appliesFromRound === null
      ? 'Applies from the next round that opens.'
      : `Applies from round ${rules.appliesFromRound}.`;
  $('rules-terms').replaceChildren(
    term('Sides', rules.sides.join(' / ')),
    term('Round length', `${rules.roundSeconds} s`),
    term('Bet limits', `${formatAmount(rules.minBet)} – ${formatAmount(rules.maxBet)}`),
    term('Commission', `${rules.commissionPercent}% of net winnings (${rules.rakeBps} bps)`),
    term('Interrupted round voided after', `${rules.interruptedRoundVoidSeconds} s`),
  );
  $('rules-sections').replaceChildren(
    ...rules.sections.map((s) =>
      el(
        'section',
        { id: `rules-${s.id}`, class: 'card rules-section' },
        el('h2', {}, s.title),
        ...s.text.map((p) => el('p', {}, p)),
        s.id === 'fairness'
          ? el(
              'p',
              {},
              el('a', { href: rules.verifier.page, id: 'verifier-link' }, 'Open the fairness checker'),
            )
          : null,
      ),
    ),
  );
  const ex = rules.commissionExample;
  $('example-text').textContent = ex.explanation;
  $('example-players').replaceChildren(
    ...ex.players.map((p) =>
      el(
        'tr',
        {},
        el('td', {}, p.player),
        el('td', { class: 'num' }, formatAmount(p.staked)),
        el('td', { class: 'num' }, formatAmount(p.net)),
        el('td', { class: 'num' }, formatAmount(p.commission)),
        el('td', { class: 'num' }, formatAmount(p.received)),
      ),
    ),
  );
  $('rules-example').hidden = false;
}

async function load() {
  const version = /[?&]version=([^&]*)/.exec(location.search)?.[1];
  const path = version && /^[1-9][0-9]{0,8}$/.test(version) ? `/v1/rules?version=${version}` : '/v1/rules';
  try {
    render(await api('GET', path));
  } catch (err) {
    showMessage($('rules-msg'), errorText(err));
  }
}

void load();
