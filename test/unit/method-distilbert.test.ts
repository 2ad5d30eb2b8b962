import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/core/backend/select';
import { DistilBertDistiller } from '../../src/core/distill/distilbert';
import { buildModel } from '../../src/core/models/zoo';
import { assertProblem, assertTrains, methodConfig, methodDefaults, runMethod, scratchDir } from '../support/method-run';

describe('method distilbert', () => {
  const dir = scratchDir('distilbert');
  before(() => initBackend('wasm', () => {}));
  after(() => dir.remove());

  test("defaults: T=2, α_ce=5, α_cos=1, hard-label weight 2 (DistilBERT's run)", () => {
    assert.deepEqual(methodDefaults({ name: 'distilbert' }), { name: 'distilbert', temperature: 2, alphaCe: 5, alphaCos: 1, alphaHard: 2 });
  });

  test('a negative cosine weight is a clear config error', () => {
    assertProblem({ method: { name: 'distilbert', alphaCos: -1 } }, /config\.method\.alphaCos: expected at least 0, got -1/);
  });

  test('a projection is learned only when the last hidden sizes differ', () => {
    const opts = { inputShape: [28, 28, 1], numClasses: 10 };
    const teacher = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'teacher', seed: 1 });
    const same = buildModel({ arch: 'mlp', hidden: [16] }, { ...opts, role: 'student', seed: 2 });
    const narrower = buildModel({ arch: 'mlp', hidden: [8] }, { ...opts, role: 'student', seed: 3 });
    const options = { temperature: 2, alphaCe: 5, alphaCos: 1, alphaHard: 2, seed: 4 };
    const a = new DistilBertDistiller(same, teacher, options);
    const b = new DistilBertDistiller(narrower, teacher, options);
    assert.equal(a.trainableVariables().length, same.trainableVariables().length);
    assert.equal(b.trainableVariables().length, narrower.trainableVariables().length + 2, 'a dense kernel and bias');
    [a, b].forEach((d) => d.dispose());
    [teacher, same, narrower].forEach((m) => m.dispose());
  });

  test('trains with kd, cos and ce, loss falling', async () => {
    const run = await runMethod(methodConfig({ method: { name: 'distilbert' } }), dir.path('run'));
    assertTrains(run, 'student', ['kd', 'cos', 'ce']);
  });
});
