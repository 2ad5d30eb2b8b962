// A study's schema (every bad field named) and its expansion into paired members.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseExperimentConfig, parseStudy, StudyError, type StudyConfigInput } from '../../src/shared/protocol';
import { expandStudy, randomDraws, settingsOf, withTeacherCheckpoint } from '../../src/shared/study/expand';
import { seedOf } from '../../src/core/run/plans/plan';
import { buildModel } from '../../src/core/models/zoo';

function problemsOf(input: unknown): string[] {
  try {
    const study = parseStudy(input);
    expandStudy(study, 'study');
  } catch (error) {
    assert.ok(error instanceof StudyError, `expected a StudyError, got ${error}`);
    return error.problems;
  }
  assert.fail('expected the study to be rejected');
}

const study = (extra: Partial<StudyConfigInput> = {}): StudyConfigInput => ({ methods: ['kd', 'dkd'], seeds: [1, 2], ...extra });

describe('study schema', () => {
  test('a minimal study parses with defaults: name "study", empty base and grid, no random search', () => {
    const parsed = parseStudy(study());
    assert.equal(parsed.name, 'study');
    assert.deepEqual(parsed.base, {});
    assert.deepEqual(parsed.grid, {});
    assert.equal(parsed.random, undefined);
  });

  test('missing and empty axes are named', () => {
    assert.deepEqual(problemsOf({ seeds: [1] }), ['study.methods: expected array, got nothing']);
    assert.deepEqual(problemsOf({ methods: ['kd'], seeds: [] }), ['study.seeds: expected an array with at least 1 items, got []']);
    assert.deepEqual(problemsOf({ methods: ['kd'], seeds: [1, -2, 1.5] }), ['study.seeds.1: expected at least 0, got -2', 'study.seeds.2: expected integer, got float 1.5']);
  });

  test('an unknown field, method, a repeated seed, and teacher or scratch as a method are named', () => {
    assert.deepEqual(problemsOf({ ...study(), seed: 3 }), ['study: unknown field "seed"']);
    const problems = problemsOf({ methods: ['kd', 'kdd', 'scratch'], seeds: [1, 2, 1] });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0], /^study\.methods\.1: expected one of "kd", .*got "kdd"$/);
    assert.match(problems[1], /^study\.methods\.2: "scratch" is part of every study/);
    assert.equal(problems[2], 'study.seeds.2: seed 1 is listed twice');
  });

  test('the base may not name the method nor turn the baseline off', () => {
    assert.deepEqual(problemsOf(study({ base: { method: { name: 'kd' } } })), ["study.base.method: a study's methods are its `methods` axis; give them there"]);
    assert.match(problemsOf(study({ base: { baseline: false } }))[0], /^study\.base\.baseline: a study pairs every method/);
  });

  test('grid fields: the teacher, the data and the seed are not swept; a method parameter must exist in some method', () => {
    assert.match(problemsOf(study({ grid: { 'teacher.train.epochs': [1, 2] } }))[0], /^study\.grid\.teacher\.train\.epochs: cannot vary "teacher\.train\.epochs"/);
    assert.match(problemsOf(study({ grid: { 'data.limitTrain': [100] } }))[0], /^study\.grid\.data\.limitTrain: cannot vary/);
    assert.match(problemsOf(study({ grid: { 'method.name': ['kd'] } }))[0], /^study\.grid\.method\.name: the methods are the `methods` axis/);
    assert.deepEqual(problemsOf(study({ grid: { 'method.gamma': [1, 2] } })), ['study.grid.method.gamma: none of the study\'s methods (kd, dkd) has a parameter "gamma"']);
    assert.deepEqual(problemsOf(study({ grid: { 'method.temperature': [] } })), ['study.grid.method.temperature: expected an array with at least 1 items, got []']);
  });

  test('random ranges: the right way round, log above 0, integers with integer ends, not also in the grid', () => {
    const problems = problemsOf(
      study({
        grid: { 'method.alpha': [0.5] },
        random: {
          budget: 3,
          fields: {
            'method.temperature': { min: 4, max: 2 },
            'train.learningRate': { min: 0, max: 1, log: true },
            'train.epochs': { min: 1, max: 2.5, integer: true },
            'method.alpha': { min: 0, max: 1 },
          },
        },
      }),
    );
    assert.deepEqual(problems, [
      'study.random.fields.method.temperature: expected min below max, got 4 and 2',
      'study.random.fields.train.learningRate.min: a log range must start above 0, got 0',
      'study.random.fields.train.epochs: an integer range needs integer ends, got 1 and 2.5',
      'study.random.fields.method.alpha: "method.alpha" is in the grid too; vary it one way',
    ]);
    assert.deepEqual(problemsOf(study({ random: { budget: 0, fields: { 'method.alpha': { min: 0, max: 1 } } } })), ['study.random.budget: expected more than 0, got 0']);
  });

  test('a bad value in the grid is reported against the member and the config field it reaches', () => {
    const problems = problemsOf(study({ methods: ['kd'], seeds: [1], grid: { 'method.temperature': [4, -1] } }));
    assert.deepEqual(problems, ['study member kd-temperature=-1-s1 (method kd, temperature=-1, seed 1): config.method.temperature: expected more than 0, got -1']);
  });

  test('a bad base config is reported by its field', () => {
    const problems = problemsOf(study({ base: { train: { epochs: 0 } } }));
    assert.ok(problems.length > 0);
    assert.ok(
      problems.every((p) => p.endsWith('config.train.epochs: expected more than 0, got 0')),
      problems.join('\n'),
    );
  });
});

describe('study expansion', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test("2 methods × 2 seeds: one teacher, one baseline per seed, each method member paired with its seed's baseline and learning from the teacher", () => {
    const { members, teacher } = expandStudy(parseStudy(study({ base: { seed: 7 } })), 'cmp');
    assert.equal(teacher, 'teacher');
    assert.deepEqual(
      members.map((m) => [m.id, m.role, m.seed, m.baseline ?? '', m.teacher ?? '']),
      [
        ['teacher', 'teacher', 7, '', ''],
        ['scratch-s1', 'baseline', 1, '', ''],
        ['scratch-s2', 'baseline', 2, '', ''],
        ['kd-s1', 'method', 1, 'scratch-s1', 'teacher'],
        ['kd-s2', 'method', 2, 'scratch-s2', 'teacher'],
        ['dkd-s1', 'method', 1, 'scratch-s1', 'teacher'],
        ['dkd-s2', 'method', 2, 'scratch-s2', 'teacher'],
      ],
    );
    for (const member of members) {
      const config = parseExperimentConfig(member.teacher ? withTeacherCheckpoint(member.config, '/t') : member.config);
      assert.equal(config.name, 'cmp');
      assert.equal(config.baseline, false, 'the baseline is its own member');
      assert.equal(config.method.name, member.method);
      assert.equal(config.seed, member.seed);
    }
  });

  test('a student and its baseline of one seed start from the same weights; another seed from others', () => {
    const { members } = expandStudy(parseStudy(study({ methods: ['kd'], base: { student: { model: { arch: 'mlp', hidden: [8] } } } })), 's');
    const configOf = (id: string) => {
      const member = members.find((m) => m.id === id)!;
      return parseExperimentConfig(member.teacher ? withTeacherCheckpoint(member.config, '/t') : member.config);
    };
    const initial = (id: string) => {
      const config = configOf(id);
      // The standard plan builds the student, in the baseline's run too, as role "student" from seedOf(config, 'student').
      const model = buildModel(config.student.model, { inputShape: [28, 28, 1], numClasses: 10, role: 'student', seed: seedOf(config, 'student') });
      const weights = model.net.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return weights;
    };
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(initial('kd-s1'), initial('scratch-s1'));
    assert.notDeepEqual(initial('kd-s1'), initial('kd-s2'));
  });

  test('a given teacher checkpoint: no teacher member, every member loads it', () => {
    const { members, teacher } = expandStudy(parseStudy(study({ methods: ['kd'], seeds: [1], base: { teacher: { checkpoint: '/ckpt' } } })), 's');
    assert.equal(teacher, undefined);
    assert.deepEqual(
      members.map((m) => m.id),
      ['scratch-s1', 'kd-s1'],
    );
    assert.equal(parseExperimentConfig(members[1].config).teacher.checkpoint, '/ckpt');
  });

  test('a method without a teacher (DML) trains no teacher member and loads none', () => {
    const { members, teacher } = expandStudy(parseStudy(study({ methods: ['dml'], seeds: [1] })), 's');
    assert.equal(teacher, undefined);
    assert.deepEqual(
      members.map((m) => [m.id, m.teacher]),
      [
        ['scratch-s1', undefined],
        ['dml-s1', undefined],
      ],
    );
  });

  test('a method listed twice with different parameters gets a row of each, its parameters in its name; the same one twice is refused', () => {
    const { members } = expandStudy(
      parseStudy(
        study({
          methods: [
            { name: 'kd', temperature: 2 },
            { name: 'kd', temperature: 8 },
          ],
          seeds: [1],
        }),
      ),
      's',
    );
    assert.deepEqual(
      members.filter((m) => m.role === 'method').map((m) => [m.id, m.group]),
      [
        ['kd-temperature=2-s1', 'kd temperature=2'],
        ['kd-temperature=8-s1', 'kd temperature=8'],
      ],
    );
    assert.deepEqual(problemsOf(study({ methods: ['kd', { name: 'kd' }] })), ['study.methods.1: the same method as study.methods.0']);
    // Values that are not numbers, strings or booleans are named, not spelled out; entries that would read the same are numbered.
    const csv = (train: string) => ({ kind: 'csv', train, labelColumn: 'label' });
    const transfer = expandStudy(
      parseStudy(
        study({
          methods: [
            { name: 'unlabeled', transfer: csv('a.csv') },
            { name: 'unlabeled', transfer: csv('b.csv') },
          ],
          seeds: [1],
        }),
      ),
      's',
    );
    assert.deepEqual(
      transfer.members.filter((m) => m.role === 'method').map((m) => [m.id, m.group]),
      [
        ['unlabeled-transfer=_-s1', 'unlabeled transfer=…'],
        ['unlabeled-transfer=_,entry=1-s1', 'unlabeled transfer=…,entry=1'],
      ],
    );
  });

  test('whether a member learns from the teacher follows its own parameters: SAD with kdWeight 0 needs none, with 1 the shared one', () => {
    assert.equal(expandStudy(parseStudy(study({ methods: ['sad'], seeds: [1] })), 's').teacher, undefined);
    const { members, teacher } = expandStudy(parseStudy(study({ methods: ['sad'], seeds: [1], grid: { 'method.kdWeight': [0, 1] } })), 's');
    assert.equal(teacher, 'teacher');
    assert.deepEqual(
      members.map((m) => [m.id, m.teacher]),
      [
        ['teacher', undefined],
        ['scratch-s1', undefined],
        ['sad-kdWeight=0-s1', undefined],
        ['sad-kdWeight=1-s1', 'teacher'],
      ],
    );
  });

  test('grid: a method parameter reaches only the methods that have it and shares the baseline; a training field gets a baseline per value', () => {
    const { members } = expandStudy(parseStudy(study({ methods: ['kd', 'dml'], seeds: [1], grid: { 'method.temperature': [2, 8], 'train.learningRate': [0.01, 0.001] } })), 's');
    const byId = new Map(members.map((m) => [m.id, m]));
    assert.deepEqual(
      members.filter((m) => m.role === 'baseline').map((m) => m.id),
      ['scratch-learningRate=0.01-s1', 'scratch-learningRate=0.001-s1'],
    );
    assert.deepEqual(
      members.filter((m) => m.role === 'method').map((m) => [m.id, m.baseline]),
      [
        ['kd-temperature=2,learningRate=0.01-s1', 'scratch-learningRate=0.01-s1'],
        ['kd-temperature=2,learningRate=0.001-s1', 'scratch-learningRate=0.001-s1'],
        ['kd-temperature=8,learningRate=0.01-s1', 'scratch-learningRate=0.01-s1'],
        ['kd-temperature=8,learningRate=0.001-s1', 'scratch-learningRate=0.001-s1'],
        // DML has no temperature: two settings, not four.
        ['dml-learningRate=0.01-s1', 'scratch-learningRate=0.01-s1'],
        ['dml-learningRate=0.001-s1', 'scratch-learningRate=0.001-s1'],
      ],
    );
    const kd = parseExperimentConfig(withTeacherCheckpoint(byId.get('kd-temperature=8,learningRate=0.001-s1')!.config, '/t'));
    assert.equal(kd.method.name === 'kd' && kd.method.temperature, 8);
    assert.equal(kd.train.learningRate, 0.001);
    assert.equal(byId.get('kd-temperature=8,learningRate=0.001-s1')!.group, 'kd temperature=8,learningRate=0.001');
  });

  test('random search: the budget of draws, reproducible from its seed, inside the ranges, log-uniform and integer as asked', () => {
    const random = { budget: 200, seed: 5, fields: { 'train.learningRate': { min: 1e-4, max: 1e-1, log: true, integer: false }, 'train.epochs': { min: 1, max: 3, log: false, integer: true } } };
    const draws = randomDraws(random);
    assert.equal(draws.length, 200);
    assert.deepEqual(randomDraws(random), draws);
    assert.notDeepEqual(randomDraws({ ...random, seed: 6 }), draws);
    const rates = draws.map((d) => d['train.learningRate']);
    assert.ok(rates.every((r) => r >= 1e-4 && r <= 1e-1));
    // Log-uniform: about a third of the draws in each decade.
    const belowMilli = rates.filter((r) => r < 1e-3).length;
    assert.ok(belowMilli > 40 && belowMilli < 100, `${belowMilli} of 200 below 1e-3`);
    assert.deepEqual([...new Set(draws.map((d) => d['train.epochs']))].sort(), [1, 2, 3]);
    // Crossed with the grid: every grid value with every draw.
    const settings = settingsOf(parseStudy(study({ grid: { 'method.alpha': [0.5, 0.9] }, random: { budget: 3, seed: 1, fields: { 'method.temperature': { min: 1, max: 8 } } } })));
    assert.equal(settings.length, 6);
    assert.deepEqual(
      settings.map((s) => s['method.alpha']),
      [0.5, 0.5, 0.5, 0.9, 0.9, 0.9],
    );
  });
});
