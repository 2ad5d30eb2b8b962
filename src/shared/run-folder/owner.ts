// Who owns a run: the process recorded in run.json (pid on host). A run whose owner is gone will
// never record an ending by itself.
import { hostname } from 'node:os';
import type { RunRecord } from '../protocol';

export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when a queued or running run's owner has ended. Only decided on the owner's own machine:
 * a run on another machine sharing the runs folder (a cluster node, a remote) is left alone.
 * Records from before the host name was kept are judged on this machine, as they were then.
 */
export function isOwnerGone(record: RunRecord, isAlive: (pid: number) => boolean = isProcessAlive, thisHost = hostname()): boolean {
  if (record.status !== 'queued' && record.status !== 'running') return false;
  if (record.pid === undefined) return false;
  if (record.host !== undefined && record.host !== thisHost) return false;
  return !isAlive(record.pid);
}
