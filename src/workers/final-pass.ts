// The final pass of one CLOSED round, one bounded pass per transaction; once a pass finds the
// book complete (no bets can arrive in a CLOSED round) the round moves to SETTLING and the
// settle worker is woken.
import { claimNextClosedRound, forgetFailures } from '../betting/quarantine.ts';
import { markSettling } from '../betting/round-lifecycle.ts';
import { reportPass } from './match-report.ts';
import { matchRound, type MatchDeps } from './match-rounds.ts';
import { onBehalfOfRound } from './round-failures.ts';

export async function finalPass(deps: MatchDeps): Promise<boolean> {
  // A round whose final pass keeps failing goes to the back of the line, then to quarantine.
  const done = await onBehalfOfRound(deps, 'final pass', async (client, takeUp) => {
    const roundId = await claimNextClosedRound(client);
    if (roundId === undefined) return undefined;
    takeUp(roundId);
    const pass = await matchRound(client, roundId, deps.books);
    if (!pass.more) {
      await markSettling(client, roundId);
      deps.books?.forget(roundId);
    }
    await forgetFailures(client, roundId);
    return [roundId, pass] as const;
  });
  if (!done) return false;
  const [roundId, pass] = done;
  reportPass(deps, roundId, pass);
  if (!pass.more) {
    deps.events.publish([
      { type: 'round', roundId: roundId.toString(), status: 'SETTLING' },
      { type: 'wake', worker: 'settle' },
    ]);
  }
  return true;
}
