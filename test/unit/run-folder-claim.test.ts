// A new run's folder is claimed atomically: runs started in the same millisecond, in one process
// or several, each get a folder of their own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { newRunDir } from '../../src/shared/run-folder';

const FROZEN = new Date('2026-01-02T03:04:05.678Z');

describe('newRunDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'distill-claim-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('runs claimed in the same millisecond get one folder each, created at once', () => {
    const runsDir = join(root, 'one-process');
    const dirs = Array.from({ length: 6 }, () => newRunDir(runsDir, 'same exp', FROZEN));
    assert.equal(new Set(dirs).size, dirs.length);
    for (const dir of dirs) assert.ok(statSync(dir).isDirectory(), dir);
    assert.deepEqual(readdirSync(join(runsDir, 'same-exp')).sort(), ['run-2026-01-02T03-04-05-678Z', ...[2, 3, 4, 5, 6].map((n) => `run-2026-01-02T03-04-05-678Z-${n}`)].sort());
  });

  test('several processes starting runs at once with a frozen clock find one folder per run', async () => {
    const runsDir = join(root, 'processes');
    const script = join(root, 'claim.ts');
    writeFileSync(
      script,
      `import { newRunDir } from ${JSON.stringify(join(__dirname, '..', '..', 'src', 'shared', 'run-folder'))};\n` +
        `const dirs = [];\nfor (let i = 0; i < 20; i++) dirs.push(newRunDir(${JSON.stringify(runsDir)}, 'race', new Date(${FROZEN.getTime()})));\n` +
        `process.stdout.write(JSON.stringify(dirs));\n`,
    );
    const claimOnce = () =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`exit ${code}`))));
      });
    const claimed = (await Promise.all([claimOnce(), claimOnce(), claimOnce()])).flat();
    assert.equal(claimed.length, 60);
    assert.equal(new Set(claimed).size, 60, 'a folder was handed to two runs');
    assert.equal(readdirSync(join(runsDir, 'race')).length, 60);
  });

  test('a runs folder that cannot be created is an error naming the folder and why', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    assert.throws(
      () => newRunDir(join(file, 'runs'), 'x', FROZEN),
      (error: Error) => {
        assert.match(error.message, /cannot create the run folder under .*a-file.runs.x: ENOTDIR/);
        return true;
      },
    );
    assert.equal(existsSync(join(file, 'runs')), false);
  });
});
