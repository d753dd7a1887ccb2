// `npm start` as an operator runs it: its own process group (the service and the embedded
// PostgreSQL it starts), so a test can do what a supervisor or a terminal does to the group.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpOk } from '../../scripts/lib/ports.ts';
import { cliEnv } from './process.ts';
import { sleep } from './util.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Service {
  child: ChildProcess;
  output: { text: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** A signal to every process of the group, as a supervisor (SIGKILL) or Ctrl-C (SIGINT) does. */
  signalGroup(signal: NodeJS.Signals): void;
}

/**
 * `npm start`, or with `direct` the command it runs (`node bin/colorbet.js start`): npm itself
 * answers a SIGINT to its group with its own exit status 130, whatever the service did, so a
 * test of the service's exit status runs it directly.
 */
export function startService(env: Record<string, string>, how: 'npm' | 'direct' = 'npm'): Service {
  const [command, args] =
    how === 'npm' ? ['npm', ['start']] : [process.execPath, ['bin/colorbet.js', 'start']];
  const child = spawn(command as string, args as string[], {
    cwd: ROOT,
    env: cliEnv(env),
    detached: true,
    stdio: 'pipe',
  });
  const output = { text: '' };
  child.stdout?.on('data', (d: Buffer) => (output.text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output.text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output,
    exited,
    signalGroup: (signal) => {
      try {
        process.kill(-(child.pid ?? 0), signal);
      } catch {
        // the group is already gone
      }
    },
  };
}

/** Resolves once /readyz answers 200; throws with the service's output if it exits or takes too long. */
export async function waitReady(service: Service, baseUrl: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let exited = false;
  void service.exited.then(() => (exited = true));
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`the service exited before it was ready:\n${service.output.text}`);
    const ok = await httpOk(`${baseUrl}/readyz`).catch(() => false);
    if (ok) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`the service was not ready after ${timeoutMs} ms:\n${service.output.text}`);
}

/** Lines that must never appear in a service's output, whatever happened to it. */
export const UNCLEAN_OUTPUT =
  /uncaught|unhandled|Unhandled 'error' event|\[object Object\]|colorbet: undefined|"level":(50|60)/i;
