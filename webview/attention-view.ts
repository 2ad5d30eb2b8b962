// The attention view of a text run: for one of the stored prediction samples, the teacher's and the
// student's attention probabilities (query rows, key columns, over the sample's tokens) side by side,
// one layer and one head of each at a time — what TinyBERT and MiniLM make the student copy. The maps
// come from the knowledge files (the best checkpoints' attention, stored at the end of the run).
import { percent } from '../src/shared/format';
import { attentionOffset } from '../src/shared/knowledge-files';
import { h, replaceChildren } from './dom';
import { heatmap, type HeatmapColours } from './heatmap';
import type { KnowledgeModel, RunKnowledge } from './knowledge-data';

/** One model's map: layer and head chosen by the user. */
interface ModelChoice {
  model: KnowledgeModel;
  layer: HTMLSelectElement;
  head: HTMLSelectElement;
}

const slug = (role: string) => role.replace(/[^A-Za-z0-9_-]+/g, '-');

/** The n × n map of `sample`, `layer`, `head` from a model's flat attention values. */
export function attentionMatrix(knowledge: RunKnowledge, model: KnowledgeModel, sample: number, layer: number, head: number): Float64Array {
  const { lengths } = knowledge.attention!;
  const { values, layers, heads } = model.attention!;
  const n = lengths[sample];
  const start = attentionOffset(lengths, layers, heads, sample, layer, head);
  return Float64Array.from(values.subarray(start, start + n * n));
}

export class AttentionView {
  readonly element = h('div', { class: 'attention', id: 'attention', hidden: true });
  private readonly sampleSelect = h('select', { id: 'attention-sample' });
  private readonly controls = h('div', { class: 'toolbar attention-controls' });
  private readonly maps = h('div', { class: 'heatmap-row', id: 'attention-maps' });
  private readonly note = h('p', { class: 'hint', id: 'attention-note' });
  private knowledge: RunKnowledge | undefined;
  private choices: ModelChoice[] = [];
  private colours: HeatmapColours | undefined;

  constructor() {
    this.sampleSelect.addEventListener('change', () => this.render());
    this.element.append(
      h('h3', {}, 'Attention'),
      h(
        'p',
        { class: 'hint' },
        'Where each token looks: row i is the attention distribution of token i (the query) over the tokens (the keys) — softmax(q·k/√d) of one head of one layer, at the best checkpoint. Rows sum to 100 %.',
      ),
      h('div', { class: 'toolbar' }, h('label', { for: 'attention-sample' }, 'Validation sample'), this.sampleSelect),
      this.controls,
      this.note,
      this.maps,
    );
  }

  /** A run's knowledge arrived: its transformers among `models` (teacher first), each with its own layer and head. */
  set(knowledge: RunKnowledge, models: (KnowledgeModel | undefined)[], colours: HeatmapColours): void {
    this.colours = colours;
    const shown = models.filter((m): m is KnowledgeModel => m?.attention !== undefined);
    const samples = knowledge.attention;
    this.element.hidden = !samples || samples.indices.length === 0 || shown.length === 0;
    if (this.element.hidden || !samples) return;
    if (knowledge !== this.knowledge) {
      this.knowledge = knowledge;
      replaceChildren(
        this.sampleSelect,
        ...Array.from(samples.indices, (index, s) => {
          const label = knowledge.classNames[knowledge.labels[index]] ?? String(knowledge.labels[index]);
          const words = samples.tokens[s].filter((t) => !/^\[(CLS|SEP|PAD)\]$/.test(t)).slice(0, 8);
          return h('option', { value: s }, `#${index} (${label}): ${words.join(' ')}`);
        }),
      );
      this.choices = shown.map((model) => this.choice(model));
      replaceChildren(this.controls, ...this.choices.map((c) => this.controlGroup(c)));
    }
    this.render();
  }

  retheme(colours: HeatmapColours): void {
    this.colours = colours;
    if (this.knowledge && !this.element.hidden) this.render();
  }

  private choice(model: KnowledgeModel): ModelChoice {
    const { layers, heads } = model.attention!;
    const id = slug(model.role);
    const options = (count: number, name: string) => Array.from({ length: count }, (_, i) => h('option', { value: i }, `${name} ${i + 1}`));
    const layer = h('select', { id: `attention-${id}-layer`, 'aria-label': `${model.role}: layer` }, ...options(layers, 'layer'));
    // The last layer first: MiniLM transfers it, and it is what the classifier reads.
    layer.value = String(layers - 1);
    const head = h('select', { id: `attention-${id}-head`, 'aria-label': `${model.role}: head` }, ...options(heads, 'head'));
    layer.addEventListener('change', () => this.render());
    head.addEventListener('change', () => this.render());
    return { model, layer, head };
  }

  private controlGroup(choice: ModelChoice): HTMLElement {
    const { layers, heads } = choice.model.attention!;
    return h('span', { class: 'attention-choice' }, h('strong', {}, choice.model.role), ` (${layers} × ${heads})`, choice.layer, choice.head);
  }

  private render(): void {
    const knowledge = this.knowledge;
    const samples = knowledge?.attention;
    if (!knowledge || !samples || !this.colours) return;
    const s = Number(this.sampleSelect.value) || 0;
    const tokens = samples.tokens[s];
    this.note.textContent = `${tokens.length} tokens of validation sample #${samples.indices[s]}, [CLS] and [SEP] included; spread evenly, each weight would be 1/${tokens.length} = ${percent(1 / tokens.length)}.`;
    replaceChildren(
      this.maps,
      ...this.choices.map(({ model, layer, head }) => {
        const l = Number(layer.value);
        const hd = Number(head.value);
        const matrix = attentionMatrix(knowledge, model, s, l, hd);
        const max = Math.max(1e-9, ...matrix);
        const card = heatmap(
          {
            id: `attention-${slug(model.role)}`,
            title: `${model.role}: layer ${l + 1}, head ${hd + 1}`,
            matrix,
            classNames: tokens,
            max,
            format: () => '',
            describe: (v, query, key, i, j) => `${query} (${i + 1}) → ${key} (${j + 1}): ${percent(v)}`,
            columnsTitle: 'key token (attended to)',
            rowsTitle: 'query token',
            corner: 'query ↓ key →',
            axes: 'tokens',
          },
          this.colours!,
        );
        card.querySelector('.heatmap-axis')?.append(`; full colour: the largest weight, ${percent(max)}`);
        card.dataset.layer = String(l);
        card.dataset.head = String(hd);
        card.dataset.sample = String(samples.indices[s]);
        return card;
      }),
    );
  }
}
