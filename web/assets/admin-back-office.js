// The back office's read-only views on the operator page, each shown to the roles the server
// lets read it (the server checks every request; this only hides what would be refused):
// players (support, operator), a round's bets (all staff), reports (auditor, operator),
// integrity flags (support, operator). Mounted into #back-office by admin.js.
import { $ } from './api.js';
import { integrityView } from './admin-integrity.js';
import { playersView } from './admin-players.js';
import { reportsView } from './admin-reports.js';
import { roundBetsView } from './admin-round-bets.js';

const ROLES = {
  players: ['support', 'operator'],
  roundBets: ['operator', 'support', 'auditor'],
  reports: ['auditor', 'operator'],
  integrity: ['support', 'operator'],
};

/** session: the page's session (call, token, renew); onError(err, messageNode). */
export function mountBackOffice(session, onError) {
  let role = null;
  const ctx = { call: session.call, session, onError, role: () => role };
  const views = {
    players: playersView(ctx),
    roundBets: roundBetsView(ctx),
    reports: reportsView(ctx),
    integrity: integrityView(ctx),
  };
  const root = $('back-office');
  if (root) root.replaceChildren(...Object.values(views).map((v) => v.node));
  return {
    /** Shows the views `next` (a role, or null when logged out) may read, and loads them once. */
    render(next) {
      const changed = next !== role;
      role = next;
      for (const [name, view] of Object.entries(views)) {
        const allowed = ROLES[name].includes(role);
        view.node.hidden = !allowed;
        if (allowed && changed) void view.show();
      }
    },
  };
}
