// The attention view of a text run: for any validation sample, the teacher's and the student's
// attention probabilities (query rows, key columns, over the sample's tokens) side by side, one layer
// and one head of each at a time — what TinyBERT and MiniLM make the student copy. The run stored the
// maps of its first prediction samples (offered as quick choices, with their text); any other sample
// number is asked of the host, which computes its maps from the best checkpoints in a child process.
// Only the shown sample's maps are ever sent (attention-data.ts on the host).
import { decodeAttentionSample, sampleMapOffset, type AttentionSampleMaps } from '../src/shared/attention-sample';
import { percent } from '../src/shared/format';
import type { HostToWebview } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import type { HeatmapColours } from './heatmap';
import type { KnowledgeModel, RunKnowledge } from './knowledge-data';
import { tokenHeatmap } from './token-heatmap';

export type AttentionMessage = Extract<HostToWebview, { type: 'attention' }>;

/** One model's map: layer and head chosen by the user. */
interface ModelChoice {
  model: KnowledgeModel;
  layer: HTMLSelectElement;
  head: HTMLSelectElement;
}

/** Samples' maps kept in the page, so going back to one asks nothing. */
const KEPT_SAMPLES = 16;

const slug = (role: string) => role.replace(/[^A-Za-z0-9_-]+/g, '-');

/** The n × n map of `layer`, `head` from one sample's maps of a model. */
export function attentionMatrix(maps: AttentionSampleMaps['models'][number], n: number, layer: number, head: number): Float32Array {
  const start = sampleMapOffset(n, maps.heads, layer, head);
  return maps.values.subarray(start, start + n * n);
}

export class AttentionView {
  readonly element = h('div', { class: 'attention', id: 'attention', hidden: true });
  private readonly sampleSelect = h('select', { id: 'attention-sample', 'aria-label': 'A stored validation sample' });
  private readonly sampleInput = h('input', { type: 'number', id: 'attention-sample-number', min: 0, step: 1, inputmode: 'numeric' });
  private readonly showButton = h('button', { type: 'button', class: 'secondary', id: 'attention-show' }, 'Show');
  private readonly controls = h('div', { class: 'toolbar attention-controls' });
  private readonly status = h('p', { class: 'hint', id: 'attention-status', role: 'status' });
  private readonly problem = h('p', { class: 'field-error', id: 'attention-problem', role: 'alert', hidden: true });
  private readonly maps = h('div', { class: 'heatmap-row', id: 'attention-maps' });
  private knowledge: RunKnowledge | undefined;
  private runDir: string | undefined;
  private choices: ModelChoice[] = [];
  private colours: HeatmapColours | undefined;
  /** The sample asked for last; its answer is the one drawn. */
  private wanted: number | undefined;
  private readonly kept = new Map<number, AttentionSampleMaps>();

  constructor(private readonly request: (runDir: string, sample: number) => void) {
    this.sampleSelect.addEventListener('change', () => {
      if (this.sampleSelect.value === '') return;
      this.sampleInput.value = this.sampleSelect.value;
      this.show(Number(this.sampleSelect.value));
    });
    const fromInput = () => {
      const value = this.sampleInput.value.trim();
      if (!/^\d+$/.test(value)) return this.fail(`Validation sample #: expected a whole number ≥ 0, got "${value}"`);
      this.show(Number(value));
    };
    this.showButton.addEventListener('click', fromInput);
    this.sampleInput.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') fromInput();
    });
    this.element.append(
      h('h3', {}, 'Attention'),
      h(
        'p',
        { class: 'hint' },
        'Where each token looks: row i is the attention distribution of token i (the query) over the tokens (the keys) — softmax(q·k/√d) of one head of one layer, at the best checkpoint. Rows sum to 100 %. Any validation sample: the stored ones are listed; another number is computed on request.',
      ),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'attention-sample-number' }, 'Validation sample #'),
        this.sampleInput,
        this.showButton,
        h('label', { for: 'attention-sample' }, 'stored'),
        this.sampleSelect,
      ),
      this.controls,
      this.status,
      this.problem,
      this.maps,
    );
  }

  /** A run's knowledge arrived: its transformers among `models` (teacher first), each with its own layer and head. */
  set(runDir: string, knowledge: RunKnowledge, models: (KnowledgeModel | undefined)[], colours: HeatmapColours): void {
    this.colours = colours;
    const shown = models.filter((m): m is KnowledgeModel => m?.attention !== undefined);
    const samples = knowledge.attention;
    this.element.hidden = !samples || samples.indices.length === 0 || shown.length === 0;
    if (this.element.hidden || !samples) return;
    if (knowledge === this.knowledge) return this.render();
    this.knowledge = knowledge;
    this.runDir = runDir;
    this.kept.clear();
    this.sampleInput.max = String(knowledge.labels.length - 1);
    replaceChildren(
      this.sampleSelect,
      h('option', { value: '' }, 'another sample'),
      ...Array.from(samples.indices, (index, s) => {
        const label = knowledge.classNames[knowledge.labels[index]] ?? String(knowledge.labels[index]);
        const words = samples.tokens[s].filter((t) => !/^\[(CLS|SEP|PAD)\]$/.test(t)).slice(0, 8);
        return h('option', { value: index }, `#${index} (${label}): ${words.join(' ')}`);
      }),
    );
    this.choices = shown.map((model) => this.choice(model));
    replaceChildren(this.controls, ...this.choices.map((c) => this.controlGroup(c)));
    this.sampleInput.value = String(samples.indices[0]);
    this.show(samples.indices[0]);
  }

  retheme(colours: HeatmapColours): void {
    this.colours = colours;
    if (this.knowledge && !this.element.hidden) this.render();
  }

  /** The host's answer to a request of this view. */
  receive(message: AttentionMessage): void {
    if (message.runDir !== this.runDir) return;
    let maps: AttentionSampleMaps;
    try {
      if (!message.maps) throw new Error(message.problem ?? `no maps for sample ${message.sample}`);
      maps = decodeAttentionSample(message.maps, `the maps of sample ${message.sample}`);
    } catch (error) {
      if (message.sample === this.wanted) this.fail((error as Error).message);
      return;
    }
    this.kept.set(maps.sample, maps);
    if (this.kept.size > KEPT_SAMPLES) this.kept.delete(this.kept.keys().next().value!);
    if (maps.sample === this.wanted) this.render();
  }

  private show(sample: number): void {
    this.wanted = sample;
    const stored = Array.from(this.sampleSelect.options).some((o) => o.value === String(sample));
    this.sampleSelect.value = stored ? String(sample) : '';
    this.problem.hidden = true;
    if (this.kept.has(sample)) return this.render();
    this.element.dataset.state = 'loading';
    this.status.textContent = stored ? `Loading the maps of validation sample #${sample}…` : `Computing the maps of validation sample #${sample} from the best checkpoints…`;
    if (this.runDir) this.request(this.runDir, sample);
  }

  private fail(message: string): void {
    this.element.dataset.state = 'problem';
    const shown = this.maps.querySelector<HTMLElement>('[data-sample]')?.dataset.sample;
    this.status.textContent = shown === undefined ? '' : `Still showing validation sample #${shown}.`;
    this.problem.textContent = message;
    this.problem.hidden = false;
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
    const maps = this.wanted === undefined ? undefined : this.kept.get(this.wanted);
    if (!maps || !this.colours) return;
    const { tokens } = maps;
    const n = tokens.length;
    this.element.dataset.state = 'ready';
    this.status.textContent = `${n} tokens of validation sample #${maps.sample}, [CLS] and [SEP] included; spread evenly, each weight would be 1/${n} = ${percent(1 / n)}.`;
    replaceChildren(
      this.maps,
      ...this.choices.map(({ model, layer, head }) => {
        const modelMaps = maps.models.find((m) => m.role === model.role);
        if (!modelMaps) return h('p', { class: 'field-error' }, `${model.role}: no maps for sample #${maps.sample}`);
        const l = Math.min(Number(layer.value), modelMaps.layers - 1);
        const hd = Math.min(Number(head.value), modelMaps.heads - 1);
        const matrix = attentionMatrix(modelMaps, n, l, hd);
        const max = Math.max(1e-9, ...matrix);
        const card = tokenHeatmap(
          {
            id: `attention-${slug(model.role)}`,
            title: `${model.role}: layer ${l + 1}, head ${hd + 1}`,
            matrix,
            tokens,
            max,
            describe: (v, i, j) => `${tokens[i]} (${i + 1}) → ${tokens[j]} (${j + 1}): ${percent(v)}`,
            columnsTitle: 'key token (attended to)',
            rowsTitle: 'query token',
          },
          this.colours!,
        );
        card.querySelector('.heatmap-axis')?.append(`; full colour: the largest weight, ${percent(max)}`);
        card.dataset.layer = String(l);
        card.dataset.head = String(hd);
        card.dataset.sample = String(maps.sample);
        return card;
      }),
    );
  }
}
