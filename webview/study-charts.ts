// The study view's charts (chart.js, with small plugins for what it does not draw):
//   Δ per method with its 95 % interval as whiskers, and a line at 0;
//   with one swept field, test accuracy against its values (± s.d. whiskers), one line per method;
//   with several, parallel coordinates: an axis per swept field and one for test accuracy.
// Each canvas's data-points holds what it draws, for the tests.
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type Plugin } from 'chart.js';
import type { DashboardStudy, DashboardStudyRow } from '../src/shared/protocol';
import { h } from './dom';
import { points } from './study-model';
import { roleColor, type Theme } from './theme';
import { drawWhisker } from './whisker';

Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale, LogarithmicScale, Legend, Tooltip);

/** A point with an interval drawn as a whisker (its ends in the chart's y units). */
type WhiskerPoint = { x: number | string; y: number; low?: number; high?: number; label: string };

const whiskers: Plugin<'line'> = {
  id: 'distill-study-whiskers',
  beforeDatasetsDraw(chart) {
    const { ctx, scales, chartArea } = chart;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    ctx.lineWidth = 1.5;
    chart.data.datasets.forEach((dataset, i) => {
      if (!chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      ctx.strokeStyle = String(dataset.borderColor);
      (dataset.data as unknown as WhiskerPoint[]).forEach((point, j) => {
        if (point.low === undefined || point.high === undefined) return;
        const x = meta.data[j]?.x;
        if (x === undefined) return;
        drawWhisker(ctx, x, scales.y.getPixelForValue(point.high), scales.y.getPixelForValue(point.low), 5);
      });
    });
    ctx.restore();
  },
};

/** The zero line of the Δ chart: no difference from the scratch baseline. */
const zeroLine: Plugin<'line'> = {
  id: 'distill-study-zero',
  beforeDatasetsDraw(chart) {
    const y = chart.scales.y;
    if (y.min > 0 || y.max < 0) return;
    const { ctx, chartArea } = chart;
    const pixel = y.getPixelForValue(0);
    ctx.save();
    ctx.strokeStyle = String(chart.options.color ?? Chart.defaults.color);
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(chartArea.left, pixel);
    ctx.lineTo(chartArea.right, pixel);
    ctx.stroke();
    ctx.restore();
  },
};

/** Parallel coordinates: each axis as a vertical line with its lowest and highest value. */
const parallelAxes: Plugin<'line'> = {
  id: 'distill-study-parallel-axes',
  afterDatasetsDraw(chart) {
    const axes = (chart.canvas as HTMLCanvasElement & { parallelAxes?: ParallelAxis[] }).parallelAxes ?? [];
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.strokeStyle = String(Chart.defaults.color);
    ctx.fillStyle = String(Chart.defaults.color);
    ctx.font = `${Chart.defaults.font.size}px ${Chart.defaults.font.family}`;
    axes.forEach((axis, i) => {
      const x = scales.x.getPixelForValue(i);
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      // The highest value above the axis, the lowest beside its foot (the axis titles are below).
      ctx.textAlign = i === axes.length - 1 ? 'right' : 'center';
      ctx.fillText(axis.ticks.at(-1) ?? '', x, chartArea.top - 4);
      ctx.textAlign = i === axes.length - 1 ? 'right' : 'left';
      ctx.fillText(axis.ticks[0] ?? '', i === axes.length - 1 ? x - 4 : x + 4, chartArea.bottom - 4);
    });
    ctx.restore();
  },
};

interface ParallelAxis {
  title: string;
  /** Value → position in [0, 1]. */
  position(value: unknown): number | undefined;
  /** Labels of its lowest and highest values. */
  ticks: string[];
}

const pp = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)} pp`;

function baseOptions(yTitle: string, yTick: (v: number) => string) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      legend: { position: 'bottom' as const },
      tooltip: {
        callbacks: {
          label: (item: { raw: unknown; dataset: { label?: string } }) => (item.raw as WhiskerPoint).label ?? item.dataset.label ?? '',
        },
      },
    },
    scales: {
      // Room beside the first and last point, so their whiskers are not drawn on the axis.
      x: { type: 'category' as const, offset: true },
      y: { type: 'linear' as const, title: { display: true, text: yTitle }, ticks: { callback: (v: number | string) => yTick(Number(v)) } },
    },
  };
}

export class StudyCharts {
  readonly element = h('div', { class: 'study-charts' });
  private readonly deltaCanvas = h('canvas', { id: 'chart-study-delta', role: 'img', 'aria-label': 'Δ test accuracy against the paired scratch baseline, per method, with 95 % intervals' });
  private readonly sweepCanvas = h('canvas', { id: 'chart-study-sweep', role: 'img', 'aria-label': 'Test accuracy against the swept value' });
  private readonly sweepCaption = h('figcaption', {}, 'Test accuracy against the swept value (whiskers: ± s.d. over seeds)');
  private readonly sweepCard: HTMLElement;
  private readonly delta: Chart<'line', WhiskerPoint[]>;
  /** Made anew for each draw: its x scale changes kind (linear, logarithmic, category) with the swept field. */
  private sweep: Chart<'line', WhiskerPoint[]> | undefined;
  private rows: DashboardStudyRow[] = [];
  private swept: string[] = [];

  constructor(private theme: Theme) {
    this.sweepCard = h('figure', { class: 'chart-card', id: 'study-sweep' }, this.sweepCaption, h('div', { class: 'chart-box' }, this.sweepCanvas));
    this.element.append(
      h(
        'figure',
        { class: 'chart-card' },
        h('figcaption', {}, 'Δ test accuracy vs the paired scratch baseline, percentage points (whiskers: 95 % interval over seeds)'),
        h('div', { class: 'chart-box' }, this.deltaCanvas),
      ),
      this.sweepCard,
    );
    this.delta = new Chart(this.deltaCanvas, { type: 'line', data: { labels: [], datasets: [] }, options: baseOptions('Δ test accuracy (pp)', (v) => pp(v)), plugins: [whiskers, zeroLine] });
    this.sweep = new Chart<'line', WhiskerPoint[]>(this.sweepCanvas, {
      type: 'line',
      data: { datasets: [] },
      options: baseOptions('test accuracy', (v) => `${Math.round(v * 1000) / 10}%`),
      plugins: [whiskers, parallelAxes],
    });
  }

  /** The method rows in the table's order. */
  update(study: DashboardStudy, rows: DashboardStudyRow[]): void {
    this.rows = rows;
    this.swept = study.swept;
    this.drawDelta();
    this.drawSweep();
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    this.delta.options = baseOptions('Δ test accuracy (pp)', (v) => pp(v));
    this.drawDelta();
    this.drawSweep();
  }

  private drawDelta(): void {
    const rows = this.rows.filter((r) => r.role === 'method' && r.delta && r.delta.mean !== null);
    const significant = roleColor(this.theme, 'student');
    const plain = this.theme.muted;
    const data: WhiskerPoint[] = rows.map((r) => {
      const d = r.delta!;
      const interval = d.low !== null && d.high !== null ? { low: d.low * 100, high: d.high * 100 } : {};
      return {
        x: r.label,
        y: d.mean! * 100,
        ...interval,
        label: `${r.label}: ${points(d.mean, true)} pp${d.low !== null ? ` [${points(d.low, true)}, ${points(d.high, true)}]` : ''} over ${d.n} seed${d.n === 1 ? '' : 's'}`,
      };
    });
    this.delta.data.labels = rows.map((r) => r.label);
    this.delta.data.datasets = [
      {
        label: 'Δ vs scratch (filled: the 95 % interval excludes 0)',
        data,
        showLine: false,
        borderColor: significant,
        backgroundColor: rows.map((r) => (r.delta!.excludesZero ? significant : plain)),
        pointBorderColor: significant,
        pointRadius: 6,
        pointHoverRadius: 8,
      } as ChartDataset<'line', WhiskerPoint[]>,
    ];
    // The scale reaches 0 and every whisker end (rounded out to its ticks).
    const ends = data.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y, 0]);
    const y = this.delta.options.scales?.y;
    if (y) Object.assign(y, { suggestedMin: Math.min(...ends), suggestedMax: Math.max(...ends) });
    this.deltaCanvas.dataset.points = JSON.stringify(rows.map((r) => ({ label: r.label, mean: r.delta!.mean, low: r.delta!.low, high: r.delta!.high, excludesZero: r.delta!.excludesZero })));
    this.delta.update('none');
  }

  private drawSweep(): void {
    this.sweep?.destroy();
    this.sweep = undefined;
    this.sweepCard.hidden = this.swept.length === 0;
    this.sweepCanvas.dataset.points = '[]';
    if (this.swept.length === 1) this.drawOneAxis(this.swept[0]);
    else if (this.swept.length > 1) this.drawParallel();
  }

  /** Test accuracy against the one swept field, a line per method (and the baseline when the field is not a method's). */
  private drawOneAxis(path: string): void {
    const rows = this.rows.filter((r) => r.role !== 'teacher' && path in r.params && r.testMean !== null);
    const values = [...new Set(rows.map((r) => r.params[path]))];
    const numeric = values.every((v) => typeof v === 'number');
    if (numeric) values.sort((a, b) => (a as number) - (b as number));
    const series = [...new Set(rows.map((r) => r.method))];
    this.sweepCanvas.setAttribute('aria-label', `Test accuracy against ${path}`);
    this.sweepCaption.textContent = `Test accuracy against ${path} (whiskers: ± s.d. over seeds)`;
    const nums = values as number[];
    const logScale = numeric && nums.length > 1 && nums[0] > 0 && nums[nums.length - 1] / nums[0] >= 100;
    const options = baseOptions('test accuracy', (v) => `${Math.round(v * 1000) / 10}%`);
    const x = numeric
      ? { type: logScale ? ('logarithmic' as const) : ('linear' as const), offset: true, title: { display: true, text: path } }
      : { type: 'category' as const, offset: true, title: { display: true, text: path } };
    // The y scale reaches every whisker end.
    const ends = rows.flatMap((r) => (r.testSd !== null ? [r.testMean! - r.testSd, r.testMean! + r.testSd] : [r.testMean!]));
    Object.assign(options.scales.y, { suggestedMin: Math.min(...ends), suggestedMax: Math.max(...ends) });
    const datasets = series.map((method) => {
      const colour = roleColor(this.theme, method === 'scratch' ? 'student-scratch' : method, series);
      const data = rows
        .filter((r) => r.method === method)
        .sort((a, b) => values.indexOf(a.params[path]) - values.indexOf(b.params[path]))
        .map((r): WhiskerPoint => {
          const sd = r.testSd;
          return {
            x: numeric ? (r.params[path] as number) : String(r.params[path]),
            y: r.testMean!,
            ...(sd !== null ? { low: r.testMean! - sd, high: r.testMean! + sd } : {}),
            label: `${r.label}: ${points(r.testMean)}%`,
          };
        });
      return { label: method, data, borderColor: colour, backgroundColor: colour, pointRadius: 5 } as ChartDataset<'line', WhiskerPoint[]>;
    });
    this.sweepCanvas.dataset.kind = 'sweep';
    this.sweepCanvas.dataset.points = JSON.stringify(datasets.map((d) => ({ series: d.label, points: (d.data as WhiskerPoint[]).map((p) => ({ x: p.x, y: p.y })) })));
    (this.sweepCanvas as HTMLCanvasElement & { parallelAxes?: ParallelAxis[] }).parallelAxes = [];
    this.sweep = new Chart<'line', WhiskerPoint[]>(this.sweepCanvas, {
      type: 'line',
      data: { ...(numeric ? {} : { labels: values.map(String) }), datasets },
      options: { ...options, scales: { ...options.scales, x } },
      plugins: [whiskers],
    });
  }

  /** Parallel coordinates: a line per row through each swept field's axis and test accuracy's. */
  private drawParallel(): void {
    const rows = this.rows.filter((r) => r.role === 'method' && r.testMean !== null);
    const axes: ParallelAxis[] = [
      ...this.swept.map((path) =>
        valueAxis(
          path,
          rows.map((r) => r.params[path]),
        ),
      ),
      valueAxis(
        'test accuracy',
        rows.map((r) => r.testMean),
        (v) => `${points(v as number)}%`,
      ),
    ];
    const labels = rows.map((r) => r.label);
    this.sweepCanvas.setAttribute('aria-label', `Parallel coordinates of ${this.swept.join(', ')} and test accuracy`);
    this.sweepCaption.textContent = `Parallel coordinates: ${this.swept.join(', ')} and test accuracy, one line per row`;
    const options = baseOptions('', () => '');
    const datasets = rows.map((r) => {
      const colour = roleColor(this.theme, r.label, labels);
      const values = [...this.swept.map((path) => r.params[path]), r.testMean];
      return {
        label: r.label,
        data: values.map((v, i) => ({
          x: axes[i].title,
          y: axes[i].position(v) ?? Number.NaN,
          label: `${r.label}: ${axes[i].title} = ${i === axes.length - 1 ? `${points(v as number)}%` : JSON.stringify(v)}`,
        })),
        borderColor: colour,
        backgroundColor: colour,
        pointRadius: 3,
      } as ChartDataset<'line', WhiskerPoint[]>;
    });
    (this.sweepCanvas as HTMLCanvasElement & { parallelAxes?: ParallelAxis[] }).parallelAxes = axes;
    this.sweepCanvas.dataset.kind = 'parallel';
    this.sweepCanvas.dataset.points = JSON.stringify(rows.map((r) => ({ label: r.label, values: [...this.swept.map((path) => r.params[path]), r.testMean] })));
    this.sweep = new Chart<'line', WhiskerPoint[]>(this.sweepCanvas, {
      type: 'line',
      data: { labels: axes.map((a) => a.title), datasets },
      options: {
        ...options,
        layout: { padding: { top: 18, bottom: 4 } },
        scales: { x: options.scales.x, y: { type: 'linear', min: 0, max: 1, grid: { display: false }, ticks: { display: false } } },
      },
      plugins: [parallelAxes],
    });
  }
}

/** An axis of the parallel coordinates: numbers from their lowest to their highest, anything else in order of first appearance. */
function valueAxis(title: string, values: unknown[], format: (v: unknown) => string = (v) => (typeof v === 'string' ? v : JSON.stringify(v))): ParallelAxis {
  if (values.length && values.every((v) => typeof v === 'number')) {
    const nums = values as number[];
    const [lo, hi] = [Math.min(...nums), Math.max(...nums)];
    return { title, position: (v) => (hi === lo ? 0.5 : ((v as number) - lo) / (hi - lo)), ticks: [format(lo), format(hi)] };
  }
  const distinct = [...new Set(values.map((v) => JSON.stringify(v)))];
  return {
    title,
    position: (v) => (distinct.length < 2 ? 0.5 : distinct.indexOf(JSON.stringify(v)) / (distinct.length - 1)),
    ticks: distinct.length ? [format(JSON.parse(distinct[0])), format(JSON.parse(distinct[distinct.length - 1]))] : [],
  };
}
