// How `colorbet start` stops: on SIGINT/SIGTERM to the process (from a terminal, a supervisor,
// or npm passing on Ctrl-C), or when the embedded PostgreSQL it started stops under it.
import type { Runtime } from './runtime.ts';

/**
 * Calls `shutdown` once: on SIGINT/SIGTERM, or when the embedded server this process started
 * stops under it (Ctrl-C reached it first, or it crashed; nothing can be served without it, so
 * the process stops too and a supervisor restarts both): exit 0 after a clean stop, 1 after a crash.
 */
export function shutdownOn(rt: Runtime, shutdown: (reason: string, code: number) => void): void {
  let fired = false;
  let firstAt = 0;
  const once = (reason: string, code: number) => {
    if (fired) return;
    fired = true;
    firstAt = Date.now();
    shutdown(reason, code);
  };
  // Listening for good, not once: a second SIGINT must not fall to Node's default and end the
  // process halfway through its shutdown. Ctrl-C on `npm start` sends two at once (the
  // terminal's, and the one npm forwards); only a repeat a while later means "stop now".
  const onSignal = (signal: NodeJS.Signals) => {
    if (!fired) return once(signal, 0);
    if (Date.now() - firstAt < 2000) return;
    rt.logger.warn(`${signal} again: exiting without waiting for the shutdown to finish`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void rt.databaseExited?.then((exit) => {
    if (fired) return;
    const clean = exit.code === 0;
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    rt.logger[clean ? 'warn' : 'error'](`embedded PostgreSQL stopped (${how}); shutting down`);
    once('embedded PostgreSQL stopped', clean ? 0 : 1);
  });
}
