// `distill-lab backend install|status`: the native backend (@tensorflow/tfjs-node) installed with
// npm into a folder of its own, and whether a run would load it from there.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend';
import { installedNativePackages, installNativeBackend, nativeBackendsDir, NATIVE_BACKENDS_ENV, NATIVE_PACKAGES, NATIVE_VERSION } from '../shared/native-backend';

export const BACKEND_USAGE = `distill-lab backend install [--gpu] [--dir DIR]
  Installs ${NATIVE_PACKAGES.cpu} ${NATIVE_VERSION} (--gpu: ${NATIVE_PACKAGES.gpu}) with npm into DIR
  (default $${NATIVE_BACKENDS_ENV}, else ~/.distill-lab/backends), where runs look for it:
  --backend tfjs-node then works and auto prefers it. npm's registry and proxy settings apply; the
  package's install script downloads libtensorflow. Exit code 0 once the backend loads.
  distill-lab backend status [--dir DIR]
  Which native package DIR holds and whether it loads (exit code 0) or why not (1).`;

export interface BackendArgs {
  action: 'install' | 'status';
  gpu: boolean;
  dir: string;
}

/** Throws an Error naming the bad argument. */
export function parseBackendArgs(args: string[], env: NodeJS.ProcessEnv = process.env): BackendArgs {
  const { values, positionals } = parseArgs({ args, options: { gpu: { type: 'boolean' }, dir: { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, ...rest] = positionals;
  if (action !== 'install' && action !== 'status') throw new Error(`expected "install" or "status" after "backend", got ${action === undefined ? 'nothing' : `"${action}"`}`);
  if (rest.length > 0) throw new Error(`unexpected argument: ${rest[0]}`);
  if (values.gpu && action !== 'install') throw new Error('--gpu applies to "backend install" only');
  if (values.dir !== undefined && values.dir.trim() === '') throw new Error('--dir: expected a folder, got an empty value');
  return { action, gpu: values.gpu ?? false, dir: values.dir ?? nativeBackendsDir(env) };
}

const print = (text: string) => process.stdout.write(text);
const say = (text: string) => process.stderr.write(text);

export async function backendCommand(parsed: BackendArgs): Promise<number> {
  if (parsed.action === 'status') return status(parsed.dir);
  const aborter = new AbortController();
  const onSigint = () => aborter.abort();
  process.once('SIGINT', onSigint);
  say(`installing the native backend into ${parsed.dir}…\n`);
  try {
    const outcome = await installNativeBackend({ dir: parsed.dir, variant: parsed.gpu ? 'gpu' : 'cpu', nodePath: process.execPath, onOutput: say, signal: aborter.signal });
    if (!outcome.ok) {
      say(`error: ${outcome.spec} was not installed: ${outcome.reason}\nRuns carry on with WASM (backend auto).\n`);
      return outcome.cancelled ? 130 : 1;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return status(parsed.dir);
}

/** What a run with `--backend tfjs-node` would get from `dir`, proven by one computation. */
async function status(dir: string): Promise<number> {
  const installed = installedNativePackages(dir);
  print(`native backends folder: ${dir}\n`);
  print(`installed: ${installed.length > 0 ? installed.map((p) => `${p.name} ${p.version}`).join(', ') : 'nothing'}\n`);
  try {
    const choice = await initBackend('tfjs-node', () => {}, { nativeBackendsDir: dir });
    const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]);
    if (sum !== 6) throw new Error(`it computed 1 + 2 + 3 = ${sum}`);
    const native = choice.native;
    print(
      `tfjs-node: loads${native ? ` (${native.name}${native.version ? ` ${native.version}` : ''} from ${native.from ?? "the engine's node_modules"})` : ''}; runs with backend auto or tfjs-node use it\n`,
    );
    return 0;
  } catch (error) {
    print(`tfjs-node: does not load: ${(error as Error).message}\nRuns with backend auto use WASM.\n`);
    return 1;
  }
}
