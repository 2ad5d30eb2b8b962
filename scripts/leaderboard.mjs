// `npm run leaderboard`: the README's "Which method helps?" — one study of every single-student
// method of the seed (and DKD), three seeds, the reference recipe, a CNN teacher and a smaller CNN
// student on the full Fashion-MNIST (Debian's dataset-fashion-mnist), two trainer processes at
// once. It writes the study's Markdown table, the command, the machine and the wall time between
// the README's leaderboard markers. Not part of CI or `npm test`: it takes about an hour and a half
// on two cores.
//
//   npm run leaderboard [-- --runs-dir DIR] [--parallel N] [--no-readme] [--trial]
//
// --trial trains the same study on 1,000 samples for one epoch each, to check the pipeline in a
// couple of minutes; its table is printed, never written into the README.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const START = '<!-- leaderboard:start -->';
const END = '<!-- leaderboard:end -->';

/** Every single-student method of the seed, then DKD (beyond it); each with the project's defaults, tuned under RepDistiller's recipe. */
// TinyBERT's shared W needs blocks of one width; these CNNs widen, so one W per mapped block.
export const LEADERBOARD_METHODS = ['kd', 'fitnet', 'at', 'sad', 'pkd', 'distilbert', { name: 'tinybert', projection: 'per-layer' }, 'crd', 'srrl', 'dkd'];
export const LEADERBOARD_SEEDS = [1, 2, 3];
const TEACHER = { arch: 'cnn', widths: [32, 64] };
const STUDENT = { arch: 'cnn', widths: [8, 16] };
const TEACHER_EPOCHS = 6;
const STUDENT_EPOCHS = 4;

const { values: args } = parseArgs({
  options: { 'runs-dir': { type: 'string' }, parallel: { type: 'string' }, 'no-readme': { type: 'boolean' }, trial: { type: 'boolean' } },
  strict: true,
});
const trial = Boolean(args.trial);
const parallel = args.parallel === undefined ? Math.min(2, availableParallelism()) : Number(args.parallel);
if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel: expected a whole number ≥ 1, got "${args.parallel}"`);
const runsDir = resolve(args['runs-dir'] ?? join(root, '.distill-leaderboard'));

function ensureFashionMnist() {
  const missing = () => FASHION_FILES.filter((file) => !existsSync(join(FASHION_DIR, file)));
  if (missing().length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error(`Fashion-MNIST is not in ${FASHION_DIR}: install Debian's package first (sudo apt-get install -y dataset-fashion-mnist)`);
  console.error("installing Debian's dataset-fashion-mnist …");
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'dataset-fashion-mnist'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (missing().length) throw new Error(`apt-get installed dataset-fashion-mnist but ${missing().join(', ')} are not in ${FASHION_DIR}`);
}

function studyConfig() {
  const epochs = trial ? 1 : STUDENT_EPOCHS;
  const limits = trial ? { limitTrain: 1000, limitValidation: 500, limitTest: 500 } : {};
  return {
    name: trial ? 'leaderboard-trial' : 'leaderboard',
    base: {
      data: {
        dataset: {
          kind: 'idx',
          trainImages: join(FASHION_DIR, FASHION_FILES[0]),
          trainLabels: join(FASHION_DIR, FASHION_FILES[1]),
          testImages: join(FASHION_DIR, FASHION_FILES[2]),
          testLabels: join(FASHION_DIR, FASHION_FILES[3]),
          classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
        },
        ...limits,
      },
      recipe: 'reference',
      teacher: { model: TEACHER, train: { epochs: trial ? 1 : TEACHER_EPOCHS } },
      student: { model: STUDENT },
      train: { epochs, batchSize: 64, threads: 1 },
      seed: 0,
    },
    methods: LEADERBOARD_METHODS,
    seeds: LEADERBOARD_SEEDS,
  };
}

function run(command, argv, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd: root, stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, out }));
  });
}

/** The folder the study claimed: the newest `<name>` or `<name>-N` under the runs folder that holds a study.json. */
function newestStudyDir(name) {
  const candidates = existsSync(runsDir)
    ? readdirSync(runsDir)
        .filter((entry) => entry === name || entry.startsWith(`${name}-`))
        .map((entry) => join(runsDir, entry))
        .filter((dir) => existsSync(join(dir, 'study.json')))
    : [];
  candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!candidates.length) throw new Error(`the study wrote no folder under ${runsDir}`);
  return candidates[0];
}

function describeMachine() {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.versions.node}, TensorFlow.js WASM backend`;
}

function minutes(seconds) {
  return seconds >= 3600 ? `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min` : `${Math.round(seconds / 60)} min`;
}

function readmeSection(table, seconds, studyName) {
  const when = new Date().toISOString().slice(0, 10);
  return [
    START,
    `Produced by \`npm run leaderboard\` on ${when}: one study (\`${studyName}\`) of every single-student method of the seed and DKD, seeds ${LEADERBOARD_SEEDS.join(', ')},`,
    `the reference recipe (SGD 0.05, momentum 0.9, weight decay 5e-4, ×0.1 at 62.5/75/87.5 %, crop + flip), on the full Fashion-MNIST`,
    `(60,000 training images, of which the validation split is carved; the 10,000 test images for the headline figure).`,
    `Teacher: ${describe(TEACHER)}, ${TEACHER_EPOCHS} epochs, trained once and shared. Student: ${describe(STUDENT)}, ${STUDENT_EPOCHS} epochs, every method's student and the`,
    `per-seed scratch baseline starting from the same weights for a seed. Δ is the paired difference from the scratch baseline over`,
    `seeds, with its 95 % Student-t interval (*: the interval excludes 0). Machine: ${describeMachine()}; ${parallel} trainer processes at once;`,
    `wall time ${minutes(seconds)}. The epochs are few so that the whole study finishes within 2 hours on 2 cores: read the table as`,
    `"which method helps a small student under a short budget", not as converged accuracies. Budgets as each method defines them: FitNets`,
    `spends 1/8 of the student's epochs on its hint stage, TinyBERT trains its intermediate stage for as many epochs again, SAD switches on`,
    `after 40 % of the epochs.`,
    '',
    table.trim(),
    END,
  ].join('\n');
}

function describe(model) {
  return `CNN ${model.widths.join('-')}`;
}

function writeReadme(section) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers to write the leaderboard between`);
  const next = text.slice(0, start) + section + text.slice(end + END.length);
  const temporary = `${readme}.leaderboard-${process.pid}`;
  writeFileSync(temporary, next);
  renameSync(temporary, readme);
}

async function main() {
  ensureFashionMnist();
  const build = await run('npm', ['run', 'build', '--silent']);
  if (build.code !== 0) throw new Error('npm run build failed');
  mkdirSync(runsDir, { recursive: true });
  const config = studyConfig();
  const file = join(runsDir, `${config.name}.study.json`);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  console.error(`leaderboard: ${config.methods.length} methods × ${config.seeds.length} seeds, ${parallel} at once, into ${runsDir}${trial ? ' (trial)' : ''}`);
  const startedAt = Date.now();
  const study = await run(process.execPath, ['dist/cli.js', 'study', file, '--parallel', String(parallel), '--runs-dir', runsDir]);
  const seconds = (Date.now() - startedAt) / 1000;
  const studyDir = newestStudyDir(config.name);
  const table = await run(process.execPath, ['dist/cli.js', 'compare', '--study', studyDir, '--format', 'md', '--sort', 'delta'], { capture: true });
  if (table.code !== 0) throw new Error(`compare --study ${studyDir} failed`);
  process.stdout.write(`${table.out}\nstudy folder: ${studyDir} · wall time ${minutes(seconds)}\n`);
  if (study.code !== 0) {
    console.error(`leaderboard: the study ended with code ${study.code} (some members did not complete); the README is left as it was`);
    process.exitCode = 1;
    return;
  }
  if (trial || args['no-readme']) return;
  writeReadme(readmeSection(table.out, seconds, config.name));
  console.error('leaderboard: README.md updated (section "Which method helps?")');
}

main().catch((error) => {
  console.error(`leaderboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
