// Configs whose fields do not fit together are refused when parsed — by the CLI, the form and the
// extension alike — in the words the run start uses (modelKindProblem).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { modelKindProblem } from '../../src/shared/methods';
import { configProblems } from '../support/config-problems';
import { parseExperimentConfig, type ExperimentConfigInput } from '../../src/shared/protocol';

const text = { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 32 } } as const;
const transformer = { arch: 'transformer', layers: 2, hidden: 16, heads: 2, maxLength: 32 } as const;
const textConfig = (method: ExperimentConfigInput['method']): ExperimentConfigInput => ({ data: text, teacher: { model: transformer }, student: { model: transformer }, method });

describe('config: methods and models that do not fit are refused at parse time', () => {
  for (const name of ['at', 'sad', 'fitnet'] as const) {
    test(`${name} with transformers names method.name, the reason and the methods that take text`, () => {
      const problems = configProblems(textConfig({ name }));
      const expected = `config.method.name: ${modelKindProblem(name, 'text')}`;
      assert.ok(
        problems.some((p) => p.startsWith(expected)),
        problems.join('\n'),
      );
      assert.match(problems.join('\n'), /for text models use DistilBERT \(distilbert\), PKD \(pkd\), TinyBERT \(tinybert\), MiniLM \(minilm\)/);
      assert.equal(problems.length, 1, 'said once, not once per model');
    });
  }

  test('FitNets with only the student a transformer', () => {
    const problems = configProblems({ ...textConfig({ name: 'fitnet' }), teacher: { model: { arch: 'mlp', hidden: [16] } } });
    assert.ok(problems.some((p) => /^config\.method\.name: method "fitnet" .*\(config\.student\.model is a transformer\)$/.test(p)));
  });

  test('SAD without KD ignores the teacher, so only the student counts', () => {
    const config = { ...textConfig({ name: 'sad', kdWeight: 0 }), teacher: { model: { arch: 'cnn', widths: [8] } } } as ExperimentConfigInput;
    const problems = configProblems(config);
    assert.deepEqual(
      problems.map((p) => p.split(':')[0]),
      ['config.method.name'],
    );
  });

  test('MiniLM with image models is left to the run start (every method parses on the default models)', () => {
    assert.equal(parseExperimentConfig({ method: { name: 'minilm' } }).method.name, 'minilm');
  });

  test('the text methods and KD parse on transformers; AT, SAD and FitNets still parse on image models', () => {
    for (const name of ['distilbert', 'pkd', 'tinybert', 'minilm', 'kd', 'dkd', 'crd', 'srrl'] as const) assert.equal(parseExperimentConfig(textConfig({ name })).method.name, name);
    for (const name of ['at', 'sad', 'fitnet'] as const) {
      assert.equal(parseExperimentConfig({ teacher: { model: { arch: 'cnn' } }, student: { model: { arch: 'cnn', widths: [8, 16] } }, method: { name } }).method.name, name);
    }
  });

  test('a loaded teacher is checked at run start, not here (its architecture is in its model.json)', () => {
    const config = parseExperimentConfig({ ...textConfig({ name: 'kd' }), teacher: { model: { arch: 'cnn' }, checkpoint: 'teacher-folder' } });
    assert.equal(config.teacher.checkpoint, 'teacher-folder');
  });
});

describe('config: models and data that do not fit are refused at parse time', () => {
  test('a transformer on images names the model field and the text data sets', () => {
    const problems = configProblems({ student: { model: { arch: 'transformer' } } });
    assert.deepEqual(problems, [
      'config.student.model.arch: a transformer reads token ids from a text data set (builtin "spamassassin" or kind "text"), but data.dataset is the built-in set "fashion-mnist-small"; for images choose mlp, cnn or resnet',
    ]);
  });

  test('extra models of a method are checked too (multi-teacher teachers)', () => {
    const problems = configProblems({ method: { name: 'multi-teacher', teachers: [{ arch: 'mlp', hidden: [8] }, { arch: 'transformer' }] } });
    assert.ok(problems.some((p) => p.startsWith('config.method.teachers.1.arch: a transformer reads token ids')));
  });

  test('a transformer shorter than the data rows, or hidden not a multiple of heads, names the field', () => {
    assert.deepEqual(configProblems({ data: { dataset: { kind: 'builtin', name: 'spamassassin', maxLength: 64 } }, student: { model: { ...transformer, maxLength: 32 } } }), [
      "config.student.model.maxLength: expected at least the data's maxLength (64 tokens a row), got 32; raise it or lower data.dataset.maxLength",
    ]);
    assert.deepEqual(configProblems({ data: text, teacher: { model: { ...transformer, hidden: 10, heads: 4 } } }), [
      'config.teacher.model.hidden: expected a multiple of heads (4) so that every head gets hidden / heads dimensions, got 10',
    ]);
  });

  test('a text data set without models gets transformers (the image defaults cannot read tokens); given models stay', () => {
    const config = parseExperimentConfig({ data: { dataset: { kind: 'builtin', name: 'spamassassin' } } });
    assert.equal(config.teacher.model.arch, 'transformer');
    assert.deepEqual(config.student.model, { arch: 'transformer', layers: 2, hidden: 128, heads: 4, maxLength: 128, dropout: 0.1 });
    assert.deepEqual(parseExperimentConfig({ data: text, student: { model: { arch: 'mlp', hidden: [8] } } }).student.model, { arch: 'mlp', hidden: [8] });
    assert.equal(parseExperimentConfig({}).teacher.model.arch, 'cnn', 'images keep their defaults');
  });
});
