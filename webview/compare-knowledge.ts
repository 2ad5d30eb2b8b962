// The comparison page's knowledge section: any two runs side by side, one model of each (the
// distilled student by default): its mean soft targets at a shared temperature, their
// difference, and its reliability diagram with ECE.
import type { Chart } from 'chart.js';
import { percent } from '../src/shared/format';
import type { DashboardCompareRun } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { readHeatmapColours } from './heatmap';
import { chartCard, drawReliability, reliabilityConfig, setCaption, type ChartCard } from './knowledge-charts';
import { decodeKnowledge, knowledgeRoles, type RunKnowledge } from './knowledge-data';
import { calibration } from './knowledge-model';
import { darkKnowledgeMaps, runTemperature, type KnowledgeMessage } from './knowledge-view';
import { roleColor, type Theme } from './theme';
import { post } from './vscode-api';

type Side = 'a' | 'b';

interface SideState {
  select: HTMLSelectElement;
  role: HTMLSelectElement;
  status: HTMLElement;
  reliability: ChartCard;
}

export class CompareKnowledge {
  readonly element = h('section', { class: 'compare-knowledge', id: 'compare-knowledge', 'aria-label': 'Knowledge of two runs' });
  private readonly temperatureInput = h('input', { type: 'range', id: 'compare-temperature', min: 0.5, max: 20, step: 0.5, value: 4 });
  private readonly temperatureText = h('output', { for: 'compare-temperature' });
  private readonly maps = h('div', { class: 'heatmap-row', id: 'compare-dark-knowledge' });
  private readonly sides: Record<Side, SideState>;
  private readonly loaded = new Map<string, RunKnowledge | string>();
  private runs: DashboardCompareRun[] = [];

  constructor(private theme: Theme) {
    const side = (which: Side): SideState => ({
      select: h('select', { id: `compare-run-${which}`, 'aria-label': `Run ${which.toUpperCase()}` }),
      role: h('select', { id: `compare-role-${which}`, 'aria-label': `Model of run ${which.toUpperCase()}` }),
      status: h('span', { class: 'hint' }),
      reliability: chartCard(`chart-compare-reliability-${which}`, `Run ${which.toUpperCase()}`, reliabilityConfig()),
    });
    this.sides = { a: side('a'), b: side('b') };
    for (const which of ['a', 'b'] as Side[]) {
      this.sides[which].select.addEventListener('change', () => this.choose(which));
      this.sides[which].role.addEventListener('change', () => this.render());
    }
    this.temperatureInput.addEventListener('input', () => this.render());
    const picker = (which: Side) =>
      h('div', { class: 'toolbar' }, h('label', { for: `compare-run-${which}` }, which.toUpperCase()), this.sides[which].select, this.sides[which].role, this.sides[which].status);
    this.element.append(
      h('h2', {}, 'Dark knowledge and calibration of two runs'),
      picker('a'),
      picker('b'),
      h('div', { class: 'toolbar' }, h('label', { for: 'compare-temperature' }, 'Temperature'), this.temperatureInput, this.temperatureText),
      this.maps,
      h('div', { class: 'knowledge-charts two' }, this.sides.a.reliability.element, this.sides.b.reliability.element),
    );
  }

  setRuns(runs: DashboardCompareRun[]): void {
    this.runs = runs.filter((r) => r.summary.knowledge);
    this.element.hidden = this.runs.length === 0;
    for (const [k, which] of (['a', 'b'] as Side[]).entries()) {
      const select = this.sides[which].select;
      const previous = select.value;
      replaceChildren(select, ...this.runs.map((r) => h('option', { value: r.runDir }, `${r.experiment} · ${r.id.replace(/^run-/, '')} · ${r.summary.method} · seed ${r.summary.seed}`)));
      select.value = this.runs.some((r) => r.runDir === previous) ? previous : (this.runs[Math.min(k, this.runs.length - 1)]?.runDir ?? '');
      this.choose(which);
    }
  }

  receive(message: KnowledgeMessage): void {
    if (!Object.values(this.sides).some((s) => s.select.value === message.runDir)) return;
    try {
      if (!message.knowledge) throw new Error(message.problem ?? 'no knowledge files');
      this.loaded.set(message.runDir, decodeKnowledge(message.knowledge));
    } catch (error) {
      this.loaded.set(message.runDir, (error as Error).message);
    }
    this.render();
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    this.render();
  }

  private choose(which: Side): void {
    const runDir = this.sides[which].select.value;
    if (!runDir) return;
    const run = this.runs.find((r) => r.runDir === runDir);
    if (which === 'a' && run) this.temperatureInput.value = String(runTemperature(run.config) ?? 4);
    if (!this.loaded.has(runDir)) post({ type: 'requestKnowledge', runDir });
    this.render();
  }

  private knowledgeOf(which: Side): RunKnowledge | undefined {
    const side = this.sides[which];
    const loaded = this.loaded.get(side.select.value);
    side.status.textContent = loaded === undefined ? 'loading…' : typeof loaded === 'string' ? loaded : '';
    if (!loaded || typeof loaded === 'string') return undefined;
    const roles = loaded.models.map((m) => m.role);
    if (Array.from(side.role.options, (o) => o.value).join() !== roles.join()) {
      replaceChildren(side.role, ...roles.map((role) => h('option', { value: role }, role)));
      side.role.value = knowledgeRoles(loaded).distilled?.role ?? roles[0];
    }
    return loaded;
  }

  private render(): void {
    const T = Number(this.temperatureInput.value) || 4;
    this.temperatureText.textContent = `T = ${T}`;
    const a = this.knowledgeOf('a');
    const b = this.knowledgeOf('b');
    const model = (which: Side, knowledge: RunKnowledge | undefined) => knowledge?.models.find((m) => m.role === this.sides[which].role.value);
    const [ma, mb] = [model('a', a), model('b', b)];
    for (const [which, knowledge, m] of [
      ['a', a, ma],
      ['b', b, mb],
    ] as const) {
      const card = this.sides[which].reliability;
      card.element.hidden = !knowledge || !m;
      if (!knowledge || !m) continue;
      const result = calibration(m.logits, knowledge.labels, 15);
      card.element.dataset.ece = String(result.ece);
      drawReliability(card.chart as Chart, this.theme, result, roleColor(this.theme, m.role, []));
      setCaption(card, `${which.toUpperCase()} · ${m.role}: ECE ${percent(result.ece)} · accuracy ${percent(result.accuracy)}`);
    }
    if (!a || !b || !ma || !mb) {
      replaceChildren(this.maps);
      return;
    }
    if (a.classes !== b.classes) {
      replaceChildren(this.maps, h('p', { class: 'hint' }, `These runs have different classes (${a.classes} and ${b.classes}): their maps cannot be compared.`));
      return;
    }
    // Two runs, one scale: the maps of A's and B's model, and B − A. Each is a mean per true class,
    // so runs validated on different samples of the same classes compare too.
    const renamed = [
      { ...ma, role: `A ${ma.role}` },
      { ...mb, role: `B ${mb.role}` },
    ];
    const merged: RunKnowledge = { ...a, models: renamed };
    replaceChildren(this.maps, ...darkKnowledgeMaps(merged, renamed, T, readHeatmapColours(), 'compare', (k) => (k === 0 ? a.labels : b.labels)));
  }
}
