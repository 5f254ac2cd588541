import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface LockInfo {
  pid: number;
  url: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack already running, if its lock names a live process (a stale lock is ignored). */
export function runningStack(lockFile: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockFile, 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && info.pid !== process.pid && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function takeLock(lockFile: string, url: string): () => void {
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, url } satisfies LockInfo));
  return () => rmSync(lockFile, { force: true });
}
