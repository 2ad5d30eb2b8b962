// Installing the native backend with npm into its own folder (location.ts): one npm process with
// a clear lifetime — its output streamed to the caller, cancellable, bounded by a timeout — and,
// when it fails, one sentence saying why, drawn from what npm printed. npm works in a staging
// prefix that replaces the variant's prefix only once it succeeded: npm killed half-way leaves
// its files behind, and a failed reinstall must not take a working install with it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { findNpm, type NpmCommand } from './npm';
import { NATIVE_PACKAGES, NATIVE_VERSION, variantPrefix, type NativeVariant } from './location';

export interface InstallOptions {
  /** The backends folder (location.ts); made if missing. */
  dir: string;
  variant: NativeVariant;
  /** Absolute path of the Node binary that will load the backend: its npm installs it, its ABI is built for. */
  nodePath: string;
  /** Defaults to NATIVE_VERSION, the version this build's tfjs-core matches. */
  version?: string;
  /** npm's environment (its registry, proxy, cache come from here and the user's .npmrc). */
  env?: NodeJS.ProcessEnv;
  /** npm's output as it comes, stdout and stderr alike. */
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
  /** tfjs-node downloads libtensorflow (hundreds of MB for the GPU build) while it installs. */
  timeoutMs?: number;
}

export type InstallOutcome = { ok: true; spec: string; dir: string } | { ok: false; spec: string; dir: string; reason: string; cancelled: boolean };

const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const OUTPUT_KEPT = 256 * 1024;

export function nativeSpec(variant: NativeVariant, version = NATIVE_VERSION): string {
  return `${NATIVE_PACKAGES[variant]}@${version}`;
}

/** The npm arguments, so a user can read (and rerun) what was run. */
export function npmInstallArgs(dir: string, spec: string): string[] {
  // --foreground-scripts: the install script's own output (its downloads) goes to the log.
  return ['install', spec, '--prefix', dir, '--save-exact', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=http'];
}

export async function installNativeBackend(options: InstallOptions): Promise<InstallOutcome> {
  const { dir, variant } = options;
  const spec = nativeSpec(variant, options.version);
  const fail = (reason: string, cancelled = false): InstallOutcome => ({ ok: false, spec, dir, reason, cancelled });
  if (!Object.hasOwn(NATIVE_PACKAGES, variant)) return fail(`variant: expected ${Object.keys(NATIVE_PACKAGES).join(' or ')}, got ${String(variant)}`);
  const prefix = variantPrefix(dir, variant);
  const staging = `${prefix}.partial`;
  try {
    rmSync(staging, { recursive: true, force: true });
    prepareFolder(staging);
  } catch (error) {
    return fail(`the folder ${staging} could not be prepared: ${(error as Error).message}`);
  }
  const npm = findNpm(options.nodePath);
  const args = [...npm.args, ...npmInstallArgs(staging, spec)];
  options.onOutput?.(`$ ${npm.description} ${npmInstallArgs(staging, spec).join(' ')}\n`);
  const result = await runNpm(npm, args, { ...options, dir: staging });
  const failure = result.cancelled
    ? fail('cancelled', true)
    : result.spawnError
      ? fail(`npm could not be started (${npm.description}): ${result.spawnError}`)
      : result.timedOut
        ? fail(`npm did not finish within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`)
        : result.code !== 0
          ? fail(explainNpmFailure(result.output, result.code, spec))
          : undefined;
  if (failure) {
    rmSync(staging, { recursive: true, force: true });
    return failure;
  }
  try {
    replaceFolder(staging, prefix);
  } catch (error) {
    return fail(`npm installed it into ${staging}, but it could not be moved to ${prefix}: ${(error as Error).message}`);
  }
  return { ok: true, spec, dir };
}

/** `target` becomes `source`; the old `target` is removed only once the new one is in place. */
function replaceFolder(source: string, target: string): void {
  const old = `${target}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, old);
  try {
    renameSync(source, target);
  } catch (error) {
    if (existsSync(old)) renameSync(old, target);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

/** The folder gets a package.json of its own, so npm installs there and never into a project above it. */
function prepareFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) {
    const description = 'Native TensorFlow.js backends installed by Distill Lab (Distill: Install Native Backend, or distill-lab backend install).';
    writeFileSync(manifest, `${JSON.stringify({ name: 'distill-lab-native-backends', private: true, description }, null, 2)}\n`);
  }
}

interface NpmResult {
  code: number | null;
  output: string;
  cancelled: boolean;
  timedOut: boolean;
  spawnError?: string;
}

function runNpm(npm: NpmCommand, args: string[], options: InstallOptions): Promise<NpmResult> {
  const env = { ...(options.env ?? process.env) };
  // Install scripts run `node` from PATH: make it the Node that will load the addon.
  const pathKey = Object.keys(env).find((key) => /^path$/i.test(key)) ?? 'PATH';
  env[pathKey] = [dirname(options.nodePath), env[pathKey]].filter(Boolean).join(delimiter);
  env.npm_config_update_notifier = 'false';
  const detached = process.platform !== 'win32';
  return new Promise((resolve) => {
    let output = '';
    let cancelled = false;
    let timedOut = false;
    const child = spawn(npm.command, args, { cwd: options.dir, env, shell: npm.shell, detached, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-OUTPUT_KEPT);
      options.onOutput?.(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    // npm starts install scripts of its own: the whole group goes.
    const killTree = () => {
      try {
        if (detached && child.pid) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      cancelled = true;
      killTree();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let spawnError: string | undefined;
    child.on('error', (error) => (spawnError = error.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, output, cancelled, timedOut, spawnError });
    });
  });
}

const NETWORK_CODES = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|CERT_\w+|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\b/;

/**
 * Why npm failed, in one sentence, from its output: the registry lacks the package, the registry
 * cannot be reached, or the package's install script failed (tfjs-node's downloads libtensorflow
 * and its binding from storage.googleapis.com, which a machine without the internet cannot reach).
 */
export function explainNpmFailure(output: string, code: number | null, spec: string): string {
  const lines = output.split(/\r?\n/).map((line) => line.trimEnd());
  const npmErrors = lines.filter((line) => /^npm (error|ERR!)/.test(line)).map((line) => line.replace(/^npm (error|ERR!)\s*/, ''));
  const errorCode = npmErrors.find((line) => line.startsWith('code '))?.slice('code '.length);
  if (errorCode === 'ETARGET') {
    const what = npmErrors.find((line) => /^notarget No matching version/.test(line))?.replace(/^notarget\s+/, '');
    return `the npm registry has no ${spec}${what ? ` (${what.replace(/\.$/, '')})` : ''}`;
  }
  if (errorCode === 'E404' || npmErrors.some((line) => /^404\b/.test(line))) {
    const what = npmErrors.find((line) => /404 Not Found/.test(line)) ?? npmErrors.find((line) => /^404\b/.test(line)) ?? '';
    return `the npm registry has no ${spec}${what ? ` (${what.replace(/^404\s+/, '')})` : ''}`;
  }
  const scriptFailed = npmErrors.some((line) => line === 'command failed');
  if (scriptFailed) {
    const command = npmErrors.find((line) => line.startsWith('command ') && line !== 'command failed')?.replace(/^command\s+/, '');
    const where = npmErrors.find((line) => line.startsWith('path '))?.slice('path '.length);
    const scriptLines = lines.filter((line) => line && !/^npm (error|ERR!|http|warn|notice|info|verb|sill|timing)\b/.test(line));
    const cause = scriptLines.find((line) => /^\s*(\w*Error|error)\b.*:/.test(line)) ?? scriptLines.at(-1);
    const url = scriptLines
      .filter((line) => /^https?:\/\//.test(line.trim()))
      .at(-1)
      ?.trim();
    const pkg = where ? where.split(/node_modules[\\/]/).at(-1) : spec;
    return `the install script of ${pkg}${command ? ` (${command})` : ''} failed${cause ? `: ${cause.trim()}` : ''}${url ? ` while downloading ${url}` : ''}`;
  }
  const network = npmErrors.find((line) => NETWORK_CODES.test(line)) ?? (errorCode && NETWORK_CODES.test(errorCode) ? errorCode : undefined);
  if (network) return `npm could not reach the registry: ${npmErrors.find((line) => /request to|fetch|failed/i.test(line)) ?? network}`;
  const last = npmErrors.filter((line) => !/complete log of this run|^A complete log/.test(line)).at(-1);
  return `npm exited with code ${code}${last ? `: ${last}` : ''}`;
}
