// Loading the native backend (@tensorflow/tfjs-node, or -gpu) from the folder it was installed
// into on request (../../shared/native-backend), else from beside the engine (the source tree's
// optional dependency). A package in that folder brings its own @tensorflow/* copies; a backend
// registered with a second tfjs-core would be invisible to this one, so the packages this engine
// has itself are resolved to its own copies for every file in that folder: one engine, one
// registry of backends and kernels.
import * as tf from '@tensorflow/tfjs-core';
import Module, { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { installedNativePackages, NATIVE_PACKAGES, type InstalledNativePackage, type NativeVariant } from '../../shared/native-backend';

/** What loaded, for the run's log. */
export interface NativeLoad {
  name: string;
  variant: NativeVariant;
  version?: string;
  /** The folder it came from, or undefined for the engine's own node_modules. */
  from?: string;
}

/** Packages resolved to the engine's own copy when a file in a backends folder asks for them. */
const SHARED_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];

const INSTALL_HINT = 'Distill: Install Native Backend, or distill-lab backend install';

/**
 * Loads the first native package that loads: from `dir` (GPU before CPU), then from the engine's
 * own node_modules. Throws one error naming every place tried and why each failed.
 */
export function loadNativeBackend(dir: string): NativeLoad {
  const problems: string[] = [];
  const installed = installedNativePackages(dir);
  for (const found of installed) {
    try {
      loadFromFolder(found);
      return { name: found.name, variant: found.variant, version: found.version, from: dir };
    } catch (error) {
      problems.push(`${found.name} ${found.version} in ${dir}: ${firstLine(error)}`);
    }
  }
  if (installed.length === 0) problems.push(`not installed in ${dir} (${INSTALL_HINT})`);
  try {
    // A plain require at run time: bundles mark @tensorflow/* external, and the optional
    // native package is often absent, which must be a fallback, not a crash at load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: an optional native package, loaded late
    require(NATIVE_PACKAGES.cpu);
    return { name: NATIVE_PACKAGES.cpu, variant: 'cpu' };
  } catch (error) {
    problems.push(`nor beside the engine (${firstLine(error)})`);
  }
  throw new Error(`${NATIVE_PACKAGES.cpu} could not be loaded: ${problems.join('; ')}`);
}

function loadFromFolder(found: InstalledNativePackage): void {
  // Its binding and libtensorflow are built against this tfjs-core version's kernels and ops.
  if (found.version !== tf.version_core) {
    throw new Error(`version ${found.version} does not match this engine's tfjs-core ${tf.version_core}; install it again (${INSTALL_HINT})`);
  }
  redirectSharedPackages(found.prefix);
  const entry = createRequire(join(found.prefix, 'package.json')).resolve(found.name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a package installed at run time, by path
  require(entry);
}

type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
const redirected = new Set<string>();

function redirectSharedPackages(prefix: string): void {
  const root = join(prefix, 'node_modules') + sep;
  if (redirected.has(root)) return;
  redirected.add(root);
  const own = new Map<string, string>();
  for (const name of SHARED_PACKAGES) {
    try {
      own.set(name, require.resolve(name));
    } catch {
      // not part of this engine: the folder's own copy serves
    }
  }
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, parent, ...rest) {
    const target = own.get(request);
    if (target !== undefined && parent?.filename?.startsWith(root)) return target;
    return original.call(this, request, parent, ...rest);
  };
}

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}
