// Multi-teacher on text: the extra teacher the method defaults to on images (an MLP beside the CNN)
// cannot read token ids, so on a text data set it defaults to a transformer of the teacher's
// architecture; an image model given for it on text is refused naming the field. And one tiny real
// run of the defaults on a user's CSV: two transformer teachers, their ensemble, the student.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseExperimentConfig, TEXT_MODEL_DEFAULTS, type ExperimentConfigInput } from '../../src/shared/protocol';
import { configProblems } from '../support/config-problems';
import { assertTrains, runMethod, scratchDir } from '../support/method-run';
import { writeMessagesCsv } from '../support/text-messages';

const spam = { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 16 } } as const;
const transformer = { arch: 'transformer', layers: 1, hidden: 16, heads: 2, maxLength: 16, dropout: 0 } as const;
const teachersOf = (input: ExperimentConfigInput) => (parseExperimentConfig(input).method as { teachers: unknown }).teachers;

describe('multi-teacher: the extra teachers by default on text', () => {
  test("on text, the extra teacher left out is the teacher's transformer (the parsed spec, defaults filled)", () => {
    assert.deepEqual(teachersOf({ data: spam, teacher: { model: transformer }, method: { name: 'multi-teacher' } }), [{ ...transformer }]);
    // Other fields of the method keep their own defaults; given ones stay.
    const method = parseExperimentConfig({ data: spam, teacher: { model: transformer }, method: { name: 'multi-teacher', temperature: 2 } }).method;
    assert.deepEqual(method, { name: 'multi-teacher', teachers: [transformer], checkpoints: [], aggregate: 'logits', temperature: 2, alpha: 0.9 });
  });

  test('with no teacher model given, the text default teacher (the same the teacher gets)', () => {
    const config = parseExperimentConfig({ data: spam, method: { name: 'multi-teacher' } });
    assert.deepEqual((config.method as { teachers: unknown }).teachers, [config.teacher.model]);
    assert.deepEqual((config.method as { teachers: unknown[] }).teachers, [parseExperimentConfig({ data: spam }).teacher.model]);
    assert.equal(config.teacher.model.arch, TEXT_MODEL_DEFAULTS.teacher.arch);
  });

  test('a teacher that is not a transformer (left to the run) does not become the extra teacher: the text default does', () => {
    const teachers = teachersOf({ data: spam, teacher: { model: { arch: 'mlp', hidden: [8] } }, method: { name: 'multi-teacher' } }) as { arch: string }[];
    assert.deepEqual(
      teachers.map((t) => t.arch),
      ['transformer'],
    );
  });

  test('images keep the MLP beside the CNN; given teachers stay, on text too (an empty list included)', () => {
    assert.deepEqual(teachersOf({ method: { name: 'multi-teacher' } }), [{ arch: 'mlp', hidden: [256, 256] }]);
    const two = [transformer, { ...transformer, layers: 2 }];
    assert.deepEqual(teachersOf({ data: spam, teacher: { model: transformer }, method: { name: 'multi-teacher', teachers: two } }), two);
    assert.deepEqual(teachersOf({ data: spam, teacher: { model: transformer }, method: { name: 'multi-teacher', teachers: [] } }), []);
  });

  test('an image model given as an extra teacher on text is refused, naming the field and the default', () => {
    const problems = configProblems({ data: spam, teacher: { model: transformer }, method: { name: 'multi-teacher', teachers: [transformer, { arch: 'mlp', hidden: [256, 256] }] } });
    assert.deepEqual(problems, [
      `config.method.teachers.1.arch: mlp reads images or features, but data.dataset is the built-in set "spamassassin" (token ids); choose transformer, or leave method.teachers out (on text it defaults to the teacher's transformer)`,
    ]);
  });

  test('other methods get no text defaults of their own (their model fields default to the teacher or the student)', () => {
    for (const name of ['kd', 'born-again', 'dml'] as const) {
      const method = parseExperimentConfig({ data: spam, teacher: { model: transformer }, student: { model: transformer }, method: { name } }).method;
      assert.deepEqual(method, parseExperimentConfig({ teacher: { model: { arch: 'cnn' } }, method: { name } }).method, name);
    }
  });
});

describe('multi-teacher on text, run with its defaults', () => {
  const dir = scratchDir('multi-teacher-text');
  after(() => dir.remove());

  test('two transformer teachers train, their ensemble is evaluated, the student learns from it; the log says what the ensemble is', async () => {
    const csv = writeMessagesCsv(dir.path('messages.csv'), 48, () => 4);
    const config: ExperimentConfigInput = {
      name: 'multi-teacher-text',
      data: { dataset: { kind: 'text', train: csv, maxLength: 8 } },
      teacher: { model: { ...transformer, maxLength: 8 }, train: { epochs: 2, batchSize: 8, learningRate: 3e-3 } },
      student: { model: { ...transformer, hidden: 8, maxLength: 8 } },
      method: { name: 'multi-teacher' },
      train: { epochs: 3, batchSize: 8, learningRate: 3e-3 },
      baseline: false,
      predictionSamples: 2,
      backend: 'cpu',
    };
    const run = await runMethod(config, dir.path('run'));
    assert.deepEqual(run.phases, ['teacher', 'teacher-2', 'teacher-ensemble', 'student']);
    assert.deepEqual(
      run.summary.models.map((m) => [m.role, m.arch]),
      [
        ['teacher', 'transformer 1x16h2'],
        ['teacher-2', 'transformer 1x16h2'],
        ['teacher-ensemble', 'ensemble of transformer 1x16h2 + transformer 1x16h2'],
        ['student', 'transformer 1x8h2'],
      ],
    );
    assertTrains(run, 'student', ['ce', 'kd']);
    const logs = run.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    assert.ok(logs.includes('multi-teacher: the ensemble is teacher (transformer 1x16h2), teacher-2 (transformer 1x16h2)'), logs.join('\n'));
  });
});
