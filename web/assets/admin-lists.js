// What the back-office views share: a card, a table, a cursor pager, a CSV download with the
// session's token, and amounts in major units (the API's minor units, shown with two decimals).
import { el, formatAmount } from './api.js';

export const money = (minor) => formatAmount(minor);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

/** A card section with a title, hidden until its role may see it. */
export function card(id, title, ...children) {
  return el(
    'section',
    { id, class: 'card wide back-office', hidden: true },
    el('h2', {}, title),
    ...children,
  );
}

/** A table: `columns` is [[header, (row) => cell, numeric?]]; rows replace the body on set(). */
export function table(id, columns) {
  const body = el('tbody', { id });
  const node = el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, ...columns.map(([h, , num]) => el('th', num ? { class: 'num' } : {}, h)))),
      body,
    ),
  );
  const set = (rows, rowAttrs = () => ({})) =>
    body.replaceChildren(
      ...rows.map((r) =>
        el(
          'tr',
          rowAttrs(r),
          ...columns.map(([h, cell, num]) =>
            el('td', { class: num ? 'num' : undefined, 'data-label': h }, cell(r)),
          ),
        ),
      ),
    );
  return { node, set };
}

/**
 * Cursor paging, newest first: load(cursor) fetches a page and returns its nextCursor. "Older"
 * follows nextCursor; "Newest" goes back to the first page. Shows the page number.
 */
export function pager(id, load) {
  const stack = [];
  let next = null;
  let current;
  const label = el('span', { class: 'hint' }, '');
  const newest = el(
    'button',
    { class: 'small secondary', type: 'button', dataset: { page: 'newest' } },
    'Newest',
  );
  const older = el(
    'button',
    { class: 'small secondary', type: 'button', dataset: { page: 'older' } },
    'Older',
  );
  const show = async (cursor) => {
    current = cursor;
    next = await load(cursor);
    newest.disabled = stack.length === 0;
    older.disabled = !next;
    label.textContent = `page ${stack.length + 1}`;
  };
  newest.addEventListener('click', () => {
    stack.length = 0;
    void show(undefined);
  });
  older.addEventListener('click', () => {
    if (!next) return;
    stack.push(next);
    void show(next);
  });
  return {
    node: el('div', { id, class: 'row pager' }, newest, label, older),
    first: () => {
      stack.length = 0;
      return show(undefined);
    },
    /** Loads the page shown again (live data: new rows arrive on the newest page). */
    reload: () => show(current),
  };
}

/** Fetches `path` (a CSV report) with the token and saves it under the server's file name. */
export async function downloadCsv(session, path) {
  let res = await fetch(path, { headers: { authorization: `Bearer ${session.token()}` } });
  if (res.status === 401 && (await session.renew())) {
    res = await fetch(path, { headers: { authorization: `Bearer ${session.token()}` } });
  }
  if (!res.ok) throw new Error(`download refused (HTTP ${res.status})`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || 'report.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** A "Download CSV" button for the report at path() (a function: the filters change). */
export function csvButton(session, path, onError, label = 'Download CSV') {
  return el(
    'button',
    {
      class: 'small secondary csv',
      type: 'button',
      onclick: async () => {
        try {
          await downloadCsv(session, path());
        } catch (err) {
          onError(err);
        }
      },
    },
    label,
  );
}
