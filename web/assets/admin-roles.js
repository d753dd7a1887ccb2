// Back-office roles on the operator page (issue 12): the staff and their roles (operators grant
// and revoke), approvals waiting for a second operator (approve, reject), suspended players
// (support and operators suspend and reinstate) and the audit log (auditors and operators).
// Each view is shown to the roles the server lets use it; the server checks every request.
// Every action asks for a reason, which goes into the audit log.
import { el, formatAmount } from './api.js';
import { button, makeAct, reasonInput, row, tableOf, view, when } from './admin-roles-kit.js';
import { suspensionViews } from './admin-suspensions.js';

const ROLES = {
  approvals: ['operator'],
  staff: ['operator'],
  suspensions: ['support', 'operator'],
  auditLog: ['auditor', 'operator'],
};

export function mountRoles(session, onError) {
  const call = session.call;
  const act = makeAct(onError);
  const approvals = view('approvals-card', 'Approvals waiting for a second operator', (msg) => {
    const reason = reasonInput('approval-reason');
    const t = tableOf('approvals', ['#', 'What', 'Amount', 'Asked by', 'Reason', 'Asked', '']);
    const what = (a) =>
      a.kind === 'deposit' ? `deposit to player #${a.userId}` : `void of round ${a.roundId}`;
    const decide = (a, path, verb) =>
      act(
        msg,
        () =>
          call('POST', `/v1/admin/approvals/${a.approvalId}${path}`, {
            body: reason.value.trim() ? { reason: reason.value.trim() } : {},
          }),
        (r) => `Approval #${r.approvalId} ${verb}: ${what(r)}.`,
        load,
      );
    async function load() {
      const { approvals: list } = await call('GET', '/v1/admin/approvals');
      t.body.replaceChildren(
        ...list.map((a) =>
          row(
            [
              `#${a.approvalId}`,
              what(a),
              formatAmount(a.amount),
              a.requester || `#${a.requestedBy}`,
              a.reason || '',
              when(a.requestedAt),
              el(
                'span',
                {},
                button('Approve', () => decide(a, '', 'carried out')),
                ' ',
                button('Reject', () => decide(a, '/reject', 'rejected'), 'small secondary'),
              ),
            ],
            { dataset: { approvalId: a.approvalId } },
          ),
        ),
      );
      if (!list.length)
        t.body.replaceChildren(
          el('tr', {}, el('td', { colspan: '7', class: 'hint' }, 'Nothing is waiting.')),
        );
    }
    const help = el(
      'p',
      { class: 'hint' },
      'A deposit or void above the four-eyes threshold, and any void after the result is revealed, waits here until a different operator approves it.',
    );
    return { nodes: [help, el('label', {}, 'Note ', reason), t.node], load };
  });

  const staff = view('staff-card', 'Back-office accounts and roles', (msg) => {
    const reason = reasonInput('role-reason');
    const t = tableOf('staff', ['#', 'Name', 'Role', 'Since', 'Change role']);
    async function load() {
      const { staff: list } = await call('GET', '/v1/admin/staff');
      t.body.replaceChildren(
        ...list.map((s) => {
          const select = el(
            'select',
            { 'aria-label': `role of ${s.username}` },
            ...['operator', 'support', 'auditor', 'none'].map((r) =>
              el(
                'option',
                { value: r, selected: r === s.role ? 'selected' : undefined },
                r === 'none' ? 'none (revoked)' : r,
              ),
            ),
          );
          const apply = () =>
            act(
              msg,
              () =>
                call('POST', `/v1/admin/staff/${s.userId}/role`, {
                  body: { role: select.value, reason: reason.value },
                }),
              (r) =>
                r.changed
                  ? `${r.account.username} is now ${r.account.role}; their sessions were ended.`
                  : `${r.account.username} already had that role.`,
              load,
            );
          return row(
            [
              `#${s.userId}`,
              s.username,
              s.role,
              when(s.createdAt),
              el('span', {}, select, ' ', button('Apply', apply)),
            ],
            { dataset: { userId: s.userId } },
          );
        }),
      );
    }
    const help = el(
      'p',
      { class: 'hint' },
      'Create an account with npx colorbet operator create NAME --role operator|support|auditor.',
    );
    return { nodes: [help, el('label', {}, 'Reason ', reason), t.node], load };
  });

  const { suspensions, auditLog } = suspensionViews(call, act);

  const views = { approvals, staff, suspensions, auditLog };
  let role = null;
  return {
    nodes: Object.values(views).map((v) => v.node),
    /** Shows the views `next` (a role, or null when logged out) may use, and loads them. */
    render(next) {
      const changed = next !== role;
      role = next;
      for (const [name, v] of Object.entries(views)) {
        const allowed = ROLES[name].includes(role);
        v.node.hidden = !allowed;
        if (allowed && changed) void v.show();
      }
    },
    /** Reloads the visible views (after a void asked for approval, for instance). */
    refresh() {
      for (const v of Object.values(views)) if (!v.node.hidden) void v.show();
    },
  };
}
