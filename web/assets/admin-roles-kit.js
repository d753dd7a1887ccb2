// What the role views of the operator page share (web/assets/admin-roles.js): a card, a
// table, a reason field, and an action that reports its outcome on the view's message line.
import { el, errorText, showMessage } from './api.js';

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

function section(id, title, ...children) {
  return el(
    'section',
    { id, class: 'card wide back-office', hidden: true },
    el('h2', {}, title),
    ...children,
  );
}

export function tableOf(id, headers) {
  const body = el('tbody', { id });
  const head = el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h))));
  return { node: el('div', { class: 'scroll' }, el('table', {}, head, body)), body };
}

export const row = (cells, attrs = {}) => el('tr', attrs, ...cells.map((c) => el('td', {}, c)));
export const button = (text, onclick, cls = 'small') =>
  el('button', { class: cls, type: 'button', onclick }, text);
export const reasonInput = (id) =>
  el('input', { id, placeholder: 'why (kept in the audit log)', maxlength: '500' });

/** A view: its section, and show() that (re)loads it. `load(view)` fills it; errors go to its message line. */
export function view(id, title, build) {
  const msg = el('p', { id: `${id}-msg`, class: 'msg', role: 'alert' });
  const parts = build(msg);
  const node = section(id, title, ...parts.nodes, msg);
  const show = async () => {
    try {
      await parts.load();
    } catch (err) {
      showMessage(msg, errorText(err));
    }
  };
  return { node, show, msg };
}

/** Runs an action, says its outcome (or the error) on `msg`, then reloads the view. */
export function makeAct(onError) {
  return async (msg, fn, done, reload) => {
    try {
      showMessage(msg, done(await fn()), 'ok');
    } catch (err) {
      if (err && (err.code === 'UNAUTHORIZED' || err.code === 'TOKEN_EXPIRED')) onError(err, msg);
      else showMessage(msg, errorText(err));
    }
    await reload();
  };
}
