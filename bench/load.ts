import { cpus, loadavg } from 'node:os';

/** CPU time of the whole machine so far (every core), from /proc/stat via os.cpus(). */
export interface MachineSnapshot {
  busySec: number;
  wallMs: number;
  cores: number;
}

export function machineSnapshot(): MachineSnapshot {
  const list = cpus();
  const busyMs = list.reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  return { busySec: busyMs / 1000, wallMs: performance.now(), cores: list.length };
}

/**
 * Share of the machine's cores that something else kept busy between two snapshots: the
 * machine's busy CPU time minus `ownCpuSec` (ours and our subprocess's), over wall × cores.
 * Timings taken while this is well above 0 are slowed by other work, multi-threaded ones most.
 */
export function backgroundShare(from: MachineSnapshot, to: MachineSnapshot, ownCpuSec: number): number {
  const wallSec = (to.wallMs - from.wallMs) / 1000;
  if (wallSec <= 0) return 0;
  const other = to.busySec - from.busySec - ownCpuSec;
  return Math.min(1, Math.max(0, other / (wallSec * to.cores)));
}

export function loadAverage(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}
