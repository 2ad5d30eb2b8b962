// The comparison: a sortable table of runs (seeds of one config as mean ± s.d.) and accuracy
// against parameter count.
import { Chart, Legend, LinearScale, LogarithmicScale, PointElement, ScatterController, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import type { DashboardCompareRun } from '../src/shared/protocol';
import { CompareKnowledge } from './compare-knowledge';
import { COLUMNS, compareRows, headlineStat, sortRows, type CompareRow, type Stat } from './compare-model';
import { percent } from '../src/shared/format';
import { h, replaceChildren } from './dom';
import { nextSort, sortableHeader, type SortState } from './sortable';
import { roleColor, type Theme } from './theme';
import { drawWhisker } from './whisker';

Chart.register(ScatterController, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip);

type Point = { x: number; y: number; std?: number; row: CompareRow };

export class CompareView {
  readonly element = h('section', { class: 'compare', 'aria-label': 'Comparison' });
  private readonly table = h('table', { class: 'compare-table', id: 'compare-table' });
  private readonly empty = h('p', { class: 'hint' }, 'No finished runs yet: runs appear here once they have a summary.');
  private readonly chart: Chart<'scatter', Point[]>;
  /** Any two runs' dark knowledge and calibration side by side. */
  readonly knowledge: CompareKnowledge;
  private rows: CompareRow[] = [];
  private sort: SortState = { key: 'test', direction: 'descending' };

  constructor(
    private theme: Theme,
    refresh: () => void,
  ) {
    const canvas = h('canvas', { id: 'chart-compare', role: 'img', 'aria-label': 'Best validation accuracy against parameters' });
    this.element.append(
      h('div', { class: 'toolbar' }, h('h2', {}, 'Runs'), h('button', { type: 'button', class: 'secondary', onclick: refresh }, 'Refresh')),
      this.empty,
      h('div', { class: 'table-scroll' }, this.table),
      h('figure', { class: 'chart-card' }, h('figcaption', {}, 'Best validation accuracy against parameters (whiskers: ± s.d. over seeds)'), h('div', { class: 'chart-box' }, canvas)),
    );
    this.chart = new Chart(canvas, { type: 'scatter', data: { datasets: [] }, options: scatterOptions(), plugins: [whiskers] });
    this.knowledge = new CompareKnowledge(theme);
    this.element.append(this.knowledge.element);
  }

  setRuns(runs: DashboardCompareRun[]): void {
    this.rows = compareRows(runs);
    this.empty.hidden = this.rows.length > 0;
    this.renderTable();
    this.renderChart();
    this.knowledge.setRuns(runs);
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    this.knowledge.retheme(theme);
    this.chart.options = scatterOptions();
    this.renderChart();
  }

  private sortBy(key: string): void {
    this.sort = nextSort(this.sort, key);
    this.renderTable();
  }

  private renderTable(): void {
    const header = sortableHeader(COLUMNS, this.sort, (key) => this.sortBy(key));
    const body = sortRows(this.rows, this.sort.key, this.sort.direction).map((row) =>
      h('tr', { 'data-key': row.key }, ...COLUMNS.map((column) => h('td', { 'data-column': column.key, class: column.numeric ? 'num' : undefined }, cell(row, column.key)))),
    );
    replaceChildren(this.table, h('thead', {}, header), h('tbody', {}, ...body));
  }

  private renderChart(): void {
    const roles = [...new Set(this.rows.map((r) => r.role))];
    this.chart.data.datasets = roles.map((role): ChartDataset<'scatter', Point[]> => {
      const colour = roleColor(this.theme, role, roles);
      return {
        label: role,
        data: this.rows.filter((r) => r.role === role).map((row) => ({ x: row.params, y: headlineStat(row).mean, std: headlineStat(row).std, row })),
        borderColor: colour,
        backgroundColor: colour,
        pointRadius: 5,
        pointHoverRadius: 7,
      };
    });
    // Zoomed to the accuracies shown, in steps of 10 points, never past 0–100%.
    const values = this.rows.map(headlineStat).flatMap((s) => [s.mean - (s.std ?? 0), s.mean + (s.std ?? 0)]);
    const y = this.chart.options.scales?.y;
    if (y && values.length) {
      y.min = Math.max(0, Math.floor((Math.min(...values) - 0.025) * 10) / 10);
      y.max = Math.min(1, Math.ceil((Math.max(...values) + 0.025) * 10) / 10);
    }
    this.chart.update('none');
  }
}

export function statText(stat: Stat | undefined, format: (v: number) => string): string {
  if (!stat) return '—';
  return stat.std === undefined ? format(stat.mean) : `${format(stat.mean)} ± ${format(stat.std)}`;
}

function cell(row: CompareRow, key: string): string | Node {
  const acc = (v: number) => percent(v, 2);
  switch (key) {
    case 'experiment':
      return row.experiment;
    case 'method':
      return row.methodParams ? `${row.method} (${row.methodParams})` : row.method;
    case 'role':
      return h('span', {}, row.role, ' ', h('span', { class: 'arch' }, row.arch));
    case 'params':
      return compactNumber(row.params);
    case 'bytes':
      return bytes(row.bytes);
    case 'test':
      return statText(row.test, acc);
    case 'testLast':
      return statText(row.testLast, acc);
    case 'best':
      return statText(row.best, acc);
    case 'last':
      return statText(row.last, acc);
    case 'seeds':
      return `${row.seeds.length} (${row.seeds.join(', ')})`;
    case 'agreement':
      return statText(row.agreement, (v) => percent(v));
    case 'compression':
      return row.compression === undefined ? '—' : `${row.compression.toFixed(row.compression < 10 ? 2 : 1)}×`;
    case 'latency':
      return `${row.latencyMs.mean.toFixed(2)} ms`;
    case 'wall':
      return `${row.wallTimeSec.mean.toFixed(1)} s`;
    default:
      return '';
  }
}

export function compactNumber(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Labels 1, 2 and 5 of each decade only: a log axis labelled at every tick is unreadable. */
function logTick(value: number | string): string | undefined {
  const v = Number(value);
  const leading = v / 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5].some((d) => Math.abs(leading - d) < 1e-9) ? compactNumber(v) : undefined;
}

function scatterOptions() {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { position: 'bottom' as const },
      tooltip: {
        callbacks: {
          label: (item: { raw: unknown }) => {
            const { row } = item.raw as Point;
            return `${row.experiment} · ${row.method} · ${row.role} (${row.arch}): ${row.test ? 'test' : 'best val'} ${statText(headlineStat(row), (v) => percent(v, 2))}, ${compactNumber(row.params)} params`;
          },
        },
      },
    },
    scales: {
      x: { type: 'logarithmic' as const, title: { display: true, text: 'parameters (log scale)' }, ticks: { callback: logTick } },
      y: { type: 'linear' as const, title: { display: true, text: 'test accuracy (best-validation checkpoint)' }, ticks: { callback: (v: number | string) => `${Math.round(Number(v) * 100)}%` } },
    },
  };
}

/** ± s.d. whiskers behind each point that has several seeds. */
const whiskers: Plugin<'scatter'> = {
  id: 'distill-whiskers',
  beforeDatasetsDraw(chart) {
    const { ctx, scales } = chart;
    ctx.save();
    ctx.lineWidth = 1.5;
    chart.data.datasets.forEach((dataset, i) => {
      if (!chart.isDatasetVisible(i)) return;
      ctx.strokeStyle = String(dataset.borderColor);
      for (const point of dataset.data as Point[]) {
        if (!point.std) continue;
        drawWhisker(ctx, scales.x.getPixelForValue(point.x), scales.y.getPixelForValue(point.y + point.std), scales.y.getPixelForValue(point.y - point.std));
      }
    });
    ctx.restore();
  },
};
