// The run page's knowledge views, computed from the validation logits and embeddings the trainer
// stored at the end of the run (knowledge-data.ts): dark knowledge (the mean soft target per true
// class at a temperature, teacher and student and their difference), entropy against
// temperature, calibration, confusions with the samples distillation moved, representations.
import type { Chart } from 'chart.js';
import { percent } from '../src/shared/format';
import type { HostToWebview } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { heatmap, LABELLED_CLASSES, readHeatmapColours, type HeatmapColours } from './heatmap';
import { chartCard, drawEntropy, drawProjection, drawReliability, entropyConfig, reliabilityConfig, scatterConfig, setCaption, type ChartCard } from './knowledge-charts';
import { decodeKnowledge, knowledgeRoles, type KnowledgeModel, type KnowledgeRoles, type RunKnowledge } from './knowledge-data';
import { agreementFlips, calibration, confusionMatrix, difference, ENTROPY_TEMPERATURES, entropyCurve, rowNormalised, softTargetMatrix } from './knowledge-model';
import { SampleStrip } from './knowledge-strip';
import { AttentionView, type AttentionMessage } from './attention-view';
import { project2d, type Projection } from './pca';
import { roleColor, type Theme } from './theme';

export type KnowledgeMessage = Extract<HostToWebview, { type: 'knowledge' }>;

/** The temperature the run distilled at (config.method.temperature), if its method has one. */
export function runTemperature(config: unknown): number | undefined {
  const T = (config as { method?: { temperature?: unknown } } | undefined)?.method?.temperature;
  return typeof T === 'number' && T > 0 ? T : undefined;
}

const DEFAULT_TEMPERATURE = 4;
const signedPercent = (v: number) => {
  const points = Math.round(v * 100);
  return points === 0 ? '0' : `${points > 0 ? '+' : '−'}${Math.abs(points)}`;
};
const present = (roles: KnowledgeRoles) => [roles.teacher, roles.scratch, roles.distilled].filter((m): m is KnowledgeModel => m !== undefined);

/** The mean-soft-target heatmaps of `models` at T, on one scale, and (for two) their difference. */
export function darkKnowledgeMaps(
  knowledge: RunKnowledge,
  models: KnowledgeModel[],
  T: number,
  colours: HeatmapColours,
  idPrefix = 'dark',
  labelsOf: (k: number) => Int32Array = () => knowledge.labels,
): HTMLElement[] {
  const matrices = models.map((m, k) => softTargetMatrix(m.logits, labelsOf(k), T));
  const max = Math.max(...matrices.flatMap((m) => [...m].filter(Number.isFinite)));
  const maps = models.map((model, k) =>
    heatmap(
      {
        id: `${idPrefix}-${model.role.replace(/[^A-Za-z0-9_-]+/g, '-')}`,
        title: `${model.role}: mean soft target at T = ${T}`,
        matrix: matrices[k],
        classNames: knowledge.classNames,
        max,
        format: (v) => String(Math.round(v * 100)),
        describe: (v, row, column) => `true ${row}: ${percent(v)} of the probability on ${column} (T = ${T})`,
        columnsTitle: 'probability mass (%)',
      },
      colours,
    ),
  );
  if (models.length !== 2) return maps;
  const diff = difference(matrices[1], matrices[0]);
  const diffMax = Math.max(1e-9, ...[...diff].filter(Number.isFinite).map(Math.abs));
  return [
    ...maps,
    heatmap(
      {
        id: `${idPrefix}-difference`,
        title: `${models[1].role} − ${models[0].role}`,
        matrix: diff,
        classNames: knowledge.classNames,
        max: diffMax,
        diverging: true,
        format: signedPercent,
        describe: (v, row, column) => `true ${row}, mass on ${column}: ${models[1].role} ${v >= 0 ? 'puts' : 'puts less than'} ${models[0].role} ${v >= 0 ? '+' : '−'}${percent(Math.abs(v))}`,
        columnsTitle: 'difference in probability mass (percentage points)',
      },
      colours,
    ),
  ];
}

export class KnowledgeView {
  readonly element = h('section', { class: 'knowledge', id: 'knowledge', 'aria-label': 'Knowledge' });
  private readonly status = h('p', { class: 'hint', id: 'knowledge-status' });
  private readonly body = h('div', { class: 'knowledge-body', hidden: true });
  private readonly temperatureInput = h('input', { type: 'range', id: 'knowledge-temperature', min: 0.5, max: 20, step: 0.5, value: DEFAULT_TEMPERATURE });
  private readonly temperatureText = h('output', { for: 'knowledge-temperature', id: 'knowledge-temperature-value' });
  private readonly darkNote = h('p', { class: 'hint' });
  private readonly darkMaps = h('div', { class: 'heatmap-row', id: 'dark-knowledge' });
  private readonly entropy: ChartCard;
  private readonly reliability: ChartCard[];
  private readonly confusionMaps = h('div', { class: 'heatmap-row', id: 'confusions' });
  private readonly gained = new SampleStrip('flips-gained', 'The distilled student now agrees with the teacher; the scratch student did not');
  private readonly lost = new SampleStrip('flips-lost', 'The scratch student agreed with the teacher; the distilled student does not');
  private readonly projections: ChartCard[];
  private readonly projectionNote = h('p', { class: 'hint', id: 'projection-note' });
  private readonly attention: AttentionView;
  private colours = readHeatmapColours();
  private runDir: string | undefined;
  private temperature: number | undefined;
  private knowledge: RunKnowledge | undefined;
  private projected = new Map<string, Projection>();

  constructor(
    private theme: Theme,
    private readonly request: (runDir: string) => void,
    requestAttention: (runDir: string, sample: number) => void,
  ) {
    this.attention = new AttentionView(requestAttention);
    this.entropy = chartCard('chart-entropy', 'Mean entropy of the soft targets against temperature', entropyConfig(), true);
    this.reliability = ['teacher', 'scratch', 'distilled'].map((which) => chartCard(`chart-reliability-${which}`, which, reliabilityConfig()));
    this.projections = ['teacher', 'student'].map((which) => chartCard(`chart-projection-${which}`, which, scatterConfig(), true));
    this.temperatureInput.addEventListener('input', () => this.renderDarkKnowledge());
    this.body.append(
      h('h3', {}, 'Dark knowledge'),
      h(
        'p',
        { class: 'hint' },
        'Each row is a true class; each cell the mean probability (in %) the model’s soft targets p = softmax(z / T) put on a class, over the validation samples of that row. Off the diagonal is what labels do not say: which wrong classes are nearly right.',
      ),
      h('div', { class: 'toolbar' }, h('label', { for: 'knowledge-temperature' }, 'Temperature'), this.temperatureInput, this.temperatureText),
      this.darkNote,
      this.darkMaps,
      h('h3', {}, 'Entropy against temperature'),
      h('p', { class: 'hint' }, 'The mean entropy of the soft targets as T rises: they approach the uniform distribution, whose entropy log₂ C bits is the ceiling.'),
      this.entropy.element,
      h('h3', {}, 'Calibration'),
      h(
        'p',
        { class: 'hint' },
        'Reliability diagrams: validation accuracy against the top-1 probability (T = 1) in 15 bins; the expected calibration error (ECE) is the mean gap, weighted by the samples in each bin.',
      ),
      h('div', { class: 'knowledge-charts three' }, ...this.reliability.map((c) => c.element)),
      h('h3', {}, 'Confusions'),
      h('p', { class: 'hint' }, 'Rows: true class; columns: predicted class; cells: validation samples (colour: the share of the row).'),
      this.confusionMaps,
      this.gained.element,
      this.lost.element,
      h('h3', {}, 'Representations'),
      this.projectionNote,
      h('div', { class: 'knowledge-charts two' }, ...this.projections.map((c) => c.element)),
      this.attention.element,
    );
    this.element.append(h('h2', {}, 'Knowledge'), this.status, this.body);
  }

  /** A run was opened (or its history re-read): ask for its files once per run. */
  setRun(runDir: string | undefined, config: unknown): void {
    this.temperature = runTemperature(config);
    if (runDir === this.runDir) return;
    this.runDir = runDir;
    this.knowledge = undefined;
    this.projected.clear();
    this.temperatureInput.value = String(this.temperature ?? DEFAULT_TEMPERATURE);
    this.body.hidden = true;
    this.status.hidden = false;
    this.status.textContent = runDir ? 'Loading the stored validation logits…' : '';
    if (runDir) this.request(runDir);
  }

  /** The run finished: its files are there now. */
  refresh(): void {
    if (this.runDir) this.request(this.runDir);
  }

  receive(message: KnowledgeMessage): void {
    if (message.runDir !== this.runDir) return;
    try {
      if (!message.knowledge) throw new Error(message.problem ?? 'no knowledge files');
      this.knowledge = decodeKnowledge(message.knowledge);
    } catch (error) {
      this.knowledge = undefined;
      this.body.hidden = true;
      this.status.hidden = false;
      this.status.textContent = (error as Error).message;
      this.element.dataset.state = 'problem';
      return;
    }
    this.projected.clear();
    this.status.hidden = true;
    this.body.hidden = false;
    this.element.dataset.state = 'ready';
    this.render();
  }

  /** A sample's attention maps (or why not) for the attention view. */
  receiveAttention(message: AttentionMessage): void {
    if (message.runDir === this.runDir) this.attention.receive(message);
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    this.colours = readHeatmapColours();
    this.attention.retheme(this.colours);
    if (this.knowledge) this.render();
  }

  private render(): void {
    this.renderDarkKnowledge();
    this.renderEntropy();
    this.renderCalibration();
    this.renderConfusions();
    this.renderProjections();
    this.attention.set(this.runDir!, this.knowledge!, [this.roles.teacher, this.roles.distilled], this.colours);
  }

  private get roles(): KnowledgeRoles {
    return this.knowledge ? knowledgeRoles(this.knowledge) : {};
  }

  private roleOrder(): string[] {
    return this.knowledge?.models.map((m) => m.role) ?? [];
  }

  private renderDarkKnowledge(): void {
    const T = Number(this.temperatureInput.value) || DEFAULT_TEMPERATURE;
    this.temperatureText.textContent = `T = ${T}`;
    const knowledge = this.knowledge;
    if (!knowledge) return;
    const { teacher, distilled } = this.roles;
    const models = [teacher, distilled].filter((m): m is KnowledgeModel => m !== undefined);
    this.darkNote.textContent = this.temperature ? `The student was distilled at T = ${this.temperature}.` : 'This run’s method has no temperature; T = 4 is KD’s default.';
    replaceChildren(this.darkMaps, ...darkKnowledgeMaps(knowledge, models, T, this.colours));
  }

  private renderEntropy(): void {
    const knowledge = this.knowledge!;
    const { teacher, distilled, scratch } = this.roles;
    const series = [teacher, scratch, distilled]
      .filter((m): m is KnowledgeModel => m !== undefined)
      .map((m) => ({ role: m.role, points: entropyCurve(m.logits, ENTROPY_TEMPERATURES).map((y, i) => ({ x: ENTROPY_TEMPERATURES[i], y })) }));
    const ceiling = Math.log2(knowledge.classes);
    drawEntropy(this.entropy.chart as Chart, this.theme, series, ceiling, this.temperature, this.roleOrder());
    const first = series[0]?.points;
    setCaption(
      this.entropy,
      first ? `Mean entropy of ${series[0].role}’s soft targets: ${first[0].y.toFixed(2)} bits at T = 1, ${first.at(-1)!.y.toFixed(2)} at T = 20 (ceiling ${ceiling.toFixed(2)})` : 'No model',
    );
  }

  private renderCalibration(): void {
    const knowledge = this.knowledge!;
    const { teacher, scratch, distilled } = this.roles;
    [teacher, scratch, distilled].forEach((model, k) => {
      const card = this.reliability[k];
      card.element.hidden = !model;
      if (!model) return;
      const result = calibration(model.logits, knowledge.labels, 15);
      card.element.dataset.ece = String(result.ece);
      drawReliability(card.chart as Chart, this.theme, result, roleColor(this.theme, model.role, this.roleOrder()));
      setCaption(card, `${model.role}: ECE ${percent(result.ece)} · accuracy ${percent(result.accuracy)}`);
    });
  }

  private renderConfusions(): void {
    const knowledge = this.knowledge!;
    const roles = this.roles;
    const models = present(roles);
    replaceChildren(
      this.confusionMaps,
      ...models.map((model) => {
        const counts = confusionMatrix(model.predicted, knowledge.labels, knowledge.classes);
        const shares = rowNormalised(counts, knowledge.classes);
        return heatmap(
          {
            id: `confusion-${model.role}`,
            title: `${model.role}`,
            matrix: shares,
            classNames: knowledge.classNames,
            max: 1,
            format: () => '',
            describe: (v, row, column) => `true ${row} predicted ${column}: ${percent(v)} of the row`,
            columnsTitle: 'predicted class',
          },
          this.colours,
        );
      }),
    );
    // Counts as the cells' labels (the colour is the row's share).
    for (const model of knowledge.classes > LABELLED_CLASSES ? [] : models) {
      const counts = confusionMatrix(model.predicted, knowledge.labels, knowledge.classes);
      this.confusionMaps.querySelectorAll<HTMLElement>(`#confusion-${CSS.escape(model.role)} td`).forEach((cell) => {
        cell.textContent = String(counts[Number(cell.dataset.row) * knowledge.classes + Number(cell.dataset.column)]);
      });
    }
    const { teacher, scratch, distilled } = roles;
    const strips = teacher && scratch && distilled;
    this.gained.element.hidden = this.lost.element.hidden = !strips;
    if (!strips) return;
    const flips = agreementFlips(teacher.predicted, scratch.predicted, distilled.predicted);
    // Samples whose inputs the run kept come first: they can be shown.
    const kept = (list: number[]) => [...list].sort((a, b) => Number(knowledge.inputs?.pixels.has(b) ?? 0) - Number(knowledge.inputs?.pixels.has(a) ?? 0) || a - b);
    this.gained.set(knowledge, [teacher, scratch, distilled], kept(flips.gained));
    this.lost.set(knowledge, [teacher, scratch, distilled], kept(flips.lost));
  }

  private renderProjections(): void {
    const knowledge = this.knowledge!;
    const { teacher, distilled } = this.roles;
    const labels = Int32Array.from(knowledge.sample, (i) => knowledge.labels[i]);
    [teacher, distilled].forEach((model, k) => {
      const card = this.projections[k];
      card.element.hidden = !model?.embeddings;
      if (!model?.embeddings) return;
      let projection = this.projected.get(model.role);
      if (!projection) {
        projection = project2d(model.embeddings.values, knowledge.sample.length, model.embeddings.dim);
        this.projected.set(model.role, projection);
      }
      drawProjection(card.chart as Chart, this.theme, projection.points, labels, knowledge.classNames, knowledge.sample, knowledge.sampleTexts);
      const share = projection.explained[0] + projection.explained[1];
      setCaption(card, `${model.role}: ${model.embeddings.dim}-d embeddings, first two principal axes (${percent(share)} of the variance)`);
    });
    if (![teacher, distilled].some((m) => m?.embeddings) || knowledge.sample.length === 0) {
      this.projectionNote.textContent = 'This run stored no embeddings to project.';
      return;
    }
    this.projectionNote.textContent = `The same ${knowledge.sample.length} validation samples (a fixed, seeded draw), projected on each model's own first two principal components; colour and marker: true class.`;
  }
}
