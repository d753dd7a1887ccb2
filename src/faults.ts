// Fault injection for crash tests, off unless its variable is set: a pause at a chosen
// point inside a money transaction, so a test can SIGKILL the process while the
// transaction is half-written and check that nothing was paid twice or lost.
export type FaultPoint = 'settle' | 'match';

const pauses: Record<FaultPoint, number> = {
  settle: Number(process.env.COLORBET_FAULT_PAUSE_SETTLE_MS ?? 0),
  match: Number(process.env.COLORBET_FAULT_PAUSE_MATCH_MS ?? 0),
};

export async function faultPause(point: FaultPoint, onPause?: () => void): Promise<void> {
  const ms = pauses[point];
  if (!(ms > 0)) return;
  onPause?.();
  await new Promise((r) => setTimeout(r, ms));
}
