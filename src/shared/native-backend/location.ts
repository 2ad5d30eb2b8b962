// Where the native backend (@tensorflow/tfjs-node) lives when it is installed on request: a folder
// of its own outside the extension (which updates replace), one npm prefix per variant inside it
// (<dir>/tfjs-node/node_modules/@tensorflow/tfjs-node, <dir>/tfjs-node-gpu/…), so installing one
// never disturbs the other. The extension uses its global storage; the CLI and a trainer started
// without the extension use $DISTILL_LAB_BACKENDS_DIR, else ~/.distill-lab/backends.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { optionalDependencies } from '../../../package.json';

/** The environment variable naming the folder; the host sets it for every trainer it starts. */
export const NATIVE_BACKENDS_ENV = 'DISTILL_LAB_BACKENDS_DIR';

/** npm's package for each variant. Both register the same TensorFlow.js backend, `tensorflow`. */
export const NATIVE_PACKAGES = { cpu: '@tensorflow/tfjs-node', gpu: '@tensorflow/tfjs-node-gpu' } as const;
export type NativeVariant = keyof typeof NATIVE_PACKAGES;

/** The version installed: the one this build was made with, matching its @tensorflow/tfjs-core. */
export const NATIVE_VERSION: string = optionalDependencies['@tensorflow/tfjs-node'];

/** The folder a trainer or the CLI looks in: $DISTILL_LAB_BACKENDS_DIR, else ~/.distill-lab/backends. */
export function nativeBackendsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[NATIVE_BACKENDS_ENV]?.trim() || join(homedir(), '.distill-lab', 'backends');
}

/** The npm prefix of a variant inside the backends folder. */
export function variantPrefix(dir: string, variant: NativeVariant): string {
  return join(dir, NATIVE_PACKAGES[variant].split('/')[1]);
}

export interface InstalledNativePackage {
  name: (typeof NATIVE_PACKAGES)[NativeVariant];
  variant: NativeVariant;
  version: string;
  /** The npm prefix it was installed into (variantPrefix). */
  prefix: string;
  /** The package's folder. */
  dir: string;
}

/** The native packages present in `dir`, GPU first: a GPU install is the more deliberate choice. */
export function installedNativePackages(dir: string): InstalledNativePackage[] {
  const found: InstalledNativePackage[] = [];
  for (const variant of ['gpu', 'cpu'] as const) {
    const name = NATIVE_PACKAGES[variant];
    const prefix = variantPrefix(dir, variant);
    const packageDir = join(prefix, 'node_modules', ...name.split('/'));
    try {
      const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof version === 'string') found.push({ name, variant, version, prefix, dir: packageDir });
    } catch {
      // not installed (or half removed): nothing to load
    }
  }
  return found;
}
