// The dashboard's host side that needs no VS Code: the HTML shell and its CSP, and what it reads
// from the runs folder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { markCompleted, markQueued, markRunning, readRuns, RunFolder } from '../../src/shared/run-folder';
import { contentSecurityPolicy, dashboardHtml } from '../../src/host/dashboard/html';
import { listRunItems, readCompareRuns, readRunHistory } from '../../src/host/dashboard/run-data';
import { isInside } from '../../src/shared/paths';
import { WebviewToHost } from '../../src/shared/protocol';
import { summary, syntheticEvents } from '../webview/fixtures';

const root = mkdtempSync(join(tmpdir(), 'distill-dashboard-'));
const completed = (folder: RunFolder) => {
  markQueued(folder, { method: 'kd' });
  markRunning(folder);
  markCompleted(folder);
};
after(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard host', () => {
  test('the page: default-src none, the script only by nonce, styles from the webview origin only', () => {
    const html = dashboardHtml({ cspSource: 'https://webview.test', scriptUri: 'https://webview.test/dist/webview.js', styleUri: 'https://webview.test/dist/webview.css', nonce: 'abc123' });
    const csp = contentSecurityPolicy('https://webview.test', 'abc123');
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(csp, /^default-src 'none'; script-src 'nonce-abc123'; style-src https:\/\/webview\.test;/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/webview\.test\/dist\/webview\.js"><\/script>/);
    assert.doesNotMatch(html, /style=/);
    assert.notEqual(
      dashboardHtml({ cspSource: 'x', scriptUri: 'x', styleUri: 'x' }).match(/nonce="([^"]+)"/)?.[1],
      dashboardHtml({ cspSource: 'x', scriptUri: 'x', styleUri: 'x' }).match(/nonce="([^"]+)"/)?.[1],
    );
  });

  test('messages from the webview are parsed before the host acts; anything else is refused', () => {
    assert.ok(WebviewToHost.safeParse({ type: 'ready' }).success);
    assert.ok(WebviewToHost.safeParse({ type: 'openRun', runDir: '/runs/a/b' }).success);
    assert.ok(WebviewToHost.safeParse({ type: 'pickPath', field: 'data.dataset.train', kind: 'file' }).success);
    for (const bad of [{ type: 'ready', extra: 1 }, { type: 'exec', command: 'rm' }, { type: 'pickPath', field: 'a;b', kind: 'file' }, { type: 'openRun' }, null, 'ready']) {
      assert.equal(WebviewToHost.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  test('only folders inside the runs folder can be opened', () => {
    assert.ok(isInside('/runs', '/runs/exp/run-1'));
    assert.equal(isInside('/runs', '/runs'), false);
    assert.equal(isInside('/runs', '/runs/../etc'), false);
    assert.equal(isInside('/runs', '/runs-other/x'), false);
    assert.equal(isInside('/runs', '/etc/passwd'), false);
    assert.equal(isInside('/runs', '/runs', { orSame: true }), true);
  });

  test('history: drawn events in order, no times, checkpoints or logs, the latest predictions of each phase', () => {
    const folder = new RunFolder(join(root, 'runs', 'synthetic-kd', 'run-1'));
    folder.ensure();
    completed(folder);
    folder.writeConfig({ name: 'synthetic-kd', seed: 1 });
    const events = syntheticEvents({ epochs: 3 }).filter((e) => e.type !== 'progress');
    folder.appendEvent({ type: 'log', level: 'info', message: 'backend wasm' });
    for (const event of events) {
      folder.appendEvent(event);
      if (event.type === 'epoch') folder.appendEvent({ type: 'checkpoint', phase: event.phase, epoch: event.epoch, kind: 'last', path: '/x' });
    }
    const history = readRunHistory(folder.dir);
    assert.equal(history.record?.status, 'completed');
    assert.deepEqual(history.config, { name: 'synthetic-kd', seed: 1 });
    assert.ok(history.events.every((e) => !('time' in e) && (e.type as string) !== 'checkpoint' && (e.type as string) !== 'log'));
    assert.equal(history.events.filter((e) => e.type === 'epoch').length, 9);
    const predictions = history.events.filter((e) => e.type === 'predictions');
    assert.deepEqual(
      predictions.map((e) => [e.phase, e.epoch]),
      [
        ['teacher', 3],
        ['student-scratch', 3],
        ['student', 3],
      ],
    );
  });

  test('the run list and the comparison read run.json and summary.json; a broken run is listed as damaged', () => {
    const runs = join(root, 'runs');
    const second = new RunFolder(join(runs, 'synthetic-kd', 'run-2'));
    second.ensure();
    completed(second);
    second.writeSummary(summary(2, 0.01));
    const broken = new RunFolder(join(runs, 'broken', 'run-1'));
    broken.ensure();
    writeFileSync(broken.path('run.json'), '{ half');
    const items = listRunItems(readRuns(runs));
    assert.deepEqual(
      items.map((r) => `${r.experiment}/${r.id}:${r.status}`),
      ['broken/run-1:damaged', 'synthetic-kd/run-1:completed', 'synthetic-kd/run-2:completed'],
    );
    const compare = readCompareRuns(readRuns(runs));
    assert.deepEqual(
      compare.map((r) => r.id),
      ['run-2'],
      'only runs with a summary',
    );
    assert.equal(compare[0].summary.seed, 2);
    assert.deepEqual(listRunItems(readRuns(join(root, 'nowhere'))), []);
  });
});
