import { cpus, platform, release, arch, totalmem } from 'node:os';
import { describeOptimizer, describeWorkload, threadsOf, type BenchCase, type CaseParams, type ParamCount } from './cases';
import { isTfjsCaseError, type TfjsCaseError, type TfjsCaseResult } from './tfjs-steps';
import { isTorchCaseError, type TorchCaseResult, type TorchOutcome, type TorchRun } from './torch-runner';

export interface BenchCaseReport {
  id: string;
  label: string;
  /** [H, W, C] of the synthetic input ([L] token ids for text), classes and batch size of the case. */
  inputShape: number[];
  /** Text cases: the vocabulary size of the token ids. */
  vocabSize?: number;
  numClasses: number;
  batchSize: number;
  /** Cores the case used: the engine's data-parallel threads, and PyTorch's intra-op threads (the same count). */
  threads: number;
  optimizer: BenchCase['optimizer'];
  /** The engine's measurement; null when the case failed there (see tfjsError). */
  tfjs: TfjsCaseResult | null;
  /** Why the engine did not time the case. */
  tfjsError: string | null;
  /** The engine's parameter counts (null when its models could not be built). */
  engineParams: CaseParams | null;
  torch: TorchCaseResult | null;
  /** PyTorch's parameter counts, when it reported them (also when it refused the case). */
  torchParams: CaseParams | null;
  /** Engine and PyTorch models count the same parameters and buffers ('match'), or not; 'unchecked' without torch. */
  paramCheck: 'match' | 'mismatch' | 'unchecked';
  /** Why PyTorch did not time the case (a parameter mismatch, an error). */
  torchError: string | null;
  /** tfjs ÷ torch; null without torch. */
  ratio: { samplesPerSec: number; samplesPerCpuSec: number } | null;
}

export interface BenchReport {
  date: string;
  /** The TensorFlow.js backend that ran. */
  backend: string;
  backendRequested: string;
  backendAttempts: unknown;
  settings: { warmup: number; steps: number | 'auto'; repeats: number; targetRepSec: number; torchThreads: number };
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

const sameCount = (a: ParamCount | null, b: ParamCount | null) => (a == null && b == null) || (a != null && b != null && a.trainable === b.trainable && a.nonTrainable === b.nonTrainable);

export function paramsMatch(engine: CaseParams, torch: CaseParams): boolean {
  return sameCount(engine.model, torch.model) && sameCount(engine.teacher, torch.teacher);
}

const thousands = (n: number) => n.toLocaleString('en-US');

/** '278,324 (+1,344 BN stats)', teacher after a slash. */
export function formatParams(params: CaseParams): string {
  const one = (p: ParamCount) => `${thousands(p.trainable)}${p.nonTrainable ? ` (+${thousands(p.nonTrainable)} BN stats)` : ''}`;
  return `params ${one(params.model)}${params.teacher ? `, teacher ${one(params.teacher)}` : ''}`;
}

export function combineCases(cases: BenchCase[], tfjs: (TfjsCaseResult | TfjsCaseError)[], torch: TorchOutcome): BenchCaseReport[] {
  return cases.map((c) => {
    const tEntry = tfjs.find((r) => r.id === c.id)!;
    const t = isTfjsCaseError(tEntry) ? null : tEntry;
    const tfjsError = isTfjsCaseError(tEntry) ? tEntry.error : null;
    const engineParams = tEntry.params;
    const entry = torch.ran ? (torch.run.cases.find((r) => r.id === c.id) ?? null) : null;
    let torchError: string | null = null;
    let p: TorchCaseResult | null = null;
    if (entry && isTorchCaseError(entry)) torchError = entry.error;
    else p = entry;
    if (torch.ran && !entry) torchError = 'bench_torch.py reported nothing for this case';
    const torchParams = entry?.params ?? null;
    const paramCheck = torchParams == null || engineParams == null ? 'unchecked' : paramsMatch(engineParams, torchParams) ? 'match' : 'mismatch';
    // A case whose models differ is not a comparison: no ratio, and the run fails (run-bench.ts).
    if (paramCheck === 'mismatch') {
      torchError ??= 'parameter counts differ from the engine';
      p = null;
    }
    const ratio = p && t ? { samplesPerSec: t.samplesPerSec / p.samplesPerSec, samplesPerCpuSec: t.samplesPerCpuSec / p.samplesPerCpuSec } : null;
    const { inputShape, numClasses, batchSize, vocabSize } = c.workload;
    return {
      id: c.id,
      label: c.label,
      inputShape,
      ...(vocabSize != null ? { vocabSize } : {}),
      numClasses,
      batchSize,
      threads: threadsOf(c),
      optimizer: c.optimizer,
      tfjs: t,
      tfjsError,
      engineParams,
      torch: p,
      torchParams,
      paramCheck,
      torchError,
      ratio,
    };
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
  const header = ['case', 'input/classes', 'batch', 'threads', 'optimizer', 'tfjs ms/step', 'tfjs smp/s', 'tfjs smp/CPU-s', 'torch smp/s', 'torch smp/CPU-s', 'tfjs/torch wall', 'tfjs/torch CPU'];
  const rows = report.cases.map((c) => [
    c.tfjs?.coldOnly || c.torch?.coldOnly ? `${c.label} *` : c.label,
    describeWorkload({ name: '', inputShape: c.inputShape, numClasses: c.numClasses, batchSize: c.batchSize, vocabSize: c.vocabSize }),
    String(c.batchSize),
    c.tfjs?.plan.includes('teachers ahead') ? `${c.threads}†` : String(c.threads),
    describeOptimizer(c.optimizer),
    c.tfjsError ? 'FAILED' : num(c.tfjs?.msPerStep),
    num(c.tfjs?.samplesPerSec),
    num(c.tfjs?.samplesPerCpuSec),
    c.torchError ? 'FAILED' : num(c.torch?.samplesPerSec),
    num(c.torch?.samplesPerCpuSec),
    ratio(c.ratio?.samplesPerSec),
    ratio(c.ratio?.samplesPerCpuSec),
  ]);
  const lines = [
    `Distill Lab bench — one training step per case on a fixed synthetic batch (input, classes, batch and optimiser per case); medians of ${report.settings.repeats} timed repetitions per case`,
    `machine: ${report.machine.cpuModel} ×${report.machine.cpuCount}, ${report.machine.platform} ${report.machine.release}; node ${report.versions.node}, tfjs ${report.versions['tfjs-core']}`,
    `tfjs backend: ${report.backend}${report.backendRequested !== report.backend ? ` (asked for ${report.backendRequested})` : ''}`,
  ];
  if (report.torch.ran) {
    const t = report.torch;
    const core = t.blas.openblasCore ? `, OpenBLAS core ${t.blas.openblasCore}${t.blas.openblasThreads != null ? `, ${t.blas.openblasThreads} BLAS threads` : ''}` : '';
    lines.push(`torch: ${t.version} (python ${t.python}), each case on its own thread count (the engine's), oneDNN ${t.mkldnn ? 'on' : 'off'}`);
    lines.push(`torch BLAS: ${t.blas.summary}${core}`);
  } else {
    lines.push(`torch: skipped — ${report.torch.reason}`);
  }
  const { load } = report;
  const busy = Math.max(load.backgroundShareTfjs, load.backgroundShareTorch ?? 0);
  const pct = (v: number | null) => (v == null ? '-' : `${Math.round(v * 100)}%`);
  lines.push(`other load: ${pct(load.backgroundShareTfjs)} of the cores during tfjs, ${pct(load.backgroundShareTorch)} during torch (load average at start ${load.loadAverageAtStart.join(' ')})`);
  if (busy > 0.15) lines.push('warning: other processes were using the CPU; the numbers are low, the multi-threaded ones (torch) most.');
  lines.push(
    '',
    table(
      header,
      rows,
      header.map((_, i) => i > 4 || i === 2 || i === 3),
    ),
  );
  if (report.cases.some((c) => c.tfjs?.coldOnly || c.torch?.coldOnly)) lines.push('* too slow to repeat: one un-warmed step only.');
  if (report.cases.some((c) => c.tfjs?.plan.includes('teachers ahead')))
    lines.push("† KD with augmentation: one of the engine's threads runs the teacher a batch ahead, the others are student replicas.");
  lines.push('', 'parameters (trainable, + BN moving statistics), engine vs PyTorch:');
  for (const c of report.cases) {
    const check = c.paramCheck === 'match' ? 'same' : c.paramCheck === 'mismatch' ? 'MISMATCH' : `not checked (${c.engineParams ? 'no torch counts' : 'no engine counts'})`;
    lines.push(`  ${c.id}: engine ${c.engineParams ? formatParams(c.engineParams) : '-'}${c.torchParams ? ` | torch ${formatParams(c.torchParams)}` : ''} — ${check}`);
  }
  const errors = report.cases.flatMap((c) => [
    ...(c.tfjsError ? [`ERROR ${c.id}: the engine's step failed — ${c.tfjsError}`] : []),
    ...(c.torchError ? [`ERROR ${c.id}: PyTorch side not compared — ${c.torchError}`] : []),
  ]);
  if (errors.length) lines.push('', ...errors);
  const leaks = report.cases.filter((c) => (c.tfjs?.leakedTensors ?? 0) > 0);
  if (leaks.length) lines.push('', `warning: tensors leaked by ${leaks.map((c) => `${c.id} (${c.tfjs?.leakedTensors})`).join(', ')}`);
  lines.push(
    '',
    `threads: the cores a case used — the engine's data-parallel replicas (each a share of the batch, batch-norm statistics per replica), PyTorch's intra-op threads; each ratio compares the same count.`,
    `ratios > 1 mean tfjs is faster; smp/CPU-s counts every thread's CPU time (user + system). Bench took ${report.wallSec.toFixed(0)} s.`,
  );
  return lines.join('\n');
}
