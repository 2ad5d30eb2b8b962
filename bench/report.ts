import { cpus, platform, release, arch, totalmem } from 'node:os';
import type { BenchCase } from './cases';
import type { TfjsCaseResult } from './tfjs-steps';
import type { TorchCaseResult, TorchOutcome, TorchRun } from './torch-runner';

export interface BenchCaseReport {
  id: string;
  label: string;
  tfjs: TfjsCaseResult;
  torch: TorchCaseResult | null;
  /** tfjs ÷ torch; null without torch. */
  ratio: { samplesPerSec: number; samplesPerCpuSec: number } | null;
}

export interface BenchReport {
  date: string;
  /** The TensorFlow.js backend that ran. */
  backend: string;
  backendRequested: string;
  backendAttempts: unknown;
  settings: { batchSize: number; warmup: number; steps: number | 'auto'; repeats: number; targetRepSec: number; torchThreads: number };
  versions: Record<string, string>;
  machine: { cpuModel: string; cpuCount: number; platform: string; release: string; arch: string; totalMemGiB: number };
  torch: { ran: true; version: string; python: string; threads: number; mkldnn: boolean; blas: TorchRun['blas']; ldLibraryPath: string | null; wallSec: number } | { ran: false; reason: string };
  /**
   * Other work on the machine while we measured: the load average at the start, and the share of
   * all cores busy with something other than the bench during the tfjs and the torch phase.
   */
  load: { loadAverageAtStart: number[]; backgroundShareTfjs: number; backgroundShareTorch: number | null };
  cases: BenchCaseReport[];
  wallSec: number;
}

export function machineInfo(): BenchReport['machine'] {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    platform: platform(),
    release: release(),
    arch: arch(),
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

export function combineCases(cases: BenchCase[], tfjs: TfjsCaseResult[], torch: TorchOutcome): BenchCaseReport[] {
  return cases.map((c) => {
    const t = tfjs.find((r) => r.id === c.id)!;
    const p = torch.ran ? (torch.run.cases.find((r) => r.id === c.id) ?? null) : null;
    const ratio = p ? { samplesPerSec: t.samplesPerSec / p.samplesPerSec, samplesPerCpuSec: t.samplesPerCpuSec / p.samplesPerCpuSec } : null;
    return { id: c.id, label: c.label, tfjs: t, torch: p, ratio };
  });
}

function table(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const num = (v: number | undefined) => (v == null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (v: number | undefined) => (v == null ? '-' : `${v.toFixed(2)}×`);

/** The human-readable summary printed at the end of a run. */
export function formatReport(report: BenchReport): string {
  const header = ['case', 'tfjs ms/step', 'tfjs smp/s', 'tfjs smp/CPU-s', 'torch smp/s', 'torch smp/CPU-s', 'tfjs/torch wall', 'tfjs/torch CPU'];
  const rows = report.cases.map((c) => [
    c.tfjs.coldOnly || c.torch?.coldOnly ? `${c.label} *` : c.label,
    num(c.tfjs.msPerStep),
    num(c.tfjs.samplesPerSec),
    num(c.tfjs.samplesPerCpuSec),
    num(c.torch?.samplesPerSec),
    num(c.torch?.samplesPerCpuSec),
    ratio(c.ratio?.samplesPerSec),
    ratio(c.ratio?.samplesPerCpuSec),
  ]);
  const lines = [
    `Distill Lab bench — batch ${report.settings.batchSize}, Adam, synthetic 28×28×1 / 10 classes; medians of ${report.settings.repeats} timed repetitions per case`,
    `machine: ${report.machine.cpuModel} ×${report.machine.cpuCount}, ${report.machine.platform} ${report.machine.release}; node ${report.versions.node}, tfjs ${report.versions['tfjs-core']}`,
    `tfjs backend: ${report.backend}${report.backendRequested !== report.backend ? ` (asked for ${report.backendRequested})` : ''}`,
  ];
  if (report.torch.ran) {
    const t = report.torch;
    const core = t.blas.openblasCore ? `, OpenBLAS core ${t.blas.openblasCore}${t.blas.openblasThreads != null ? `, ${t.blas.openblasThreads} BLAS threads` : ''}` : '';
    lines.push(`torch: ${t.version} (python ${t.python}), ${t.threads} threads, oneDNN ${t.mkldnn ? 'on' : 'off'}`);
    lines.push(`torch BLAS: ${t.blas.summary}${core}`);
  } else {
    lines.push(`torch: skipped — ${report.torch.reason}`);
  }
  const { load } = report;
  const busy = Math.max(load.backgroundShareTfjs, load.backgroundShareTorch ?? 0);
  const pct = (v: number | null) => (v == null ? '-' : `${Math.round(v * 100)}%`);
  lines.push(`other load: ${pct(load.backgroundShareTfjs)} of the cores during tfjs, ${pct(load.backgroundShareTorch)} during torch (load average at start ${load.loadAverageAtStart.join(' ')})`);
  if (busy > 0.15) lines.push('warning: other processes were using the CPU; the numbers are low, the multi-threaded ones (torch) most.');
  lines.push('', table(header, rows, header.map((_, i) => i > 0)));
  if (report.cases.some((c) => c.tfjs.coldOnly || c.torch?.coldOnly)) lines.push('* too slow to repeat: one un-warmed step only.');
  const leaks = report.cases.filter((c) => c.tfjs.leakedTensors > 0);
  if (leaks.length) lines.push('', `warning: tensors leaked by ${leaks.map((c) => `${c.id} (${c.tfjs.leakedTensors})`).join(', ')}`);
  lines.push('', `ratios > 1 mean tfjs is faster; smp/CPU-s counts every thread's CPU time (user + system). Bench took ${report.wallSec.toFixed(0)} s.`);
  return lines.join('\n');
}
