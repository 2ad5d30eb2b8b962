// The form for text (Chromium): the built-in text set and the user's text file as data sets, the
// transformer's fields, image-only fields hidden for text and the reverse, methods that do not
// take the chosen kind of model flagged, and the config Run posts is the one the CLI builds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configFromArgs } from '../../src/cli/run-flags';
import { DEMO_CONFIG, DEMO_TEXT_CONFIG } from '../../src/cli/demo-config';
import { modelKindProblem } from '../../src/shared/methods';
import { parseExperimentConfig, type WebviewToHost } from '../../src/shared/protocol';
import { openDashboard, sharedHarness, type DashboardPage } from './harness';

/** The text demo's token length, which the form starts from on the text set. */
const DEMO_LENGTH = (DEMO_TEXT_CONFIG.data!.dataset as { maxLength: number }).maxLength;

const inputOf = (dashboard: DashboardPage, path: string) => dashboard.page.locator(`#field-${path.replace(/\./g, '-')}`);
const errorOf = (dashboard: DashboardPage, path: string) => dashboard.page.locator(`[data-field="${path}"] .field-error`);
const shown = (dashboard: DashboardPage, path: string) => dashboard.page.locator(`[data-field="${path}"]`).count();
const optionValues = (dashboard: DashboardPage, path: string) =>
  inputOf(dashboard, path)
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
const optionLabel = (dashboard: DashboardPage, path: string, value: string) => inputOf(dashboard, path).locator(`option[value="${value}"]`).textContent();
const runDisabled = (dashboard: DashboardPage) => dashboard.page.locator('#run-button').isDisabled();

async function lastStart(dashboard: DashboardPage): Promise<unknown> {
  await dashboard.page.locator('#run-button').click();
  const start = (await dashboard.posted()).filter((m): m is Extract<WebviewToHost, { type: 'startRun' }> => m.type === 'startRun').at(-1);
  assert.ok(start, 'Run posts startRun');
  return start.config;
}

describe('experiment form for text (Chromium)', () => {
  const harness = sharedHarness();

  test('the built-in text set brings transformers and their fields, hides augmentation, and runs what the CLI would', async () => {
    const dashboard = await openDashboard(harness());
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [] });

    // Images (the demo): no transformer offered, augmentation offered, MiniLM flagged.
    assert.equal(await inputOf(dashboard, 'data.dataset.kind').inputValue(), 'builtin');
    assert.deepEqual(await optionValues(dashboard, 'teacher.model.arch'), ['mlp', 'cnn', 'resnet']);
    assert.equal(await shown(dashboard, 'train.augment'), 1);
    assert.equal(await shown(dashboard, 'data.dataset.maxLength'), 0);
    assert.ok((await optionValues(dashboard, 'method.name')).includes('minilm'), 'MiniLM is in the method list');
    assert.match((await optionLabel(dashboard, 'method.name', 'minilm')) ?? '', /\(text models only\)$/);
    assert.equal(await inputOf(dashboard, 'method.name').locator('option[value="minilm"]').getAttribute('title'), modelKindProblem('minilm', 'image'));

    await inputOf(dashboard, 'data.dataset.kind').selectOption('builtin:spamassassin');
    assert.equal(await inputOf(dashboard, 'teacher.model.arch').inputValue(), 'transformer');
    assert.equal(await inputOf(dashboard, 'student.model.arch').inputValue(), 'transformer');
    assert.deepEqual(await optionValues(dashboard, 'student.model.arch'), ['transformer'], 'only the transformer reads tokens');
    for (const key of ['layers', 'hidden', 'heads', 'intermediate', 'maxLength', 'dropout']) assert.equal(await shown(dashboard, `teacher.model.${key}`), 1, key);
    assert.equal(await shown(dashboard, 'teacher.model.widths'), 0);
    assert.equal(await shown(dashboard, 'train.augment'), 0, 'no crop or flip for tokens');
    assert.equal(await shown(dashboard, 'data.dataset.maxLength'), 1);
    assert.match((await dashboard.page.locator('.form-note').textContent()) ?? '', /the teacher is now a transformer, the student is now a transformer/);
    assert.match((await optionLabel(dashboard, 'method.name', 'at')) ?? '', /\(image models only\)$/);
    assert.equal(await runDisabled(dashboard), false, 'the text set with its transformers is valid as it comes');

    await inputOf(dashboard, 'method.name').selectOption('distilbert');
    await inputOf(dashboard, 'teacher.model.layers').fill('3');
    await inputOf(dashboard, 'student.model.hidden').fill('32');
    const form = parseExperimentConfig(await lastStart(dashboard));
    // The CLI from the same starting point (the demo) with the same choices as flags.
    const cli = parseExperimentConfig(
      configFromArgs(
        [
          ...['--data', 'spamassassin', '--method', 'distilbert', '--teacher', 'transformer:3x64h2', '--student', 'transformer:2x32h2'],
          ...[
            '--set',
            `data.dataset.maxLength=${DEMO_LENGTH}`,
            '--set',
            'data.dataset.minTokenCount=2',
            '--set',
            `teacher.model.maxLength=${DEMO_LENGTH}`,
            '--set',
            `student.model.maxLength=${DEMO_LENGTH}`,
          ],
        ],
        DEMO_CONFIG,
      ).config,
    );
    assert.deepEqual(form.data, cli.data);
    assert.deepEqual(form.teacher.model, cli.teacher.model);
    assert.deepEqual(form.student.model, cli.student.model);
    assert.deepEqual(form.method, cli.method);
    assert.equal(form.train.augment, undefined);

    // A field the transformer checks across: hidden not a multiple of heads lands under hidden.
    await inputOf(dashboard, 'student.model.hidden').fill('33');
    assert.match((await errorOf(dashboard, 'student.model.hidden').textContent()) ?? '', /expected a multiple of heads \(2\)/);
    assert.equal(await runDisabled(dashboard), true);
    await inputOf(dashboard, 'student.model.hidden').fill('32');

    // Back to images: image models return, augmentation is offered again.
    await inputOf(dashboard, 'data.dataset.kind').selectOption('builtin');
    assert.equal(await inputOf(dashboard, 'teacher.model.arch').inputValue(), 'cnn');
    assert.equal(await inputOf(dashboard, 'student.model.arch').inputValue(), 'mlp');
    assert.equal(await shown(dashboard, 'train.augment'), 1);
    assert.equal(await runDisabled(dashboard), false);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('a method that refuses the chosen models is flagged under the method; picking one switches data and models to its kind', async () => {
    const dashboard = await openDashboard(harness());
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [] });

    // FitNets on images, then the text set: the method is refused with the run start's words.
    await inputOf(dashboard, 'method.name').selectOption('fitnet');
    await inputOf(dashboard, 'data.dataset.kind').selectOption('builtin:spamassassin');
    const refusal = (await errorOf(dashboard, 'method.name').textContent()) ?? '';
    assert.ok(refusal.startsWith(modelKindProblem('fitnet', 'text')!), refusal);
    assert.match(refusal, /for text models use DistilBERT \(distilbert\), PKD \(pkd\), TinyBERT \(tinybert\), MiniLM \(minilm\)/);
    assert.equal(await runDisabled(dashboard), true);

    // Picking AT on text goes back to images, and says so.
    await inputOf(dashboard, 'method.name').selectOption('at');
    assert.equal(await inputOf(dashboard, 'data.dataset.kind').inputValue(), 'builtin');
    assert.match((await dashboard.page.locator('.form-note').textContent()) ?? '', /needs image models: the data set is now the built-in Fashion-MNIST subset/);
    assert.equal(await runDisabled(dashboard), false);

    // Picking MiniLM on images goes to the text set with transformers; it runs as it comes.
    await inputOf(dashboard, 'method.name').selectOption('minilm');
    assert.equal(await inputOf(dashboard, 'data.dataset.kind').inputValue(), 'builtin:spamassassin');
    assert.equal(await inputOf(dashboard, 'teacher.model.arch').inputValue(), 'transformer');
    assert.equal(await runDisabled(dashboard), false);
    assert.equal(parseExperimentConfig(await lastStart(dashboard)).method.name, 'minilm');

    // The user's own text: its fields show, and the file is asked for.
    await inputOf(dashboard, 'data.dataset.kind').selectOption('text');
    for (const key of ['train', 'test', 'textField', 'labelField', 'maxLength', 'minTokenCount']) assert.equal(await shown(dashboard, `data.dataset.${key}`), 1, key);
    assert.equal(await inputOf(dashboard, 'teacher.model.arch').inputValue(), 'transformer', 'text to text keeps the transformers');
    assert.match((await errorOf(dashboard, 'data.dataset.train').textContent()) ?? '', /expected string, got nothing/);
    await inputOf(dashboard, 'data.dataset.train').fill('mail.jsonl');
    await inputOf(dashboard, 'teacher.model.maxLength').fill('64');
    await inputOf(dashboard, 'student.model.maxLength').fill('128');
    assert.match((await errorOf(dashboard, 'teacher.model.maxLength').textContent()) ?? '', /expected at least the data's maxLength \(128 tokens a row\), got 64/);
    await inputOf(dashboard, 'teacher.model.maxLength').fill('128');
    assert.equal(await runDisabled(dashboard), false);
    assert.deepEqual(parseExperimentConfig(await lastStart(dashboard)).data.dataset, { kind: 'text', train: 'mail.jsonl', textField: 'text', labelField: 'label', maxLength: 128 });
    await dashboard.screenshot('form-text');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test("multi-teacher on the text set: its MLP extra teacher gives way to the teacher's transformer, said in the note and the field; Run posts what the CLI builds", async () => {
    const dashboard = await openDashboard(harness());
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [] });
    await inputOf(dashboard, 'data.dataset.kind').selectOption('builtin:spamassassin');
    await inputOf(dashboard, 'method.name').selectOption('multi-teacher');
    const teacher = JSON.stringify(DEMO_TEXT_CONFIG.teacher!.model);
    assert.equal(teacher, `{"arch":"transformer","layers":4,"hidden":64,"heads":2,"maxLength":${DEMO_LENGTH}}`);
    assert.equal(await inputOf(dashboard, 'method.teachers').inputValue(), '', 'the image default is not filled in');
    assert.equal(await inputOf(dashboard, 'method.teachers').getAttribute('placeholder'), `${teacher} (default)`);
    assert.equal((await dashboard.page.locator('.form-note').textContent()) ?? '', `For text: more teachers (trained here) are now ${teacher} (the default on text).`);
    assert.equal(await runDisabled(dashboard), false);
    const form = parseExperimentConfig(await lastStart(dashboard));
    const cli = parseExperimentConfig(configFromArgs(['--method', 'multi-teacher'], DEMO_TEXT_CONFIG).config);
    assert.deepEqual(form.method, cli.method);
    assert.deepEqual((form.method as { teachers: unknown }).teachers, [form.teacher.model]);

    // An MLP typed in is refused under the field, naming the default.
    await inputOf(dashboard, 'method.teachers').fill('mlp:64');
    assert.match((await errorOf(dashboard, 'method.teachers').textContent()) ?? '', /mlp reads images or features, .* leave method\.teachers out/);
    assert.equal(await runDisabled(dashboard), true);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });
});
