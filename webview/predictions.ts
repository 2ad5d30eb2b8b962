// Validation samples with the true label and each model's top-k probabilities at a temperature
// chosen with the slider: p = softmax(z / T) of the stored logits, the soft targets KD uses.
import { percent } from '../src/shared/format';
import { h, replaceChildren } from './dom';
import { disagrees, mergePredictions, type MergedPredictions, type MergedSample } from './predictions-model';
import type { RunState } from './run-state';
import { argmax, softmax, topK } from './softmax';
import { roleColor, type Theme } from './theme';

export class PredictionsView {
  readonly element = h('section', { class: 'predictions', 'aria-label': 'Predictions' });
  private readonly grid = h('div', { class: 'sample-grid' });
  private readonly note = h('p', { class: 'hint' });
  private readonly temperatureInput = h('input', { type: 'range', id: 'temperature', min: 0.5, max: 20, step: 0.5, value: 1 });
  private readonly temperatureText = h('output', { for: 'temperature', id: 'temperature-value' }, 'T = 1');
  private readonly kInput = h('select', { id: 'top-k' }, ...[1, 3, 5, 10].map((k) => h('option', { value: k, selected: k === 3 }, `top ${k}`)));
  private readonly onlyDisagreements = h('input', { type: 'checkbox', id: 'only-disagreements' });
  private readonly images = new Map<string, HTMLCanvasElement>();
  private data: MergedPredictions | undefined;
  private runDir: string | undefined;

  constructor(private theme: Theme) {
    this.temperatureInput.addEventListener('input', () => this.render());
    this.kInput.addEventListener('change', () => this.render());
    this.onlyDisagreements.addEventListener('change', () => this.render());
    this.element.append(
      h('h2', {}, 'Predictions'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'temperature' }, 'Temperature'),
        this.temperatureInput,
        this.temperatureText,
        this.kInput,
        h('span', { class: 'inline' }, this.onlyDisagreements, h('label', { for: 'only-disagreements' }, 'Only disagreements')),
      ),
      this.note,
      this.grid,
    );
  }

  get temperature(): number {
    return Number(this.temperatureInput.value) || 1;
  }

  setRun(run: RunState | undefined): void {
    if (run?.runDir !== this.runDir) this.images.clear();
    this.runDir = run?.runDir;
    this.data = run ? mergePredictions(run) : undefined;
    const trainedAt = (run?.config as { method?: { temperature?: number } } | undefined)?.method?.temperature;
    this.note.textContent = trainedAt
      ? `The student was distilled at T = ${trainedAt}; T = 1 shows the models' own predictions.`
      : 'T = 1 shows the models’ own predictions; higher T softens them as distillation does.';
    this.render();
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    this.render();
  }

  private render(): void {
    const T = this.temperature;
    this.temperatureText.textContent = `T = ${T}`;
    const data = this.data;
    if (!data) {
      replaceChildren(this.grid, h('p', { class: 'hint' }, 'No predictions yet: they arrive after the first epoch.'));
      return;
    }
    const k = Math.min(Number(this.kInput.value) || 3, data.classNames.length);
    const samples = data.samples.filter((s) => !this.onlyDisagreements.checked || disagrees(s, data.roles));
    // Text runs: wider cards, the message on top and the models' top-k side by side under it.
    this.grid.classList.toggle('text-samples', data.samples.some(isText));
    replaceChildren(this.grid, ...samples.map((sample) => this.card(sample, data, T, k)));
  }

  private card(sample: MergedSample, data: MergedPredictions, T: number, k: number): HTMLElement {
    const disagree = disagrees(sample, data.roles);
    const className = (i: number) => data.classNames[i] ?? String(i);
    const verdict = h(
      'div',
      {},
      h('div', { class: 'truth' }, 'true: ', h('strong', {}, className(sample.label))),
      disagree ? h('span', { class: 'badge', title: 'The teacher and the student predict different classes' }, 'disagree') : null,
    );
    const models = this.models(sample, data, T, k);
    const classes = ['sample', disagree ? 'disagree' : '', isText(sample) ? 'text-sample' : ''].filter(Boolean).join(' ');
    if (isText(sample)) {
      return h(
        'article',
        { class: classes, 'data-index': sample.index },
        h('div', { class: 'sample-head' }, verdict, h('span', { class: 'sample-index' }, `#${sample.index}`)),
        // Text nodes only (h never parses HTML): a message holding "<b>" shows those characters.
        h('p', { class: 'sample-text', title: sample.text ?? '' }, sample.text ?? (sample.tokens ?? []).join(' ')),
        h('div', { class: 'sample-models' }, ...models),
      );
    }
    return h('article', { class: classes, 'data-index': sample.index }, h('div', { class: 'sample-head' }, this.image(sample), verdict), ...models);
  }

  private models(sample: MergedSample, data: MergedPredictions, T: number, k: number): HTMLElement[] {
    const className = (i: number) => data.classNames[i] ?? String(i);
    return data.roles
      .filter((role) => sample.logits[role])
      .map((role) => {
        const logits = sample.logits[role];
        const probabilities = softmax(logits, T);
        const predicted = argmax(logits);
        const right = predicted === sample.label;
        return h(
          'div',
          { class: 'model', 'data-role': role },
          h('div', { class: 'model-name' }, role, ' ', h('span', { class: right ? 'verdict right' : 'verdict wrong' }, right ? '✓ ' : '✗ ', className(predicted))),
          ...topK(probabilities, k).map(({ index, p }) => {
            const fill = h('span', { class: 'bar-fill' });
            fill.style.width = `${(p * 100).toFixed(2)}%`;
            fill.style.backgroundColor = roleColor(this.theme, role, data.roles);
            return h(
              'div',
              { class: index === sample.label ? 'bar-row truth-class' : 'bar-row', 'data-class': index, 'data-p': p },
              h('span', { class: 'bar-label' }, className(index)),
              h('span', { class: 'bar-track' }, fill),
              h('span', { class: 'bar-value' }, percent(p)),
            );
          }),
        );
      });
  }

  /** The canvas of a sample is drawn once and kept; tabular samples show their index. */
  private image(sample: MergedSample): HTMLElement {
    const image = sample.image;
    if (!image) return h('div', { class: 'tabular' }, `#${sample.index}`);
    const key = `${sample.index}:${image.width}x${image.height}x${image.channels}`;
    let canvas = this.images.get(key);
    if (!canvas) {
      canvas = h('canvas', { class: 'sample-image', width: image.width, height: image.height, 'aria-label': `validation sample ${sample.index}` });
      drawPixels(canvas, image);
      this.images.set(key, canvas);
    }
    return canvas;
  }
}

const isText = (sample: MergedSample) => sample.text !== undefined || sample.tokens !== undefined;

function drawPixels(canvas: HTMLCanvasElement, image: NonNullable<MergedSample['image']>): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height, channels, pixels } = image;
  const out = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const at = (c: number) => Math.round(255 * Math.min(1, Math.max(0, pixels[i * channels + Math.min(c, channels - 1)])));
    out.data[i * 4] = at(0);
    out.data[i * 4 + 1] = at(1);
    out.data[i * 4 + 2] = at(2);
    out.data[i * 4 + 3] = 255;
  }
  context.putImageData(out, 0, 0);
}
