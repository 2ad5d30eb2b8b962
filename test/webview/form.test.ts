import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseExperimentConfig, type WebviewToHost } from '../../src/shared/protocol';
import { openDashboard, sharedHarness, type DashboardPage } from './harness';

function problemsOf(input: unknown): string[] {
  try {
    parseExperimentConfig(input);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
}

/** The schema's message for one field, without its `config.<path>: ` prefix (as the form shows it). */
function schemaMessage(input: unknown, path: string): string {
  const problem = problemsOf(input).find((p) => p.startsWith(`config.${path}: `));
  assert.ok(problem, `the schema reports nothing at ${path}`);
  return problem.slice(`config.${path}: `.length);
}

async function init(dashboard: DashboardPage): Promise<void> {
  await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir: '/runs', runs: [] });
}

const errorOf = (dashboard: DashboardPage, path: string) => dashboard.page.locator(`[data-field="${path}"] .field-error`);
const inputOf = (dashboard: DashboardPage, path: string) => dashboard.page.locator(`#field-${path.replace(/\./g, '-')}`);

describe('experiment form (Chromium)', () => {
  const harness = sharedHarness();

  test('the webview says ready before anything else, and the default form is valid', async () => {
    const dashboard = await openDashboard(harness());
    const posted = await dashboard.posted();
    assert.deepEqual(posted[0], { type: 'ready' });
    assert.equal(posted.length, 1, 'nothing but ready before the host answers');
    await init(dashboard);
    assert.equal(await dashboard.page.locator('#run-button').isDisabled(), false);
    assert.equal(await dashboard.page.locator('.field-error:visible').count(), 0);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('a bad field shows the schema’s own message under it, and Run waits until it is fixed', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    const form = await dashboard.page.evaluate(() => (window as unknown as { __state: { form: unknown } }).__state?.form ?? null);
    const base = (form ?? (await import('../../src/cli/demo-config')).DEMO_CONFIG) as Record<string, unknown>;

    await inputOf(dashboard, 'train.epochs').fill('0');
    const epochs = schemaMessage({ ...base, train: { ...(base.train as object), epochs: 0 } }, 'train.epochs');
    assert.equal(await errorOf(dashboard, 'train.epochs').textContent(), epochs);
    assert.equal(await inputOf(dashboard, 'train.epochs').getAttribute('aria-invalid'), 'true');
    assert.equal(await dashboard.page.locator('#run-button').isDisabled(), true);

    await inputOf(dashboard, 'train.learningRate').fill('fast');
    assert.equal(await errorOf(dashboard, 'train.learningRate').textContent(), schemaMessage({ ...base, train: { ...(base.train as object), epochs: 0, learningRate: 'fast' } }, 'train.learningRate'));
    assert.match((await errorOf(dashboard, 'train.learningRate').textContent()) ?? '', /expected number, got string "fast"/);

    // A list entry's problem lands on the list's input.
    await inputOf(dashboard, 'student.model.hidden').fill('32, -4');
    assert.match((await errorOf(dashboard, 'student.model.hidden').textContent()) ?? '', /^1: expected more than 0, got -4$/);

    await inputOf(dashboard, 'train.epochs').fill('3');
    await inputOf(dashboard, 'train.learningRate').fill('0.002');
    await inputOf(dashboard, 'student.model.hidden').fill('32, 16');
    assert.equal(await dashboard.page.locator('.field-error:visible').count(), 0);
    assert.equal(await dashboard.page.locator('#run-button').isDisabled(), false);

    await dashboard.page.locator('#run-button').click();
    const start = (await dashboard.posted()).find((m): m is Extract<WebviewToHost, { type: 'startRun' }> => m.type === 'startRun');
    assert.ok(start, 'Run posts startRun');
    const config = parseExperimentConfig(start.config);
    assert.equal(config.train.epochs, 3);
    assert.equal(config.train.learningRate, 0.002);
    assert.deepEqual(config.student.model, { arch: 'mlp', hidden: [32, 16] });
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('both recipes are offered; picking the reference recipe fills RepDistiller’s training settings and augmentation', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    const recipe = inputOf(dashboard, 'recipe');
    assert.deepEqual(await recipe.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)), ['quick', 'reference']);
    await recipe.selectOption('reference');
    assert.equal(await inputOf(dashboard, 'train.learningRate').inputValue(), '0.05');
    assert.equal(await inputOf(dashboard, 'train.optimizer.kind').inputValue(), 'sgd');
    assert.equal(await inputOf(dashboard, 'train.schedule.kind').inputValue(), 'relative-step');
    assert.equal(await inputOf(dashboard, 'train.augment').isChecked(), true);
    await dashboard.page.locator('#run-button').click();
    const start = (await dashboard.posted()).filter((m): m is Extract<WebviewToHost, { type: 'startRun' }> => m.type === 'startRun').at(-1);
    assert.ok(start, 'Run posts startRun');
    const config = parseExperimentConfig(start.config);
    assert.equal(config.recipe, 'reference');
    assert.deepEqual(config.train.optimizer, { kind: 'sgd', momentum: 0.9 });
    assert.equal(config.train.weightDecay, 5e-4);
    assert.deepEqual(config.train.schedule, { kind: 'relative-step', at: [0.625, 0.75, 0.875], gamma: 0.1 });
    assert.deepEqual(config.train.augment, { cropPadding: 4, horizontalFlip: true });
    // Back to quick: Adam, no augmentation.
    await recipe.selectOption('quick');
    assert.equal(await inputOf(dashboard, 'train.augment').isChecked(), false);
    assert.equal(await inputOf(dashboard, 'train.optimizer.kind').inputValue(), 'adam');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('the method picker shows each method’s parameters with the schema’s defaults and its reference', async () => {
    const dashboard = await openDashboard(harness(), { theme: 'light' });
    await init(dashboard);
    await inputOf(dashboard, 'method.name').selectOption('unlabeled');
    assert.equal(await inputOf(dashboard, 'method.temperature').inputValue(), '4');
    assert.equal(await inputOf(dashboard, 'method.alpha').count(), 0, 'α belongs to KD only');
    assert.equal(await inputOf(dashboard, 'method.transfer.kind').count(), 1, 'a transfer-set picker');
    await inputOf(dashboard, 'method.name').selectOption('kd');
    assert.equal(await inputOf(dashboard, 'method.alpha').inputValue(), '0.9');
    assert.match((await dashboard.page.locator('.method-reference').textContent()) ?? '', /Hinton/);

    await inputOf(dashboard, 'method.name').selectOption('scratch');
    assert.match((await dashboard.page.locator('fieldset.unused legend').allTextContents()).join(','), /Teacher/);
    await inputOf(dashboard, 'method.name').selectOption('kd');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('every method of the table can be picked and its defaults run; richer parameters edit as text', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    const options = await inputOf(dashboard, 'method.name')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(options.length >= 4);
    for (const name of options) {
      await inputOf(dashboard, 'method.name').selectOption(name);
      assert.equal(await dashboard.page.locator('#run-button').isDisabled(), false, `${name} with its defaults is valid`);
      assert.ok(((await dashboard.page.locator('.method-summary').textContent()) ?? '').length > 10, `${name} explains itself`);
    }
    if (options.includes('multi-teacher')) {
      await inputOf(dashboard, 'method.name').selectOption('multi-teacher');
      assert.equal(await inputOf(dashboard, 'method.teachers').inputValue(), 'mlp:256,256');
      await inputOf(dashboard, 'method.teachers').fill('mlp:64; cnn:8,16');
      await inputOf(dashboard, 'method.teachers').fill('mlp:64; vit');
      assert.match((await errorOf(dashboard, 'method.teachers').textContent()) ?? '', /^1: expected object, got string "vit"$/);
      await inputOf(dashboard, 'method.teachers').fill('mlp:64; cnn:8,16');
      await dashboard.page.locator('[data-field="method.checkpoints"] button.browse').click();
      await dashboard.send({ type: 'pathPicked', field: 'method.checkpoints', path: 'teachers/a' }, { type: 'pathPicked', field: 'method.checkpoints', path: 'teachers/b' });
      assert.equal(await inputOf(dashboard, 'method.checkpoints').inputValue(), 'teachers/a; teachers/b');
      await dashboard.page.locator('#run-button').click();
      const start = (await dashboard.posted()).filter((m) => m.type === 'startRun').at(-1) as Extract<WebviewToHost, { type: 'startRun' }>;
      const method = parseExperimentConfig(start.config).method as { teachers: unknown; checkpoints: unknown };
      assert.deepEqual(method.teachers, [
        { arch: 'mlp', hidden: [64] },
        { arch: 'cnn', widths: [8, 16], dense: 0 },
      ]);
      assert.deepEqual(method.checkpoints, ['teachers/a', 'teachers/b']);
    }
    if (options.includes('sad')) {
      await inputOf(dashboard, 'method.name').selectOption('sad');
      assert.equal(await dashboard.page.locator('fieldset[data-model="teacher"]').getAttribute('class'), 'section unused');
      await inputOf(dashboard, 'method.kdWeight').fill('1');
      assert.equal(await dashboard.page.locator('fieldset[data-model="teacher"]').getAttribute('class'), 'section', 'a teacher is used once KD is added');
    }
    if (options.includes('dml')) {
      await inputOf(dashboard, 'method.name').selectOption('dml');
      assert.deepEqual(await inputOf(dashboard, 'method.update').locator('option').allTextContents(), ['alternating', 'simultaneous']);
    }
    await dashboard.screenshot('form-methods');
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  test('dataset files come from the host’s dialog; save and load go through the host', async () => {
    const dashboard = await openDashboard(harness());
    await init(dashboard);
    await inputOf(dashboard, 'data.dataset.kind').selectOption('idx');
    // Required files not chosen yet: the schema says so under each.
    assert.match((await errorOf(dashboard, 'data.dataset.trainImages').textContent()) ?? '', /expected string, got nothing/);
    await dashboard.page.locator('[data-field="data.dataset.trainImages"] button.browse').click();
    const pick = (await dashboard.posted()).at(-1);
    assert.deepEqual(pick, { type: 'pickPath', field: 'data.dataset.trainImages', kind: 'file', title: 'Training images' });
    await dashboard.send({ type: 'pathPicked', field: 'data.dataset.trainImages', path: 'data/train-images-idx3-ubyte.gz' });
    assert.equal(await inputOf(dashboard, 'data.dataset.trainImages').inputValue(), 'data/train-images-idx3-ubyte.gz');
    assert.equal(await errorOf(dashboard, 'data.dataset.trainImages').isVisible(), false);
    await dashboard.screenshot('form-idx-dataset');

    await dashboard.page.getByRole('button', { name: 'Save config…' }).click();
    const save = (await dashboard.posted()).at(-1) as Extract<WebviewToHost, { type: 'saveConfig' }>;
    assert.equal(save.type, 'saveConfig');
    assert.equal((save.config as { data: { dataset: { trainImages: string } } }).data.dataset.trainImages, 'data/train-images-idx3-ubyte.gz');

    // A loaded file is shown as it is, with the schema's problems inline.
    await dashboard.send({ type: 'configLoaded', file: 'bad.distill.json', config: { name: 'loaded', method: { name: 'kd', temperature: -1 }, train: { batchSize: 2.5 } } });
    assert.equal(await inputOf(dashboard, 'name').inputValue(), 'loaded');
    assert.equal(await errorOf(dashboard, 'method.temperature').textContent(), schemaMessage({ method: { name: 'kd', temperature: -1 } }, 'method.temperature'));
    assert.match((await errorOf(dashboard, 'train.batchSize').textContent()) ?? '', /expected integer, got float/);

    // Problems the host found (same schema) appear the same way.
    await dashboard.send({ type: 'configLoaded', file: 'ok.json', config: { name: 'ok' } });
    await dashboard.send({ type: 'configProblems', problems: ['config.train.epochs: expected more than 0, got 0', 'config.somethingElse: unknown field'] });
    assert.equal(await errorOf(dashboard, 'train.epochs').textContent(), 'expected more than 0, got 0');
    assert.match((await dashboard.page.locator('.form-problems').textContent()) ?? '', /somethingElse/);
    assert.deepEqual(await dashboard.problems(), []);
    await dashboard.close();
  });

  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    test(`the form with an inline error is readable in the ${theme} theme (screenshot)`, async () => {
      const dashboard = await openDashboard(harness(), { theme });
      await init(dashboard);
      await inputOf(dashboard, 'train.epochs').fill('0');
      await dashboard.screenshot(`form-${theme}`);
      assert.deepEqual(await dashboard.problems(), []);
      await dashboard.close();
    });
  }
});
