// A real npm registry on 127.0.0.1 for the native-backend tests (Verdaccio, registry-server.mjs),
// the real npm to talk to it with, and the stand-in packages the tests publish to it. Nothing
// reaches the internet: the registry has no uplink and npm's cache and config are the test's own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNpm } from '../../src/shared/native-backend';

export interface TestRegistry {
  url: string;
  /** The environment for npm: this registry, a token to publish with, a cache and config of the test's own, no retries. */
  env: NodeJS.ProcessEnv;
  /** `npm publish` of a package folder (a version below the latest needs a `tag`); throws with npm's output if it fails. */
  publish(packageDir: string, tag?: string): void;
  stop(): Promise<void>;
}

/** Starts Verdaccio with its storage under `root`; `repoRoot` is where node_modules/verdaccio is. */
export async function startRegistry(root: string, repoRoot: string, timeoutMs = 30_000): Promise<TestRegistry> {
  mkdirSync(root, { recursive: true });
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'support', 'registry-server.mjs'), root], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Verdaccio did not start within ${timeoutMs} ms: ${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`Verdaccio exited with code ${code}: ${output}`)));
  });
  // A test that fails before it stops the registry must still end: the child never keeps it alive, and goes with it.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}/`;
  const token = await addUser(url);
  const npmrc = join(root, 'npmrc');
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  writeFileSync(join(root, 'global-npmrc'), '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_registry: url,
    npm_config_userconfig: npmrc,
    npm_config_globalconfig: join(root, 'global-npmrc'),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_fetch_retries: '0',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  delete env.ELECTRON_RUN_AS_NODE;
  return {
    url,
    env,
    publish(packageDir, tag) {
      const npm = findNpm(process.execPath);
      const run = spawnSync(npm.command, [...npm.args, 'publish', packageDir, ...(tag ? ['--tag', tag] : [])], { env, encoding: 'utf8', shell: npm.shell, timeout: 60_000 });
      if (run.status !== 0) throw new Error(`npm publish ${packageDir} failed (${run.status}): ${run.stdout}${run.stderr}`);
    },
    stop: () => stopChild(child),
  };
}

/** Verdaccio's npm-login endpoint: creates a user and answers with its token. */
async function addUser(url: string): Promise<string> {
  const name = 'distill-test';
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'distill-test-password', email: 'test@example.invalid', type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(`Verdaccio refused the test user: ${response.status} ${body.error ?? ''}`);
  return body.token;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface StandInPackage {
  name: string;
  version: string;
  /** The package's index.js. */
  main: string;
  /** An install script (install.js), as tfjs-node has one that downloads libtensorflow. */
  install?: string;
}

/** Writes a package folder under `parent` and returns it. */
export function writePackage(parent: string, pkg: StandInPackage): string {
  const dir = join(parent, `${pkg.name.replace(/[@/]/g, '_')}-${pkg.version}`);
  mkdirSync(dir, { recursive: true });
  const manifest = { name: pkg.name, version: pkg.version, main: 'index.js', license: 'MIT', ...(pkg.install ? { scripts: { install: 'node install.js' } } : {}) };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'index.js'), pkg.main);
  if (pkg.install) writeFileSync(join(dir, 'install.js'), pkg.install);
  return dir;
}

/**
 * The stand-in for a native package that works: it registers TensorFlow.js' `tensorflow` backend
 * (the name tfjs-node registers) computing with the CPU kernels. It has no dependencies: it finds
 * @tensorflow/tfjs-core only through the engine's loader, which hands it the engine's own copy.
 */
export const WORKING_BACKEND_MAIN = `// Stand-in for a native TensorFlow.js backend, published by a Distill Lab test.
const tf = require('@tensorflow/tfjs-core');
const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');
// One process may load both stand-ins (CPU, then GPU): the backend is registered once.
if (!tf.findBackendFactory('tensorflow')) {
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
}
`;

/** An install script that succeeds, saying so (its output must reach the log). */
export const QUIET_INSTALL = `console.log('* stand-in install script: nothing to download');\n`;

/** An install script that fails as tfjs-node's does on a machine without the internet. */
export const OFFLINE_INSTALL = `console.log('* Downloading libtensorflow');
console.log('https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz');
console.error('Error: getaddrinfo ENOTFOUND storage.googleapis.com');
process.exit(1);
`;
