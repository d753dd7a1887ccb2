// Suspended players (support and operators suspend and reinstate, with a reason) and the audit
// log (auditors and operators) on the operator page; mounted by web/assets/admin-roles.js.
import { el } from './api.js';
import { button, reasonInput, row, tableOf, view, when } from './admin-roles-kit.js';

export function suspensionViews(call, act) {
  const suspensions = view('suspensions-card', 'Suspended players', (msg) => {
    const reason = reasonInput('suspend-reason');
    const player = el('input', { id: 'suspend-user', inputmode: 'numeric', placeholder: 'player id' });
    const t = tableOf('suspensions', ['Player', 'Since', 'By', 'Reason', '']);
    const change = (userId, action) =>
      act(
        msg,
        () => call('POST', `/v1/admin/players/${userId}/${action}`, { body: { reason: reason.value } }),
        (r) =>
          `${r.username} #${r.userId} is ${r.suspended ? 'suspended: bets and withdrawals refused, funds kept' : 'reinstated'}.`,
        load,
      );
    async function load() {
      const { suspensions: list } = await call('GET', '/v1/admin/suspensions');
      t.body.replaceChildren(
        ...list.map((s) =>
          row(
            [
              `${s.username} #${s.userId}`,
              when(s.suspendedAt),
              s.suspendedBy || '–',
              s.reason || '',
              button('Reinstate', () => change(s.userId, 'reinstate')),
            ],
            { dataset: { userId: s.userId } },
          ),
        ),
      );
    }
    const form = el(
      'form',
      {
        id: 'suspend-form',
        class: 'row',
        onsubmit: (e) => {
          e.preventDefault();
          void change(player.value.trim(), 'suspend');
        },
      },
      el('label', {}, 'Player id ', player),
      el('label', {}, 'Reason ', reason),
      el('button', { type: 'submit' }, 'Suspend'),
    );
    return { nodes: [form, t.node], load };
  });

  const auditLog = view('audit-log-card', 'Audit log', () => {
    const t = tableOf('audit-log', ['When', 'Who', 'Action', 'Subject', 'Round', 'Reason']);
    async function load() {
      const { entries } = await call('GET', '/v1/admin/audit-log');
      t.body.replaceChildren(
        ...entries.map((e) =>
          row([
            when(e.at),
            e.actor || 'service',
            e.action,
            e.subject ? `${e.subject} #${e.subjectUserId}` : '',
            e.roundId ? String(e.roundId) : '',
            e.reason || '',
          ]),
        ),
      );
    }
    return { nodes: [button('Refresh', () => void load(), 'small secondary'), t.node], load };
  });

  return { suspensions, auditLog };
}
