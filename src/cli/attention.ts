// `distill-lab attention <runDir> --sample N [--out FILE]`: one validation sample's attention maps,
// teacher's and student's at the checkpoints the run's knowledge files come from, written as the
// attention view reads them (src/shared/attention-sample.ts). The dashboard's host runs it for a
// sample the run did not store; by default the file goes into the run's knowledge folder, where
// the host looks for it next time.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { computeAttentionSample } from '../core/run/attention-on-demand';
import { writeFileAtomic } from '../shared/fs-atomic';
import { BackendName } from '../shared/protocol';
import { attentionSampleFile, RunFolder } from '../shared/run-folder';

export const ATTENTION_USAGE = `distill-lab attention <RUN_FOLDER> --sample N [--out FILE] [--base-dir DIR] [--backend cpu|wasm|tfjs-node|auto]
  Validation sample N's attention maps (every layer and head) of each transformer of a finished text
  run, at the checkpoints its stored maps come from, as JSON (tokens, and per model its layers, heads
  and float32 maps in base64) into FILE (default RUN_FOLDER/${attentionSampleFile(0).replace('0.json', 'N.json')}).
  The run's data is prepared again as the run did: relative paths of its config resolve against
  --base-dir (default: the current folder). Default backend cpu.`;

export interface AttentionArgs {
  runDir: string;
  sample: number;
  out: string;
  baseDir: string;
  backend: BackendName;
}

/** Throws an Error naming the bad argument. */
export function parseAttentionArgs(args: string[]): AttentionArgs {
  const { values, positionals } = parseArgs({
    args,
    options: { sample: { type: 'string' }, out: { type: 'string' }, 'base-dir': { type: 'string' }, backend: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [runDir, ...rest] = positionals;
  if (runDir === undefined) throw new Error('expected a run folder after "attention"');
  if (rest.length > 0) throw new Error(`unexpected argument: ${rest[0]}`);
  if (values.sample === undefined) throw new Error('--sample: expected a validation sample number');
  if (!/^\d+$/.test(values.sample.trim())) throw new Error(`--sample: expected a whole number ≥ 0, got "${values.sample}"`);
  const backend = BackendName.safeParse(values.backend ?? 'cpu');
  if (!backend.success) throw new Error(`--backend: expected one of ${BackendName.options.join(', ')}, got "${values.backend}"`);
  const sample = Number(values.sample);
  const dir = resolve(runDir);
  return { runDir: dir, sample, out: resolve(values.out ?? new RunFolder(dir).path(attentionSampleFile(sample))), baseDir: resolve(values['base-dir'] ?? '.'), backend: backend.data };
}

/** Writes the file (temp + rename: two requests for one sample may race) and prints its path. */
export async function attentionCommand(parsed: AttentionArgs): Promise<number> {
  const maps = await computeAttentionSample(parsed.runDir, parsed.sample, { baseDir: parsed.baseDir, backend: parsed.backend });
  writeFileAtomic(parsed.out, `${JSON.stringify(maps)}\n`);
  process.stdout.write(`${parsed.out}\n`);
  return 0;
}
