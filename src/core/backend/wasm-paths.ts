// Where the tfjs-backend-wasm binaries are. The build copies them to dist/wasm so a bundle
// (whose __dirname is dist/) and an installed .vsix find them without node_modules; from the
// source tree (tsx) they come from the package itself.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

const REQUIRED_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

/** Folders to look in, best first: `<bundleDir>/wasm`, then the installed package's dist/. */
export function wasmDirCandidates(bundleDir: string = __dirname): string[] {
  const candidates = [join(bundleDir, 'wasm')];
  try {
    candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // Package not resolvable from here (e.g. a bundle shipped without node_modules).
  }
  return candidates;
}

/** The first candidate holding the wasm binaries, with a trailing separator as setWasmPaths wants. */
export function findWasmDir(candidates: string[] = wasmDirCandidates()): string | undefined {
  const found = candidates.find((dir) => REQUIRED_FILES.every((file) => existsSync(join(dir, file))));
  if (found == null) return undefined;
  return found.endsWith(sep) || found.endsWith('/') ? found : found + sep;
}
