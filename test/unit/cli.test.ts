import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listRuns, RunFolder } from '../../src/shared/run-folder';
import { DEMO_CONFIG } from '../../src/cli/demo-config';
import { version } from '../../package.json';
import { ensureBuilt } from '../support/build';
import { tinyConfig } from '../support/tiny-config';

describe('distill-lab CLI', () => {
  let cli: string;
  let dir: string;
  before(() => {
    cli = ensureBuilt().cli;
    dir = mkdtempSync(join(tmpdir(), 'distill-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runCli = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });

  test('run with flags trains teacher → student and prints the table', () => {
    const r = runCli(
      'run',
      '--method',
      'kd',
      '--teacher',
      'mlp:32',
      '--student',
      'mlp:8',
      '--epochs',
      '1',
      '--teacher-epochs',
      '1',
      '--limit-train',
      '256',
      '--limit-validation',
      '100',
      '--backend',
      'wasm',
      '--name',
      'flags',
      '--runs-dir',
      'runs',
    );
    assert.equal(r.status, 0, r.stderr);
    for (const column of ['model', 'params', 'size', 'test acc', 'test acc (last)', 'best val acc', 'last val acc', 'latency', 'wall time'])
      assert.ok(r.stdout.includes(column), `column "${column}" in\n${r.stdout}`);
    const rows = r.stdout.split('\n').filter((l) => /^(teacher|student-scratch|student)\s/.test(l));
    assert.deepEqual(
      rows.map((l) => l.split(/\s+/)[0]),
      ['teacher', 'student-scratch', 'student'],
    );
    // 784·32 + 32 + 32·10 + 10 = 25 450 parameters.
    assert.match(rows[0], /mlp 32\s+25\.4k\s+99\.4 KiB/);
    assert.match(r.stderr, /teacher epoch 1\/1/);
  });

  test('run from a config file; relative data paths resolve beside the file', () => {
    writeFileSync(join(dir, 'exp.json'), JSON.stringify({ ...tinyConfig({ name: 'from-file', baseline: false }) }));
    const r = runCli('run', 'exp.json', '--runs-dir', 'runs');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^(teacher|student)\s/.test(l));
    assert.equal(rows.length, 2);
  });

  test('compare prints every run of the runs folder', () => {
    const r = runCli('compare', 'runs');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(listRuns(join(dir, 'runs')).length, 2);
    assert.match(r.stdout, /flags\/run-.*\[kd\]\s+student\s/);
    assert.match(r.stdout, /from-file\/run-.*\[kd\]\s+teacher\s/);
  });

  test('compare lists a run with a damaged run.json as damaged, and every other run as usual', () => {
    const damaged = join(dir, 'runs', 'broken', 'run-1');
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, 'run.json'), '{ "id": "run-1", "status": "comp');
    const r = runCli('compare', 'runs');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /broken\/run-1 \[\?, damaged\]\s+\(damaged: run\.json: not JSON/);
    assert.match(r.stdout, /flags\/run-.*\[kd\]\s+student\s/);
    assert.match(r.stdout, /from-file\/run-.*\[kd\]\s+teacher\s/);
  });

  test('a bad flag or config value is a clear error, exit 1', () => {
    const bad = runCli('run', '--teacher', 'transformer:4x256', '--runs-dir', 'runs');
    assert.equal(bad.status, 1);
    assert.match(
      bad.stderr,
      /--teacher: expected mlp\[:h1,h2,…\], cnn\[:w1,w2,…\]\[\+fcN\], resnet<depth>\[x<width>\] or transformer\[:<layers>x<hidden>h<heads>\[i<feed-forward>\]\], got "transformer:4x256"/,
    );
    const noSuchParameter = runCli('run', '--method', 'dml', '--alpha', '0.5', '--runs-dir', 'runs');
    assert.equal(noSuchParameter.status, 1);
    assert.match(noSuchParameter.stderr, /--alpha: method "dml" has no parameter "alpha"/);
    const badSet = runCli('run', '--set', 'method.beta', '--runs-dir', 'runs');
    assert.match(badSet.stderr, /--set: expected path=value \(e\.g\. method\.beta=100\), got "method\.beta"/);
    const badValue = runCli('run', '--temperature', '0', '--runs-dir', 'runs');
    assert.equal(badValue.status, 1);
    assert.match(badValue.stderr, /config\.method\.temperature: expected more than 0, got 0/);
  });

  test('a run folder that cannot be written: exit 1, saying which folder and why', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = runCli('run', '--runs-dir', 'a-file/runs', '--epochs', '1');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: cannot create the run folder under .*a-file\/runs\/experiment: ENOTDIR: not a directory/);
    assert.equal(r.stdout, '');
  });

  test('an experiment name that would leave the runs folder (.., a path) is refused before any folder is made', () => {
    for (const name of ['..', '.', 'a/b']) {
      const r = runCli('run', '--name', name, '--runs-dir', 'names/runs', '--epochs', '1');
      assert.equal(r.status, 1, name);
      assert.match(r.stderr, /config\.name: /, name);
    }
    assert.equal(existsSync(join(dir, 'names')), false, 'nothing was created, inside or outside the runs folder');
  });

  test('--help, -h, help COMMAND and COMMAND --help print the usage; --version the version', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = runCli(...args);
      assert.equal(r.status, 0, args.join(' '));
      for (const command of ['run', 'demo', 'compare', 'backend']) assert.match(r.stdout, new RegExp(`distill-lab ${command} `));
    }
    for (const args of [
      ['run', '--help'],
      ['run', 'exp.json', '-h'],
      ['help', 'run'],
    ]) {
      const r = runCli(...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /^usage: distill-lab run \[config\.json\] \[--method NAME\]/);
      assert.doesNotMatch(r.stdout, /distill-lab compare/);
    }
    assert.match(runCli('demo', '--help').stdout, /^usage: distill-lab demo /);
    assert.match(runCli('compare', '-h').stdout, /^usage: distill-lab compare \[RUNS_DIR\]/);
    assert.match(runCli('backend', '--help').stdout, /^usage: distill-lab backend install \[--gpu\] \[--dir DIR\]\n[^]*distill-lab backend status/);
    const v = runCli('--version');
    assert.equal(v.status, 0);
    assert.equal(v.stdout, `${version}\n`);
  });

  test('a config file that is JSON but not an object is refused with a clear message', () => {
    for (const [text, found] of [
      ['null', 'null'],
      ['42', 'number 42'],
      ['"hello"', 'string "hello"'],
      ['[1]', 'an array'],
    ]) {
      writeFileSync(join(dir, 'not-object.json'), text);
      const r = runCli('run', 'not-object.json', '--runs-dir', 'runs-not-object');
      assert.equal(r.status, 1, text);
      assert.equal(r.stderr, `error: config file not-object.json: expected a JSON object ({ … }), found ${found}\n`);
    }
    assert.equal(existsSync(join(dir, 'runs-not-object')), false);
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    test(`${signal} mid-run: run.json ends cancelled with a last checkpoint, like Ctrl-C`, async () => {
      const runsDir = `runs-${signal}`;
      const child = spawn(
        process.execPath,
        [
          cli,
          'run',
          '--teacher',
          'mlp:32',
          '--student',
          'mlp:8',
          '--teacher-epochs',
          '20',
          '--epochs',
          '1',
          '--limit-train',
          '2000',
          '--limit-validation',
          '200',
          '--backend',
          'wasm',
          '--name',
          'sig',
          '--runs-dir',
          runsDir,
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/teacher epoch 1\//.test(stderr) && !child.killed) child.kill(signal);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, signal === 'SIGTERM' ? 143 : 129, stderr);
      const [folder] = listRuns(join(dir, runsDir));
      assert.equal(folder.readRecord()?.status, 'cancelled');
      assert.ok(existsSync(join(folder.checkpointDir('teacher', 'last'), 'model.json')));
      assert.match(stderr, new RegExp(`${signal}: cancelling after this step`));
    });
  }

  test('compare shows (and records) a run whose process died as interrupted, not running', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const runDir = join(dir, 'runs-dead', 'ghost', 'run-1');
    mkdirSync(runDir, { recursive: true });
    const record = { id: 'run-1', experiment: 'ghost', status: 'running', method: 'kd', createdAt: new Date().toISOString(), startedAt: new Date().toISOString(), pid: dead, host: hostname() };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(record));
    const r = runCli('compare', 'runs-dead');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ghost\/run-1 \[\?, interrupted\]/);
    const after = new RunFolder(runDir).readRecord()!;
    assert.equal(after.status, 'interrupted');
    assert.match(after.error!.message, new RegExp(`pid ${dead}`));
  });
});

describe('run flags', () => {
  test('--set reaches any field, as JSON where it parses', async () => {
    const { configFromArgs } = await import('../../src/cli/run-flags');
    const { config } = configFromArgs(['--method', 'fitnet', '--set', 'method.beta=50', '--set', 'train.weightDecay=5e-4', '--set', 'name=hint-run']);
    assert.deepEqual(config.method, { name: 'fitnet', beta: 50 });
    assert.equal(config.train?.weightDecay, 5e-4);
    assert.equal(config.name, 'hint-run');
  });

  test('a config file may start with a UTF-8 byte order mark', async () => {
    const { configFromArgs } = await import('../../src/cli/run-flags');
    const dir = mkdtempSync(join(tmpdir(), 'distill-flags-'));
    try {
      writeFileSync(join(dir, 'bom.json'), `\uFEFF${JSON.stringify({ name: 'bom', seed: 7 })}`);
      const { config } = configFromArgs([join(dir, 'bom.json')]);
      assert.deepEqual(config, { name: 'bom', seed: 7 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--set refuses __proto__, constructor and prototype and leaves Object.prototype alone', async () => {
    const { configFromArgs } = await import('../../src/cli/run-flags');
    for (const path of ['__proto__.polluted', 'train.__proto__.polluted', 'constructor.prototype.polluted', '__proto__']) {
      assert.throws(() => configFromArgs(['--set', `${path}=1`]), /--set: ".*" is not a config field \(".*" cannot be set\)/, path);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.throws(() => configFromArgs(['--set', 'seed=3', '--set', 'seed.x=1']), /seed: cannot set a field inside number 3/);
  });

  test('demo takes the flags of run over its own config: --epochs, --limit-train', async () => {
    const { configFromArgs } = await import('../../src/cli/run-flags');
    const before = JSON.stringify(DEMO_CONFIG);
    const { config } = configFromArgs(['--epochs', '2', '--limit-train', '300'], DEMO_CONFIG);
    assert.equal(config.train?.epochs, 2);
    assert.equal(config.data?.limitTrain, 300);
    assert.equal(config.name, 'demo-kd');
    assert.equal(config.teacher?.train?.epochs, 8);
    assert.equal(JSON.stringify(DEMO_CONFIG), before);
    assert.throws(() => configFromArgs(['exp.json'], DEMO_CONFIG), /unexpected argument: exp\.json/);
  });
});
