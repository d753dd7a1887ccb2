// What /docs says about each operation: a summary (one line) and a description (who may call
// it, what it does, what to know before calling). A route may carry its own summary and
// description in its schema; those win. Otherwise they come from here, filled in as each route
// is added (documentRoute in http/document-route.ts, on Fastify's onRoute in http/app.ts).
// test/contract.test.ts fails for an operation without both, and for an entry here that names
// no route, so the two stay in step.
interface Doc {
  summary: string;
  description: string;
  /** The route takes an optional Idempotency-Key (replay protection when given). */
  idempotencyKey?: 'optional';
}

/** The top of /docs: how to try the API from this page. */
export const API_DESCRIPTION = [
  'Peer-to-peer colour-round betting on a double-entry ledger. Amounts are integers in minor units (100 = 1.00); errors are `{"error": {"code", "message"}}` (docs/api.md).',
  '',
  'To place a bet from this page: **POST /v1/auth/register** (Try it out) and copy the `token`; press **Authorize** and paste it; fund the player (an operator: POST /v1/admin/deposits, or POST /v1/wallet/demo-funds in the embedded demo); read `roundId` from **GET /v1/rounds/current**; then **POST /v1/bets** with that `roundId`, a side, an amount and any new `Idempotency-Key` (a UUID).',
].join('\n');

const PAGED =
  'Newest first, a page at a time: pass the `nextCursor` of a page as `cursor` for the next one (an empty `cursor=` is the first page).';
const MINOR = 'Amounts are integers in minor units (100 = 1.00).';
const OPERATOR = 'Operator role.';
const SUPPORT = 'Support or operator role.';
const AUDITOR = 'Auditor or operator role.';

export const ROUTE_DOCS: Record<string, Doc> = {
  'GET /healthz': {
    summary: 'Liveness',
    description: 'Answers 200 while the process runs. No authentication; for load balancers and supervisors.',
  },
  'GET /readyz': {
    summary: 'Readiness',
    description:
      'Answers 200 when PostgreSQL (and Redis, when configured) answer, 503 otherwise. The detail of each dependency is shown only with METRICS_TOKEN, or on the internal listener.',
  },
  'POST /v1/auth/register': {
    summary: 'Register a player',
    description:
      'Creates a player account and signs it in: answers 201 with the user id, a short-lived access token and a refresh token. Usernames are 3-32 of letters, digits, `_`, `.` and `-`.',
  },
  'POST /v1/auth/login': {
    summary: 'Log in',
    description:
      'Answers an access token (send it as `Authorization: Bearer <token>`) and a refresh token. Repeated failures for one username make it wait (429 LOGIN_THROTTLED).',
  },
  'POST /v1/auth/refresh': {
    summary: 'Renew the access token',
    description:
      'Exchanges a refresh token for a new access token (and refresh token) of the same session, before or after the access token expired (401 TOKEN_EXPIRED).',
  },
  'POST /v1/auth/logout': {
    summary: 'Log out',
    description:
      'Revokes the tokens of this session, or of every session of the user with `{"all": true}`. Other processes see it at once (or within SESSION_CHECK_SECONDS).',
  },
  'GET /v1/wallet': {
    summary: 'My wallet balance',
    description: `Player. \`balance\` is what can be staked now; amounts held for requested withdrawals are in \`pendingWithdrawals\`. ${MINOR}`,
  },
  'GET /v1/wallet/entries': {
    summary: 'My ledger entries',
    description: `Player. Every movement of the wallet (deposits, stakes, refunds, payouts, withdrawals). ${PAGED} ${MINOR}`,
  },
  'POST /v1/wallet/withdrawals': {
    summary: 'Request a withdrawal',
    description: `Player. Holds the amount at once (202) until an operator approves (paid out) or rejects it (released). Needs an \`Idempotency-Key\` header. ${MINOR}`,
  },
  'GET /v1/wallet/withdrawals': {
    summary: 'My withdrawals and their status',
    description: `Player. Each withdrawal from requested through approved (paid) or rejected. ${PAGED}`,
  },
  'GET /v1/funding': {
    summary: 'How to get money in here',
    description:
      'No authentication. Says which ways of funding this deployment offers: demo funds (the embedded demo) and/or deposits through the payment provider, with their amounts and limits.',
  },
  'POST /v1/wallet/demo-funds': {
    summary: 'Add demo funds',
    description:
      'Player, demo mode only. Credits a fixed amount of play money, at most once per window (429 otherwise); marked as demo in the ledger. Off outside demo mode.',
    idempotencyKey: 'optional',
  },
  'POST /v1/wallet/deposits': {
    summary: 'Start a deposit',
    description: `Player. Starts a deposit with the payment provider and answers where to pay; the wallet is credited once, when the provider's signed callback arrives. ${MINOR}`,
  },
  'GET /v1/wallet/deposits': {
    summary: 'My deposits and their status',
    description: `Player. Deposits started through the payment provider, from started to credited. ${PAGED}`,
  },
  'GET /v1/rounds/current': {
    summary: 'The current round',
    description:
      'No authentication. The round taking bets (or the one just closed), with its sides, closing time, the published hash of its secret seed and its totals. Bet on its `roundId`.',
  },
  'GET /v1/rounds/{id}': {
    summary: 'A round',
    description:
      'No authentication. A round with its status; once it has closed, its `result` and the revealed `serverSeed`, so anyone can check sha256(seed) against the hash published before the round.',
  },
  'GET /v1/rounds': {
    summary: 'Round history',
    description: `No authentication. Past and current rounds. ${PAGED}`,
  },
  'GET /v1/fairness/chains': {
    summary: 'Seed hash chains',
    description:
      'No authentication. The published hash-chain commitments: seed n = sha256(seed n-1), used in reverse, so every future result was fixed when the chain was published.',
  },
  'GET /v1/fairness/verify': {
    summary: 'Check a round is fair',
    description:
      'No authentication. Recomputes the seed hash and the result of a revealed round (`roundId`) and answers whether they match what was published and recorded (`ok`). A void round has no result.',
  },
  'POST /v1/bets': {
    summary: 'Place a bet',
    description: `Player. Stakes \`amount\` on \`side\` in the open round \`roundId\` (from GET /v1/rounds/current); the stake leaves the wallet at once and the answer is 202 with the bet PENDING; the match worker pairs it with opposite bets at even odds. Needs an \`Idempotency-Key\` header: a retry with the same key returns the first answer, never a second bet. Refusals: 409 ROUND_NOT_OPEN, 422 INSUFFICIENT_FUNDS or a limit. ${MINOR}`,
  },
  'GET /v1/bets': {
    summary: 'My bets',
    description: `Player. Own bets with their status, matched amount, payout and refund. ${PAGED}`,
  },
  'GET /v1/bets/{id}': {
    summary: 'A bet',
    description:
      'The owner, or an operator. Status (PENDING, PARTIALLY_MATCHED, MATCHED, SETTLED, CANCELLED, VOID), matched amount, and once settled its gross payout and refund.',
  },
  'DELETE /v1/bets/{id}': {
    summary: 'Cancel the unmatched part of a bet',
    description:
      'Owner, while the round is OPEN. Refunds the unmatched part at once; matched parts stay. An optional `Idempotency-Key` makes a retry return the first answer.',
  },
  'POST /v1/admin/deposits': {
    summary: "Credit a player's wallet",
    description: `${OPERATOR} Idempotent on \`reference\`: the same reference credits once. Large deposits may need a second operator (202 with an approval). ${MINOR}`,
    idempotencyKey: 'optional',
  },
  'POST /v1/admin/withdrawals/{id}/approve': {
    summary: 'Approve a withdrawal (pay out)',
    description: `${OPERATOR} Posts the held amount out of the wallet: the withdrawal is paid.`,
    idempotencyKey: 'optional',
  },
  'POST /v1/admin/withdrawals/{id}/reject': {
    summary: 'Reject a withdrawal',
    description: `${OPERATOR} Releases the held amount back to the wallet.`,
    idempotencyKey: 'optional',
  },
  'GET /v1/admin/withdrawals': {
    summary: 'Withdrawals to decide',
    description: `${SUPPORT} Withdrawals, filtered by \`status\`. ${PAGED}`,
  },
  'POST /v1/admin/rounds/{id}/void': {
    summary: 'Void a round and refund every stake',
    description:
      'Operator role, with a reason. Refunds every stake in full and charges no commission. After the result is revealed (CLOSED, SETTLING) a second operator must approve it; every void is audited.',
    idempotencyKey: 'optional',
  },
  'GET /v1/admin/audit': {
    summary: 'Check the money invariants',
    description: `${AUDITOR} Runs \`colorbet verify\` (I1-I9) over what is new since the last run that held, and answers its report.`,
  },
  'GET /v1/admin/rounds': {
    summary: 'Rounds with their totals',
    description: `${OPERATOR} The operator page's round table, live and past, with staked, matched and commission per round. ${PAGED}`,
  },
  'GET /v1/admin/rounds/quarantined': {
    summary: 'Rounds whose settlement stopped',
    description: `${OPERATOR} Rounds the settle worker set aside after repeated failures, with the error.`,
  },
  'POST /v1/admin/rounds/{id}/retry-settlement': {
    summary: 'Retry a quarantined settlement',
    description: `${OPERATOR} Releases a quarantined round to the settle worker again.`,
  },
  'GET /v1/admin/config': {
    summary: 'Game configuration and its history',
    description: `${AUDITOR} The current configuration version (sides, round length, limits, commission) and every earlier one, each with the round it applies from.`,
  },
  'POST /v1/admin/config': {
    summary: 'Publish a new game configuration',
    description: `${OPERATOR} A new version from the fields given and a reason; it applies from the next round that opens, never to a running one.`,
  },
  'GET /v1/rules': {
    summary: 'The published rules',
    description:
      'No authentication. The rules of the current configuration (or of `version`): sides, limits, commission and when rounds are voided, as the /rules page shows them.',
  },
  'GET /v1/admin/approvals': {
    summary: 'Waiting four-eyes approvals',
    description: `${OPERATOR} Deposits and voids that wait for a second operator (or decided ones, with \`status\`). ${PAGED}`,
  },
  'POST /v1/admin/approvals/{id}': {
    summary: 'Approve and carry out',
    description: `${OPERATOR} A second operator (not the one who asked) carries out the waiting deposit or void, exactly once.`,
    idempotencyKey: 'optional',
  },
  'POST /v1/admin/approvals/{id}/reject': {
    summary: 'Reject an approval',
    description: `${OPERATOR} A second operator turns down the waiting deposit or void; nothing moves.`,
    idempotencyKey: 'optional',
  },
  'GET /v1/admin/staff': {
    summary: 'Back-office accounts',
    description: `${OPERATOR} Every operator, support and auditor account with its role.`,
  },
  'POST /v1/admin/staff/{id}/role': {
    summary: 'Grant or revoke a back-office role',
    description: `${OPERATOR} Sets the role (or 'none'), with a reason; audited, and signs the account out.`,
  },
  'GET /v1/admin/audit-log': {
    summary: 'The back-office audit log',
    description: `${AUDITOR} Every back-office action (deposits, voids, role changes, suspensions), filtered by user or action. ${PAGED}`,
  },
  'GET /v1/admin/suspensions': {
    summary: 'Suspended players',
    description: `${SUPPORT} ${PAGED}`,
  },
  'GET /v1/admin/players/{id}/suspension': {
    summary: "A player's suspension",
    description: `${SUPPORT} Whether the player is suspended, since when, by whom and why.`,
  },
  'POST /v1/admin/players/{id}/suspend': {
    summary: 'Suspend a player',
    description: `${SUPPORT} With a reason: bets and withdrawals are refused, funds stay; audited.`,
  },
  'POST /v1/admin/players/{id}/reinstate': {
    summary: 'Reinstate a player',
    description: `${SUPPORT} Lifts a suspension, with a reason; audited.`,
  },
  'GET /v1/admin/reports/turnover': {
    summary: 'Turnover report',
    description: `${AUDITOR} Daily turnover and gross gaming yield (commission) between \`from\` and \`to\`; JSON, or CSV with \`format=csv\`. ${MINOR}`,
  },
  'GET /v1/admin/reports/liabilities': {
    summary: 'Liabilities report',
    description: `${AUDITOR} What is owed to players now: wallets, held withdrawals and the escrow of unsettled rounds; JSON or CSV. ${MINOR}`,
  },
  'GET /v1/admin/reports/reconciliation': {
    summary: 'Reconciliation report',
    description: `${AUDITOR} The ledger reconciled by account kind (sums to zero), as of now or \`at\`; JSON or CSV. ${MINOR}`,
  },
  'GET /v1/admin/reports/balances': {
    summary: 'Balances at a point in time',
    description: `${AUDITOR} Every account's balance as of a ledger entry id or a time (\`at\`; default the newest entry, named in the answer so later pages use the same point), paged by account id; JSON or CSV (the next page in the X-Next-Cursor header). ${MINOR}`,
  },
  'GET /v1/admin/reports/commission': {
    summary: 'Commission per round',
    description: `${AUDITOR} Each round's stakes, turnover and house commission (0 until it settles), by round id; JSON or CSV (the next page in the X-Next-Cursor header). ${PAGED} ${MINOR}`,
  },
  'GET /v1/admin/players': {
    summary: 'Find players',
    description: `${SUPPORT} Search by name or id (\`q\`), with balance and holds. ${PAGED} ${MINOR}`,
  },
  'GET /v1/admin/players/{id}': {
    summary: 'A player',
    description: `${SUPPORT} The player's balance and holds now, their 10 latest bets with matches, and their 20 latest wallet entries (older ones: .../entries). ${MINOR}`,
  },
  'GET /v1/admin/players/{id}/entries': {
    summary: "A player's ledger entries",
    description: `${SUPPORT} ${PAGED} ${MINOR}`,
  },
  'GET /v1/admin/rounds/{id}/bets': {
    summary: "A round's bets and matches",
    description: `Operator, support or auditor role. Every bet of the round with its booking order, matches, payout and refund. ${PAGED} ${MINOR}`,
  },
  'GET /v1/admin/rounds/{id}/settlements': {
    summary: "A round's settlement lines",
    description: `Operator, support or auditor role. One line per player: outcome, staked, net (won minus lost on matched stakes), commission and received, as the settlement wrote them with the ledger's transfers. ${PAGED} ${MINOR}`,
  },
  'GET /v1/admin/integrity': {
    summary: 'Integrity signals',
    description: `${SUPPORT} Flags worth a look, each with its evidence, over the last \`rounds\` rounds and \`days\` days: pairs matched against each other far above chance, bet timing too regular to be human, one deposit source funding many accounts (the statistics and thresholds: docs/reports.md).`,
  },
  'GET /v1/me/limits': {
    summary: 'My limits',
    description: `Player. Deposit, loss and stake limits per 24 h, 7 d and 30 d, what is used and left, and increases waiting out their cooling-off. ${MINOR}`,
  },
  'PUT /v1/me/limits': {
    summary: 'Set my limits',
    description: 'Player. A decrease applies at once; an increase after a 24 h cooling-off.',
  },
  'POST /v1/me/timeout': {
    summary: 'Take a time-out',
    description: 'Player. No bets or deposits for the hours given (24 h to 6 weeks); cannot be ended early.',
  },
  'POST /v1/me/self-exclusion': {
    summary: 'Exclude myself',
    description: 'Player. No bets or deposits for at least 183 days; cannot be undone early.',
  },
  'GET /v1/me/activity': {
    summary: 'My activity (reality check)',
    description: `Player. Time played, staked and net result since \`since\`. ${MINOR}`,
  },
  'GET /v1/admin/players/{id}/protection': {
    summary: "A player's protection settings",
    description: `${SUPPORT} Read only: limits, time-out and self-exclusion of a player.`,
  },
  'POST /v1/payments/callback': {
    summary: "The payment provider's callback",
    description:
      'Called by the payment provider, not by players: trusted only with a valid `x-payment-signature` (HMAC-SHA256 of the raw body). Credits the deposit once, however often it is repeated.',
  },
  'GET /v1/stream': {
    summary: 'Live events (WebSocket)',
    description:
      'A WebSocket of `round`, `bet` and `balance` events (docs/web.md); a token in the first message or the query sees its own bets and balance. Events are hints: refetch from the API after a reconnect.',
  },
};
