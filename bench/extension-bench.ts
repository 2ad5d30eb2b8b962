// The extension-host side of `npm run bench:extension` (scripts/bench-extension.mjs): loaded by
// VS Code's extension host as extensionTestsPath, so it runs in the same process and event loop
// as the extension. Measures activate() as the host sees it (module load + activate), the
// event-loop delay (perf_hooks.monitorEventLoopDelay) while idle and while a run trains with the
// dashboard open on it, and writes JSON to $DISTILL_BENCH_OUT. A bench, not a test.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { DistillApi } from '../src/host/extension';
import type { ExperimentConfigInput } from '../src/shared/protocol';

const EXTENSION_ID = 'distill-lab.distill-lab';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const RESOLUTION_MS = 10;

/** Node's histogram holds the whole interval between its 10 ms timer's firings; `excess` is the delay beyond those 10 ms. */
function summary(h: IntervalHistogram, ms: number) {
  const toMs = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
  const over = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  return {
    resolutionMs: RESOLUTION_MS,
    excess: { p50: over(h.percentile(50)), p99: over(h.percentile(99)), max: over(h.max) },
    windowMs: Math.round(ms),
    samples: h.count,
    p50: toMs(h.percentile(50)),
    p90: toMs(h.percentile(90)),
    p99: toMs(h.percentile(99)),
    max: toMs(h.max),
    mean: toMs(h.mean),
  };
}

async function measure<T>(action: () => Promise<T>) {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const started = performance.now();
  h.enable();
  const value = await action();
  h.disable();
  return { value, delay: summary(h, performance.now() - started) };
}

export async function run(): Promise<void> {
  const out = process.env.DISTILL_BENCH_OUT;
  const config = JSON.parse(process.env.DISTILL_BENCH_CONFIG ?? '{}') as ExperimentConfigInput;
  const ext = vscode.extensions.getExtension<DistillApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  const wasActive = ext.isActive;
  const t0 = performance.now();
  const api = await ext.activate();
  const hostActivateMs = performance.now() - t0;

  const idle = await measure(() => sleep(3000));
  const training = await measure(async () => {
    const started = performance.now();
    const runDir = await vscode.commands.executeCommand<string>('distill.runKnowledgeDistillation', config);
    if (!runDir) throw new Error('the command started no run');
    await vscode.commands.executeCommand('distill.openDashboard', { runDir });
    // The store follows the runs folder by itself; a forced re-read only every 2 s keeps the probe out of the measure.
    for (let i = 1; ; i++) {
      if (i % 8 === 0) api.store.refresh();
      const status = api.store.find(runDir)?.record.status;
      if (status && !['queued', 'running'].includes(status)) return { runDir, status, trainMs: Math.round(performance.now() - started) };
      if (performance.now() - started > 150_000) return { runDir, status: `timeout (${status})`, trainMs: Math.round(performance.now() - started) };
      await sleep(250);
    }
  });
  const result = {
    activation: { wasActiveBefore: wasActive, hostActivateMs: Math.round(hostActivateMs * 10) / 10, activateBodyMs: Math.round(api.activationMs * 10) / 10 },
    eventLoopDelayMs: { idle: idle.delay, training: training.delay },
    run: training.value,
  };
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  if (training.value.status !== 'completed') throw new Error(`the run ended ${training.value.status}`);
}
