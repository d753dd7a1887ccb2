// Advisory lock keys per round. "state" is taken shared by every bet placement and cancel,
// and exclusively by close and void, so a round cannot close under an in-flight bet while
// bets never queue behind each other. "match" is exclusive: one matching pass per round at
// a time, so two match workers can never match the same amount twice.
const STATE = 1n << 56n;
const MATCH = 2n << 56n;

export const roundStateLock = (roundId: bigint): bigint => STATE | roundId;
export const roundMatchLock = (roundId: bigint): bigint => MATCH | roundId;
/** Held for as long as a process is the scheduler (session lock: released if it dies). */
export const SCHEDULER_LOCK = 3n << 56n;
