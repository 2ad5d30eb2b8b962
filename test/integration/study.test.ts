import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import * as vscode from 'vscode';
import type { DistillApi } from '../../src/host/extension';
import type { MemberNode, StudyNode, TreeNode } from '../../src/host/experiments/tree';
import { DEMO_CONFIG } from '../../src/cli/demo-config';
import type { RunRecord, RunSummary, StudyConfigInput } from '../../src/shared/protocol';
import { api, extension, longRun, note, screenshot, tempDir, tinyRun, waitFor } from './support';

interface Cluster {
  conf: string;
  stop(): Promise<void>;
}

/** An ES module loaded at run time (the suite is bundled as CommonJS; a literal import() would be bundled too). */
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** A study's base: a tiny run's config without its name and method (the study's own). */
function studyBase(run = tinyRun('unused')): Record<string, unknown> {
  const { name: _name, method: _method, ...base } = run;
  return base;
}

const readJson = <T>(file: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function studyNode(distill: DistillApi, studyDir: string): StudyNode {
  distill.store.refresh();
  const node = distill.tree.getChildren().find((n): n is StudyNode => n.kind === 'study' && n.studyDir === studyDir);
  assert.ok(node, `the tree shows the study ${studyDir}`);
  return node;
}

const memberNodes = (distill: DistillApi, node: StudyNode) => distill.tree.getChildren(node as TreeNode) as MemberNode[];

describe('studies', function () {
  this.timeout(180_000);
  let distill: DistillApi;
  let studyDir: string;
  const settings = () => vscode.workspace.getConfiguration('distill');
  let previous: number | undefined;

  before(async () => {
    distill = await api();
    previous = settings().inspect<number>('maxParallelRuns')?.workspaceValue;
    await settings().update('maxParallelRuns', 2, vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await settings().update('maxParallelRuns', previous, vscode.ConfigurationTarget.Workspace);
  });

  it('distill.startStudy: 2 methods × 2 seeds train two trainer processes at once and complete; the tree shows the study and its members', async () => {
    const input: StudyConfigInput = { name: 'it-study', base: studyBase(), methods: ['kd', 'dkd'], seeds: [1, 2] };
    const started = Date.now();
    studyDir = (await vscode.commands.executeCommand<string>('distill.startStudy', input))!;
    assert.ok(studyDir && existsSync(join(studyDir, 'study.json')), 'the command returns the study folder, with study.json in it');
    const active = distill.studies.study(studyDir);
    assert.ok(active, 'the study runs in this window');

    // Two trainers at once: two members' run.json say running, with two different pids, both alive at that moment.
    let together: { ids: string[]; pids: number[] } | undefined;
    let mostRunning = 0;
    const watching = distill.studies.onDidChange((study) => study === active && (mostRunning = Math.max(mostRunning, study.running)));
    const probe = setInterval(() => {
      const running = [...active.started].filter(([id]) => !active.settled.has(id));
      const records = running.flatMap(([id, runDir]) => {
        const record = readJson<RunRecord>(join(runDir, 'run.json'));
        return record?.status === 'running' && record.pid !== undefined && record.pid !== process.pid && isAlive(record.pid) ? [{ id, pid: record.pid }] : [];
      });
      if (!together && records.length >= 2 && new Set(records.map((r) => r.pid)).size === records.length) together = { ids: records.map((r) => r.id), pids: records.map((r) => r.pid) };
    }, 50);
    let node: StudyNode | undefined;
    try {
      node = await waitFor('a member node running in the tree', () => {
        const n = studyNode(distill, studyDir);
        return memberNodes(distill, n).some((m) => m.view.status === 'running') && n;
      });
      assert.equal(distill.tree.getTreeItem(node).contextValue, 'study.running');
      assert.match(String(distill.tree.getTreeItem(node).description), /^\d\/7 done, \d running/);
      await vscode.commands.executeCommand('workbench.view.extension.distill');
      await screenshot('study-running');
      const outcome = await active.done;
      assert.ok(outcome && !outcome.stopped);
    } finally {
      clearInterval(probe);
      watching.dispose();
    }
    note(`study of 7 tiny members at 2 at once: ${((Date.now() - started) / 1000).toFixed(1)} s from the command to its end`);
    assert.ok(together, 'two members trained at the same moment');
    note(`two trainers at once: ${together.ids.join(' and ')} (pids ${together.pids.join(', ')})`);
    assert.equal(mostRunning, 2, 'never more than distill.maxParallelRuns, and two at a time');

    node = studyNode(distill, studyDir);
    const item = distill.tree.getTreeItem(node);
    assert.equal(item.description, '7/7 done');
    assert.equal(item.contextValue, 'study.complete');
    const members = memberNodes(distill, node);
    assert.deepEqual(
      members.map((m) => [m.view.member.id, m.view.status]),
      ['teacher', 'scratch-s1', 'scratch-s2', 'kd-s1', 'kd-s2', 'dkd-s1', 'dkd-s2'].map((id) => [id, 'completed']),
    );
    for (const member of members) assert.equal(member.runDir, join(studyDir, member.view.member.id));
    const kd1 = distill.tree.getTreeItem(members[3]);
    assert.equal(kd1.contextValue, 'member.completed');
    assert.match(String(kd1.description), /^kd · seed 1 · student \d+\.\d% test$/);
    // The members are the study's, not loose runs of an experiment at the top level.
    assert.ok(!distill.tree.getChildren().some((n) => n.kind === 'experiment' && n.name === basename(studyDir)));
    assert.equal(distill.tree.getParent(members[0])?.kind, 'study');
    // The teacher trained once, and every method member learned from its checkpoint.
    for (const id of ['kd-s1', 'kd-s2', 'dkd-s1', 'dkd-s2'])
      assert.equal(readJson<{ teacher: { checkpoint: string } }>(join(studyDir, id, 'config.json'))!.teacher.checkpoint, join(studyDir, 'teacher', 'checkpoints', 'teacher', 'last'));
    // The view redraws asynchronously, after the store's last rescan.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await screenshot('study-complete');
  });

  it('Export Study Table writes CSV and Markdown whose figures are those of the member run folders', async () => {
    const node = studyNode(distill, studyDir);
    const out = tempDir('distill-study-table-');
    const csvFile = await vscode.commands.executeCommand<string>('distill.exportStudyTable', node, join(out, 'table.csv'));
    const mdFile = await vscode.commands.executeCommand<string>('distill.exportStudyTable', { studyDir }, vscode.Uri.file(join(out, 'table.md')));
    assert.deepEqual([csvFile, mdFile], [join(out, 'table.csv'), join(out, 'table.md')]);
    const rows = parse(readFileSync(csvFile!, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      rows.map((r) => [r.method, r.role, r.members, r.completed, r.failed]),
      [
        ['teacher', 'teacher', '1', '1', '0'],
        ['scratch', 'baseline', '2', '2', '0'],
        ['kd', 'method', '2', '2', '0'],
        ['dkd', 'method', '2', '2', '0'],
      ],
    );
    // Each figure again, from the run folders' summary.json.
    const test = (id: string, role = 'student') => readJson<RunSummary>(join(studyDir, id, 'summary.json'))!.models.find((m) => m.role === role)!.testAccuracy!;
    const close = (actual: string, expected: number, what: string) => assert.ok(Math.abs(Number(actual) - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);
    close(rows[0].test_mean, test('teacher', 'teacher'), 'teacher');
    close(rows[1].test_mean, (test('scratch-s1') + test('scratch-s2')) / 2, 'scratch');
    for (const [i, method] of [
      [2, 'kd'],
      [3, 'dkd'],
    ] as const) {
      const [a, b] = [test(`${method}-s1`), test(`${method}-s2`)];
      close(rows[i].test_mean, (a + b) / 2, `${method} mean`);
      close(rows[i].test_sd, Math.abs(a - b) / Math.SQRT2, `${method} sd`);
      close(rows[i].delta_mean, (a - test('scratch-s1') + (b - test('scratch-s2'))) / 2, `${method} Δ`);
    }
    const markdown = readFileSync(mdFile!, 'utf8');
    const kdMean = ((test('kd-s1') + test('kd-s2')) / 2) * 100;
    assert.match(markdown, /^\| method \| seeds \| test acc \(mean ± sd\) \|/);
    assert.ok(
      markdown.split('\n').some((line) => line.startsWith('| kd | 2/2 | ') && line.includes(kdMean.toFixed(2))),
      markdown,
    );
  });

  it('Resume Study trains only the members without a completed run', async () => {
    rmSync(join(studyDir, 'kd-s2'), { recursive: true, force: true });
    const before = studyNode(distill, studyDir);
    assert.equal(distill.tree.getTreeItem(before).description, '6/7 done, 1 not started');
    assert.equal(distill.tree.getTreeItem(before).contextValue, 'study.incomplete');
    assert.equal(await vscode.commands.executeCommand('distill.resumeStudy', before), studyDir);
    const active = distill.studies.study(studyDir)!;
    const outcome = await active.done;
    assert.deepEqual(outcome?.ran, ['kd-s2']);
    assert.equal(distill.tree.getTreeItem(studyNode(distill, studyDir)).description, '7/7 done');
    assert.ok(!existsSync(join(studyDir, 'kd-s1.r2')));
  });

  it('Run Study from File, then Stop Study: the running members are cancelled and no more start', async () => {
    const folder = tempDir('distill-study-file-');
    const file = join(folder, 'long.study.json');
    writeFileSync(file, JSON.stringify({ name: 'it-study-stop', base: studyBase(longRun('unused')), methods: ['kd'], seeds: [1] }));
    const stopDir = await vscode.commands.executeCommand<string>('distill.runStudyFromFile', vscode.Uri.file(file));
    assert.ok(stopDir);
    assert.equal(JSON.parse(readFileSync(join(stopDir, 'study.json'), 'utf8')).baseDir, folder);
    const active = distill.studies.study(stopDir)!;
    const teacherRun = join(stopDir, 'teacher', 'run.json');
    await waitFor('the teacher member to train', () => readJson<RunRecord>(teacherRun)?.status === 'running', 60_000);
    const pid = readJson<RunRecord>(teacherRun)!.pid!;
    assert.equal(await vscode.commands.executeCommand('distill.stopStudy', studyNode(distill, stopDir)), true);
    const outcome = await active.done;
    assert.ok(outcome?.stopped);
    assert.equal(readJson<RunRecord>(teacherRun)!.status, 'cancelled');
    await waitFor(`trainer ${pid} to exit`, () => !isAlive(pid), 10_000);
    const members = Object.fromEntries(memberNodes(distill, studyNode(distill, stopDir)).map((m) => [m.view.member.id, m.view.status]));
    // The baseline may have finished before Stop; the kd member never started (its teacher did not complete).
    assert.equal(members.teacher, 'cancelled');
    assert.ok(['completed', 'cancelled'].includes(members['scratch-s1']), members['scratch-s1']);
    assert.equal(members['kd-s1'], 'blocked');
    assert.ok(!existsSync(join(stopDir, 'kd-s1')));
    assert.equal(distill.tree.getTreeItem(studyNode(distill, stopDir)).contextValue, 'study.incomplete');
  });

  it('Compare Methods… with no dashboard open: the preselected KD and the seeds 1, 2, 3 on the demo config start a study; Stop Study ends it', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    let settled = false;
    const command = Promise.resolve(vscode.commands.executeCommand<string>('distill.compareMethods')).finally(() => (settled = true));
    // The real quick pick (kd preselected), then the real input box ("1, 2, 3" given): each accepted as a user pressing Enter.
    for (let i = 0; i < 40 && !settled; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const compareDir = await command;
    assert.ok(compareDir, 'the command returns the study folder');
    assert.equal(basename(compareDir), `${DEMO_CONFIG.name}-methods`);
    const saved = JSON.parse(readFileSync(join(compareDir, 'study.json'), 'utf8'));
    assert.deepEqual([saved.methods, saved.seeds], [['kd'], [1, 2, 3]]);
    assert.deepEqual(saved.base.teacher, DEMO_CONFIG.teacher);
    assert.ok(!('method' in saved.base));
    const active = distill.studies.study(compareDir)!;
    await waitFor('a member to start', () => active.started.size > 0, 60_000);
    assert.equal(await vscode.commands.executeCommand('distill.stopStudy', { studyDir: compareDir }), true);
    const outcome = await active.done;
    assert.ok(outcome?.stopped);
    assert.equal(distill.tree.getTreeItem(studyNode(distill, compareDir)).contextValue, 'study.incomplete');
  });

  it('distill.studyExecutor "slurm": the study goes to a real one-node cluster as an sbatch array and completes, watched until its members settle', async function () {
    this.timeout(240_000);
    const started = Date.now();
    const { startCluster } = (await importModule(pathToFileURL(join(extension().extensionPath, 'scripts', 'slurm-cluster.mjs')).href)) as { startCluster: () => Promise<Cluster> };
    const cluster = await startCluster();
    note(`Slurm cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const saved = { conf: process.env.SLURM_CONF, poll: process.env.DISTILL_SLURM_POLL_MS };
    // The extension host's environment is the Slurm commands' (SLURM_CONF picks the cluster).
    process.env.SLURM_CONF = cluster.conf;
    process.env.DISTILL_SLURM_POLL_MS = '500';
    await settings().update('studyExecutor', 'slurm', vscode.ConfigurationTarget.Workspace);
    try {
      const submitted = Date.now();
      const slurmDir = (await vscode.commands.executeCommand<string>('distill.startStudy', { name: 'it-study-slurm', base: studyBase(), methods: ['kd'], seeds: [1] }))!;
      assert.ok(slurmDir, 'the command returns the study folder');
      const active = distill.studies.study(slurmDir)!;
      const node = studyNode(distill, slurmDir);
      assert.equal(distill.tree.getTreeItem(node).contextValue, 'study.running');
      const outcome = await active.done;
      note(`Slurm study of 3 tiny members: ${((Date.now() - submitted) / 1000).toFixed(1)} s from the command to every member settled`);
      assert.deepEqual([...(outcome?.ran ?? [])].sort(), ['kd-s1', 'scratch-s1', 'teacher']);
      const jobs = readJson<{ submissions: { script: string; tasks: { member: string }[] }[] }>(join(slurmDir, 'slurm', 'jobs.json'));
      assert.ok(jobs && existsSync(join(slurmDir, jobs.submissions[0].script)), 'the sbatch script and jobs.json are in the study folder');
      assert.deepEqual(jobs.submissions[0].tasks.map((t) => t.member).sort(), ['kd-s1', 'scratch-s1', 'teacher']);
      const done = studyNode(distill, slurmDir);
      assert.equal(distill.tree.getTreeItem(done).description, '3/3 done');
      assert.deepEqual(
        memberNodes(distill, done).map((m) => [m.view.member.id, m.view.status]),
        [
          ['teacher', 'completed'],
          ['scratch-s1', 'completed'],
          ['kd-s1', 'completed'],
        ],
      );
      assert.equal(readJson<{ teacher: { checkpoint: string } }>(join(slurmDir, 'kd-s1', 'config.json'))!.teacher.checkpoint, join(slurmDir, 'teacher', 'checkpoints', 'teacher', 'last'));
    } finally {
      await settings().update('studyExecutor', undefined, vscode.ConfigurationTarget.Workspace);
      if (saved.conf === undefined) delete process.env.SLURM_CONF;
      else process.env.SLURM_CONF = saved.conf;
      if (saved.poll === undefined) delete process.env.DISTILL_SLURM_POLL_MS;
      else process.env.DISTILL_SLURM_POLL_MS = saved.poll;
      await cluster.stop();
    }
  });
});
