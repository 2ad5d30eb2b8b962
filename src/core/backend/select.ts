import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { useFastWasmReads } from './wasm-read';
import { findWasmDir, wasmDirCandidates } from './wasm-paths';
import { loadNativeBackend, type NativeLoad } from './native';
import { nativeBackendsDir } from '../../shared/native-backend';

export type BackendPreference = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendPreference, 'auto'>;

export interface BackendAttempt {
  name: string;
  error?: string;
}

export interface BackendChoice {
  /** The backend in use, named as in the `distill.backend` setting. */
  backend: BackendName;
  /** What a run records (run.json, summary.json, its started event): the name, or tfjs-node-gpu for the GPU build. */
  label: string;
  attempts: BackendAttempt[];
  /** For tfjs-node: the package that loaded, and from where. */
  native?: NativeLoad;
}

export interface BackendOptions {
  /** Where an installed native backend is looked for; default $DISTILL_LAB_BACKENDS_DIR, else ~/.distill-lab/backends. */
  nativeBackendsDir?: string;
}

const AUTO_ORDER: BackendName[] = ['tfjs-node', 'wasm', 'cpu'];

/** tfjs's own name for each backend. */
const TFJS_NAME: Record<BackendName, string> = { 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/**
 * Makes the preferred backend current. `auto` takes the first of tfjs-node, wasm, cpu that
 * starts; an explicit choice that cannot start throws. Safe to call again in one process.
 */
export async function initBackend(preference: BackendPreference, log: (message: string) => void, options: BackendOptions = {}): Promise<BackendChoice> {
  if (preference !== 'auto' && !AUTO_ORDER.includes(preference)) {
    throw new Error(`Unknown backend '${String(preference)}'; expected auto, ${AUTO_ORDER.join(', ')}`);
  }
  const candidates = preference === 'auto' ? AUTO_ORDER : [preference];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const native = await start(name, log, options.nativeBackendsDir ?? nativeBackendsDir());
      const skipped = attempts.map((a) => ` - ${a.name} unavailable: ${a.error}`).join('');
      attempts.push({ name });
      const origin = native ? ` [${native.name}${native.version ? ` ${native.version}` : ''} from ${native.from ?? "the engine's node_modules"}]` : '';
      log(`TensorFlow.js backend: ${name}${origin} (${preference === 'auto' ? 'auto' : 'as configured'})${skipped}`);
      const label = native?.variant === 'gpu' ? 'tfjs-node-gpu' : name;
      return native ? { backend: name, label, attempts, native } : { backend: name, label, attempts };
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      attempts.push({ name, error: cause });
      if (preference !== 'auto') throw new Error(`Backend '${name}' could not be started: ${cause}`);
    }
  }
  // cpu ships with the extension, so this means tfjs itself is broken.
  throw new Error(`No TensorFlow.js backend could be started: ${attempts.map((a) => `${a.name}: ${a.error}`).join('; ')}`);
}

async function start(name: BackendName, log: (message: string) => void, nativeDir: string): Promise<NativeLoad | undefined> {
  const native = name === 'tfjs-node' ? loadNativeBackend(nativeDir) : undefined;
  if (name === 'wasm') prepareWasm(log);
  const tfjsName = TFJS_NAME[name];
  if (tf.findBackendFactory(tfjsName) == null) {
    throw new Error(`no '${tfjsName}' backend registered with this copy of @tensorflow/tfjs-core (is a second copy installed?)`);
  }
  // tfjs reports a failed start only as a console warning and `false`.
  if (!(await tf.setBackend(tfjsName))) throw new Error(`tf.setBackend('${tfjsName}') failed; see the warning above`);
  await tf.ready();
  if (name === 'wasm') useFastWasmReads(tf.backend() as BackendWasm);
  return native;
}

let wasmPathsSet = false;

function prepareWasm(log: (message: string) => void): void {
  if (!wasmPathsSet) {
    const dir = findWasmDir();
    if (dir == null) throw new Error(`WASM binaries not found in ${wasmDirCandidates().join(' or ')}`);
    setWasmPaths(dir);
    wasmPathsSet = true;
  }
  registerWasmTrainingKernels(log);
}
