import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listRuns } from '../../src/shared/run-folder';
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
    const bad = runCli('run', '--teacher', 'transformer', '--runs-dir', 'runs');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--teacher: expected mlp\[:h1,h2,…\], cnn\[:w1,w2,…\]\[\+fcN\] or resnet<depth>\[x<width>\], got "transformer"/);
    const noSuchParameter = runCli('run', '--method', 'dml', '--alpha', '0.5', '--runs-dir', 'runs');
    assert.equal(noSuchParameter.status, 1);
    assert.match(noSuchParameter.stderr, /--alpha: method "dml" has no parameter "alpha"/);
    const badSet = runCli('run', '--set', 'method.beta', '--runs-dir', 'runs');
    assert.match(badSet.stderr, /--set: expected path=value \(e\.g\. method\.beta=100\), got "method\.beta"/);
    const badValue = runCli('run', '--temperature', '0', '--runs-dir', 'runs');
    assert.equal(badValue.status, 1);
    assert.match(badValue.stderr, /config\.method\.temperature: expected more than 0, got 0/);
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
});
