// A browsable strip of validation samples (those distillation moved towards the teacher, or
// away from it): the input when the run kept it, the true class, and each model's prediction.
import { h, replaceChildren } from './dom';
import type { KnowledgeModel, RunKnowledge } from './knowledge-data';

const PAGE = 8;

export class SampleStrip {
  readonly element: HTMLElement;
  private readonly cards = h('div', { class: 'strip-cards' });
  private readonly position = h('span', { class: 'strip-position' });
  private readonly previous = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Previous samples' }, '‹');
  private readonly next = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Next samples' }, '›');
  private readonly heading = h('h4', {});
  private samples: number[] = [];
  private page = 0;
  private knowledge: RunKnowledge | undefined;
  private models: KnowledgeModel[] = [];

  constructor(
    id: string,
    private readonly title: string,
  ) {
    this.previous.addEventListener('click', () => this.show(this.page - 1));
    this.next.addEventListener('click', () => this.show(this.page + 1));
    this.element = h('section', { class: 'strip', id }, h('div', { class: 'strip-head' }, this.heading, this.previous, this.position, this.next), this.cards);
  }

  set(knowledge: RunKnowledge, models: KnowledgeModel[], samples: number[]): void {
    this.knowledge = knowledge;
    this.models = models;
    this.samples = samples;
    this.heading.textContent = `${this.title} (${samples.length})`;
    this.element.dataset.count = String(samples.length);
    this.show(0);
  }

  private show(page: number): void {
    const pages = Math.max(1, Math.ceil(this.samples.length / PAGE));
    this.page = Math.min(pages - 1, Math.max(0, page));
    const from = this.page * PAGE;
    const shown = this.samples.slice(from, from + PAGE);
    this.position.textContent = this.samples.length ? `${from + 1}–${from + shown.length} of ${this.samples.length}` : 'none';
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    replaceChildren(this.cards, ...(shown.length ? shown.map((i) => this.card(i)) : [h('p', { class: 'hint' }, 'No such samples in this run.')]));
  }

  private card(index: number): HTMLElement {
    const knowledge = this.knowledge!;
    const name = (c: number) => knowledge.classNames[c] ?? String(c);
    const label = knowledge.labels[index];
    return h(
      'article',
      { class: 'strip-card', 'data-index': index },
      this.image(index),
      h('div', { class: 'truth' }, 'true: ', h('strong', {}, name(label))),
      ...this.models.map((model) => {
        const predicted = model.predicted[index];
        const right = predicted === label;
        return h('div', { class: 'strip-model', 'data-role': model.role }, `${model.role}: `, h('span', { class: right ? 'verdict right' : 'verdict wrong' }, right ? '✓ ' : '✗ ', name(predicted)));
      }),
    );
  }

  private image(index: number): HTMLElement {
    const inputs = this.knowledge!.inputs;
    const pixels = inputs?.pixels.get(index);
    if (!inputs || !pixels || inputs.shape.length !== 3) return h('div', { class: 'tabular' }, `#${index}`);
    const [height, width, channels] = inputs.shape;
    const canvas = h('canvas', { class: 'sample-image', width, height, 'aria-label': `validation sample ${index}` });
    const context = canvas.getContext('2d');
    if (context) {
      const out = context.createImageData(width, height);
      for (let p = 0; p < width * height; p++) {
        for (let c = 0; c < 3; c++) out.data[p * 4 + c] = pixels[p * channels + Math.min(c, channels - 1)];
        out.data[p * 4 + 3] = 255;
      }
      context.putImageData(out, 0, 0);
    }
    return canvas;
  }
}
