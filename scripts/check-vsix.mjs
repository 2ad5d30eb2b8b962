// Checks a packaged .vsix: under 10 MB; the bundles, the WASM binaries and each TensorFlow.js
// package's node build (its package.json "main", which dist/trainer.js and dist/cli.js require at
// run time); nothing else of TensorFlow.js (browser, ESM or minified builds, sources, typings) and
// no source maps; and, unpacked into a temporary folder outside this repository (so nothing
// resolves from its node_modules), the CLI trains a tiny KD run on WASM from the .vsix's files
// alone (on two threads, so the data-parallel worker bundle starts too), loading no file from
// outside them. .vscodeignore is the allow-list this checks.
//
//   node scripts/check-vsix.mjs [x.vsix]      default: <name>-<version>.vsix (npm run package's)
//
// Used by `npm run package` and by scripts/test-e2e.mjs (checkVsix). Prints the measured sizes;
// exits non-zero with one line per problem.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MAX_PACKED_BYTES = 10_000_000;
const EXT = 'extension/';
const REQUIRED = [
  'package.json',
  'dist/extension.js',
  'dist/trainer.js',
  'dist/cli.js',
  'dist/train-worker.js',
  'dist/negatives-worker.js',
  'dist/webview.js',
  'dist/webview.css',
  'dist/wasm/tfjs-backend-wasm.wasm',
  'dist/wasm/tfjs-backend-wasm-simd.wasm',
];
/** Builds and files a node program never loads: browser/ESM/minified builds, sources, typings, maps. */
const NOT_RUN = /\.map$|\.tsx?$|\.(min|esm|es2017|fesm|umd)\.[cm]?js$|(^|\/)(src|coverage|test)\//;

/** The entries of a zip (the .vsix) from its central directory. */
export function zipEntries(zip) {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      headerOffset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

function entryData(zip, entry) {
  const at = entry.headerOffset;
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`${entry.name}: unsupported zip method ${entry.method}`);
}

/** Each @tensorflow/* dependency with the file its package.json names as "main" (its node build). */
function tensorflowMains() {
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(dependencies)
    .filter((name) => name.startsWith('@tensorflow/'))
    .map((name) => {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
      return { name, main: manifest.main.replace(/^\.\//, '') };
    });
}

/** What is wrong with the .vsix's file list and size: one line each, empty when nothing is. */
export function vsixProblems(entries, packedBytes) {
  const problems = [];
  if (packedBytes >= MAX_PACKED_BYTES) problems.push(`packed size ${mb(packedBytes)} is not under ${mb(MAX_PACKED_BYTES)}`);
  const files = new Set(entries.filter((e) => e.name.startsWith(EXT)).map((e) => e.name.slice(EXT.length)));
  const mains = tensorflowMains();
  const required = [...REQUIRED, ...mains.flatMap(({ name, main }) => [`node_modules/${name}/package.json`, `node_modules/${name}/${main}`])];
  for (const file of required) if (!files.has(file)) problems.push(`missing ${file}`);
  for (const file of files) {
    const tensorflow = mains.find(({ name }) => file.startsWith(`node_modules/${name}/`));
    if (tensorflow && ![`node_modules/${tensorflow.name}/package.json`, `node_modules/${tensorflow.name}/${tensorflow.main}`].includes(file)) {
      problems.push(`${file}: not the node build of ${tensorflow.name}, which is all that runs`);
    } else if (NOT_RUN.test(file) && (file.startsWith('node_modules/') || file.endsWith('.map'))) {
      problems.push(`${file}: a source map, source or non-node build`);
    }
  }
  return problems;
}

/**
 * Unpacks the .vsix into a temporary folder outside the repository and runs a tiny KD training
 * of its CLI there on WASM; resolves to a one-line summary, rejects when it fails or when it
 * loads any file from outside the unpacked extension.
 */
export async function trainFromVsix(zip, entries, { timeoutMs = 180_000 } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'distill-vsix-'));
  try {
    for (const entry of entries) {
      if (!entry.name.startsWith(EXT) || entry.name.endsWith('/')) continue;
      const target = join(root, entry.name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, entryData(zip, entry));
    }
    const extension = join(root, 'extension');
    const loaded = join(root, 'loaded.txt');
    const hook = join(root, 'record-loaded.cjs');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, Object.keys(require.cache).join('\\n')));\n`);
    const args = [
      '--require',
      hook,
      join(extension, 'dist', 'cli.js'),
      'run',
      '--method',
      'kd',
      '--teacher',
      'cnn:8',
      '--student',
      'mlp:8',
      '--epochs',
      '1',
      '--teacher-epochs',
      '1',
      '--limit-train',
      '128',
      '--limit-validation',
      '64',
      '--max-steps',
      '2',
      '--backend',
      'wasm',
      '--no-baseline',
      // Two threads: the data-parallel worker (dist/train-worker.js) must start from the .vsix too.
      '--threads',
      '2',
      '--runs-dir',
      join(root, 'runs'),
    ];
    // Without the caller's module paths: the unpacked extension must find everything itself.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_PATH' && key !== 'NODE_OPTIONS'));
    const output = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(text);
        else reject(new Error(`the CLI from the .vsix exited with ${signal ?? code}:\n${[...text.trim().split('\n').slice(-15), ...runErrors(join(root, 'runs'))].join('\n')}`));
      });
    });
    if (!/backend wasm/.test(output)) throw new Error(`the CLI from the .vsix did not train on wasm:\n${output}`);
    if (!/2 threads, data parallel/.test(output)) throw new Error(`the CLI from the .vsix did not train on 2 threads (dist/train-worker.js):\n${output}`);
    const files = readFileSync(loaded, 'utf8')
      .split('\n')
      .filter((file) => file && file !== hook);
    const outside = files.filter((file) => !file.startsWith(extension + sep));
    if (outside.length > 0) throw new Error(`the CLI from the .vsix loaded files from outside it: ${outside.join(', ')}`);
    const modules = files.filter((file) => file.includes(`${sep}node_modules${sep}`)).length;
    return `a KD run of its CLI trained on wasm on 2 threads from its files alone (${files.length} modules loaded by the main thread, ${modules} from its node_modules)`;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The errors recorded in the run folders under `runsDir` (a run that failed says why there). */
function runErrors(runsDir) {
  try {
    return readdirSync(runsDir, { recursive: true })
      .filter((file) => String(file).endsWith('run.json'))
      .map((file) => JSON.parse(readFileSync(join(runsDir, String(file)), 'utf8')).error?.message)
      .filter(Boolean)
      .map((message) => `run.json: ${message}`);
  } catch {
    return [];
  }
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

/** Sizes of the .vsix, and its problems (file list, size, and the training run unless `train` is false). */
export async function checkVsix(path, { train = true } = {}) {
  const zip = readFileSync(path);
  const entries = zipEntries(zip);
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const unpackedBytes = files.reduce((sum, e) => sum + e.size, 0);
  const problems = vsixProblems(entries, zip.length);
  let trained;
  if (train && problems.length === 0) {
    try {
      trained = await trainFromVsix(zip, entries);
    } catch (error) {
      problems.push(error.message);
    }
  }
  const sizes = `${mb(zip.length)} packed, ${mb(unpackedBytes)} unpacked, ${files.length} files`;
  return { packedBytes: zip.length, unpackedBytes, fileCount: files.length, sizes, trained, problems };
}

async function main() {
  const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const path = process.argv[2] ?? join(ROOT, `${name}-${version}.vsix`);
  const result = await checkVsix(path);
  process.stdout.write(`[check-vsix] ${path}: ${result.sizes}${result.trained ? `; ${result.trained}` : ''}\n`);
  for (const problem of result.problems) process.stdout.write(`[check-vsix] ✗ ${problem}\n`);
  return result.problems.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`[check-vsix] ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
