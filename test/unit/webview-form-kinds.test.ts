// The form on text with multi-teacher: picking the method (whose schema defaults hold an MLP extra
// teacher) or switching the data leaves no image model in the method, says what it is now, and the
// field's default is the one the config parse resolves (the teacher's transformer).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_TEXT_CONFIG } from '../../src/cli/demo-config';
import { MethodConfig, parseExperimentConfig } from '../../src/shared/protocol';
import { builtinDataset, fieldDefault, fitToData, fitToMethod } from '../../webview/form-kinds';
import { setAt, validate, type FormConfig } from '../../webview/form-model';
import { variantDefaults } from '../../webview/schema-defaults';

const textForm = (): FormConfig => structuredClone(DEMO_TEXT_CONFIG) as FormConfig;
const teacherModel = DEMO_TEXT_CONFIG.teacher!.model!;

/** What the form does when a method is picked (form.ts methodSection). */
function pickMethod(config: FormConfig, name: string): string | undefined {
  setAt(config, 'method', variantDefaults(MethodConfig, name));
  return fitToMethod(config, name, name);
}

describe('form: multi-teacher on text', () => {
  test("picking multi-teacher on text drops the schema's MLP extra teacher; the note and the field's default name the teacher's transformer; the config runs", () => {
    const config = textForm();
    const note = pickMethod(config, 'multi-teacher');
    assert.equal((config.method as Record<string, unknown>).teachers, undefined);
    assert.equal(note, `For text: more teachers (trained here) are now ${JSON.stringify(teacherModel)} (the default on text).`);
    assert.deepEqual(fieldDefault(config, 'method.teachers', [{ arch: 'mlp', hidden: [256, 256] }]), [teacherModel]);
    assert.equal(validate(config).ok, true);
    assert.deepEqual((parseExperimentConfig(config).method as { teachers: unknown }).teachers, [parseExperimentConfig(config).teacher.model]);
  });

  test('on images the MLP extra teacher stays as picked, with no note; fields other than the method keep the schema default', () => {
    const config: FormConfig = {};
    assert.equal(pickMethod(config, 'multi-teacher'), undefined);
    assert.deepEqual((config.method as Record<string, unknown>).teachers, [{ arch: 'mlp', hidden: [256, 256] }]);
    assert.deepEqual(fieldDefault(config, 'method.teachers', 'schema'), 'schema');
    assert.equal(fieldDefault(textForm(), 'train.epochs', 'schema'), 'schema');
  });

  test('switching the data set to text drops image extra teachers, and back to images drops transformer ones', () => {
    const config: FormConfig = {};
    pickMethod(config, 'multi-teacher');
    setAt(config, 'data.dataset', builtinDataset('text'));
    const toText = fitToData(config, 'text');
    assert.ok(
      toText.some((c) => c.startsWith('more teachers (trained here) are now')),
      toText.join('; '),
    );
    assert.equal((config.method as Record<string, unknown>).teachers, undefined);
    assert.equal(validate(config).ok, true);

    setAt(config, 'method.teachers', [{ arch: 'transformer', layers: 1, hidden: 16, heads: 2 }]);
    setAt(config, 'data.dataset', builtinDataset('image'));
    const toImages = fitToData(config, 'image');
    assert.ok(toImages.includes('more teachers (trained here) are back to their default'), toImages.join('; '));
    assert.deepEqual((parseExperimentConfig(config).method as { teachers: unknown }).teachers, [{ arch: 'mlp', hidden: [256, 256] }]);
  });
});
