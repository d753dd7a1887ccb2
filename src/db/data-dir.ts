// Who holds an embedded PostgreSQL data directory, read from the operating system rather than
// guessed: the PID in postmaster.pid, whether that process is alive, a zombie or gone, and
// which PostgreSQL processes are working in the directory. Every PostgreSQL process (postmaster
// and each backend) runs with the data directory as its working directory, so "a live process
// named postgres whose cwd is the data directory" is exactly "a server, or a leftover of one,
// still using it" (an operator's shell sitting in the directory is not).
//
// Nothing here deletes the lock file: PostgreSQL itself treats postmaster.pid as stale once the
// PID it names is gone and no process is attached to the old shared memory, so waiting for
// that moment is both safe and sufficient.
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';

export interface LockFile {
  pid: number;
  dataDir: string;
  port: number | undefined;
}

export type ProcessState = 'alive' | 'zombie' | 'gone';

export interface Holder {
  pid: number;
  state: ProcessState;
  /** The process's command name (/proc/PID/comm), when it can be read. */
  command: string | undefined;
  /** True when the process is a PostgreSQL process working in this data directory. */
  inDataDir: boolean;
}

/** postmaster.pid: line 1 the PID, line 2 the data directory, line 4 the port. */
export async function readLockFile(pgDir: string): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]?.trim());
  // A file cut short by a crash while it was written names no process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return { pid: 0, dataDir: lines[1] ?? '', port: undefined };
  const port = Number(lines[3]?.trim());
  return { pid, dataDir: lines[1] ?? '', port: Number.isSafeInteger(port) && port > 0 ? port : undefined };
}

export async function processState(pid: number): Promise<ProcessState> {
  if (pid <= 0) return 'gone';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return 'zombie';
  } catch {
    return 'gone';
  }
  return 'alive';
}

async function canonical(dir: string): Promise<string> {
  return realpath(dir).catch(() => path.resolve(dir));
}

async function cwdOf(pid: number): Promise<string | undefined> {
  return readlink(`/proc/${pid}/cwd`).catch(() => undefined);
}

async function commandOf(pid: number): Promise<string | undefined> {
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
  return comm?.trim() || undefined;
}

/** Live (not zombie) PostgreSQL processes whose working directory is `pgDir`. */
export async function processesInDataDir(pgDir: string): Promise<number[]> {
  const target = await canonical(pgDir);
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if ((await cwdOf(pid)) !== target || (await commandOf(pid)) !== 'postgres') continue;
    if ((await processState(pid)) === 'alive') found.push(pid);
  }
  return found;
}

/** What the process named by the lock file is now. */
export async function describeHolder(pgDir: string, pid: number): Promise<Holder> {
  const state = await processState(pid);
  const cwd = state === 'alive' ? await cwdOf(pid) : undefined;
  const command = state === 'gone' ? undefined : await commandOf(pid);
  return {
    pid,
    state,
    command,
    inDataDir: command === 'postgres' && cwd !== undefined && cwd === (await canonical(pgDir)),
  };
}
