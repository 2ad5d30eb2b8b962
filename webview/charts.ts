// The live charts of a run: losses, accuracy, agreement. chart.js with only the parts used
// registered (tree-shaken); no animation, redraws batched by the caller (src/shared/throttle.ts).
// Curves within epochs are drawn smoothed as TensorBoard draws them (the smoothing slider), the
// raw curve faint behind.
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset, type ChartOptions, type LegendItem } from 'chart.js';
import { color } from 'chart.js/helpers';
import { h } from './dom';
import { epochTick } from './epoch-axis';
import type { Point, RunSeries, Series } from './series';
import { clampSmoothing, SMOOTHING_DEFAULT, SMOOTHING_MAX, smoothEma } from './smoothing';
import { roleColor, type Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];

/** `raw`: the faint unsmoothed twin of a smoothed curve (no legend entry; hidden and shown with it). */
type LineDataset = ChartDataset<'line', Point[]> & { seriesId: string; phase: string; raw?: boolean };
const RAW_ALPHA = 0.2;
type Panel = 'loss' | 'accuracy' | 'agreement';

const TITLES: Record<Panel, string> = { loss: 'Loss terms', accuracy: 'Accuracy (train dashed, validation solid)', agreement: 'Agreement with the teacher · KL(teacher‖student)' };

export class RunCharts {
  readonly element = h('div', { class: 'charts', 'data-updates': 0, 'data-points': 0 });
  private readonly smoothingInput = h('input', { type: 'range', id: 'smoothing', min: 0, max: SMOOTHING_MAX, step: 0.001, value: SMOOTHING_DEFAULT });
  private readonly smoothingText = h('output', { for: 'smoothing', id: 'smoothing-value' });
  /** The smoothing slider, placed by the caller above the charts. */
  readonly controls = h(
    'div',
    { class: 'toolbar chart-controls' },
    h('label', { for: 'smoothing', title: 'Exponential moving average of the curves within epochs, debiased as in TensorBoard; the raw curve stays faint behind' }, 'Smoothing'),
    this.smoothingInput,
    this.smoothingText,
  );
  private readonly charts = new Map<Panel, Chart<'line', Point[]>>();
  private updates = 0;
  private phases: string[] = [];
  private series: RunSeries = { loss: [], accuracy: [], agreement: [] };

  constructor(
    private theme: Theme,
    smoothing = SMOOTHING_DEFAULT,
    /** Told each new weight; it redraws (through the caller's throttle, as data updates are), or the charts redraw at once. */
    private readonly smoothingChanged?: (weight: number) => void,
  ) {
    this.smoothingInput.value = String(clampSmoothing(smoothing));
    this.smoothingText.textContent = this.smoothing.toFixed(3);
    this.smoothingInput.addEventListener('input', () => {
      this.smoothingText.textContent = this.smoothing.toFixed(3);
      if (this.smoothingChanged) this.smoothingChanged(this.smoothing);
      else this.draw();
    });
    for (const panel of Object.keys(TITLES) as Panel[]) {
      const canvas = h('canvas', { id: `chart-${panel}`, role: 'img', 'aria-label': TITLES[panel] });
      this.element.append(h('figure', { class: 'chart-card' }, h('figcaption', {}, TITLES[panel]), h('div', { class: 'chart-box' }, canvas)));
      this.charts.set(panel, new Chart(canvas, { type: 'line', data: { datasets: [] }, options: chartOptions(panel) }));
    }
  }

  /** The smoothing weight in [0, 0.999]: 0 draws the raw curves alone. */
  get smoothing(): number {
    return clampSmoothing(Number(this.smoothingInput.value));
  }

  /** New data: one redraw of all three charts. */
  update(series: RunSeries, phases: string[]): void {
    this.series = series;
    this.phases = phases;
    this.draw();
  }

  /**
   * One redraw (counted in data-updates, which the tests read; data-points counts the series'
   * points, each once). Each canvas's data-smoothed holds the last smoothed value of each smoothed
   * curve, its data-x-ticks the x axis's tick labels as drawn.
   */
  private draw(): void {
    const weight = this.smoothing;
    let points = 0;
    for (const [panel, chart] of this.charts) {
      const existing = new Map(chart.data.datasets.map((d) => [datasetKey(d as LineDataset), d as LineDataset]));
      const reuse = (s: Series, raw: boolean) => existing.get(datasetKey({ seriesId: s.id, raw })) ?? this.dataset(s, raw);
      const lastSmoothed: Record<string, number> = {};
      chart.data.datasets = this.series[panel].flatMap((s) => {
        points += s.points.length;
        const line = reuse(s, false);
        if (!s.smooth) {
          line.data = s.points;
          return [line];
        }
        const smoothed = smoothEma(
          s.points.map((p) => p.y),
          weight,
        );
        line.data = s.points.map((p, i) => ({ x: p.x, y: smoothed[i] }));
        if (smoothed.length) lastSmoothed[s.id] = smoothed[smoothed.length - 1];
        if (weight === 0) return [line];
        const raw = reuse(s, true);
        raw.data = s.points;
        return [line, raw];
      });
      chart.canvas.dataset.smoothed = JSON.stringify(lastSmoothed);
      chart.update('none');
      chart.canvas.dataset.xTicks = JSON.stringify(chart.scales.x.ticks.map((tick) => tick.label));
    }
    this.updates++;
    this.element.dataset.updates = String(this.updates);
    this.element.dataset.points = String(points);
    this.element.dataset.smoothing = String(weight);
    this.element.classList.toggle('empty', points === 0);
  }

  retheme(theme: Theme): void {
    this.theme = theme;
    for (const chart of this.charts.values()) {
      for (const d of chart.data.datasets) this.colour(d as LineDataset);
      chart.options = chartOptions(chart.canvas.id.replace('chart-', '') as Panel);
      chart.update('none');
    }
  }

  private dataset(series: Series, raw: boolean): LineDataset {
    const dataset: LineDataset = {
      seriesId: series.id,
      phase: series.phase,
      raw,
      label: raw ? `${series.label} (raw)` : series.label,
      data: [],
      // The faint raw twin is solid: dashes on a noisy curve read as more noise.
      borderDash: raw ? [] : DASHES[series.dash % DASHES.length],
      borderWidth: raw ? 1 : 2,
      // Curves within epochs have many points: lines only. The raw twin is drawn first, behind.
      pointRadius: series.smooth ? 0 : 2,
      order: raw ? 1 : 0,
      tension: 0,
      yAxisID: series.axis ?? 'y',
    };
    this.colour(dataset);
    return dataset;
  }

  private colour(dataset: LineDataset): void {
    const role = roleColor(this.theme, dataset.phase, this.phases);
    const colour = dataset.raw ? color(role).alpha(RAW_ALPHA).rgbString() : role;
    dataset.borderColor = colour;
    dataset.backgroundColor = colour;
  }
}

const datasetKey = (d: Pick<LineDataset, 'seriesId' | 'raw'>) => `${d.seriesId}${d.raw ? ':raw' : ''}`;

/** A legend entry stands for a curve and its raw twin: both hide and show together. */
function toggleCurve(chart: Chart, item: LegendItem): void {
  const clicked = chart.data.datasets[item.datasetIndex ?? -1] as LineDataset | undefined;
  if (!clicked) return;
  const visible = chart.isDatasetVisible(item.datasetIndex!);
  chart.data.datasets.forEach((d, i) => {
    if ((d as LineDataset).seriesId === clicked.seriesId) chart.setDatasetVisibility(i, !visible);
  });
  chart.update('none');
}

function chartOptions(panel: Panel): ChartOptions<'line'> {
  const fraction = { callback: (v: number | string) => `${Math.round(Number(v) * 100)}%` };
  return {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: false },
    plugins: {
      legend: {
        position: 'bottom',
        labels: { boxWidth: 18, boxHeight: 2, filter: (item, data) => !(data.datasets[item.datasetIndex ?? -1] as LineDataset | undefined)?.raw },
        onClick: (_event, item, legend) => toggleCurve(legend.chart, item),
      },
      tooltip: {
        callbacks: {
          label: (item) => {
            const y = item.parsed.y ?? NaN;
            return `${item.dataset.label}: ${panel === 'loss' || item.dataset.yAxisID === 'y1' ? y.toFixed(4) : `${(y * 100).toFixed(2)}%`}`;
          },
        },
      },
    },
    scales: {
      x: { type: 'linear', bounds: 'data', title: { display: true, text: 'epoch' }, ticks: { precision: 0, callback: epochTick } },
      y:
        panel === 'loss'
          ? { type: 'linear', title: { display: true, text: 'loss' } }
          : { type: 'linear', min: 0, max: 1, ticks: fraction, title: { display: true, text: panel === 'accuracy' ? 'accuracy' : 'agreement' } },
      ...(panel === 'agreement' ? { y1: { type: 'linear' as const, position: 'right' as const, grid: { drawOnChartArea: false }, title: { display: true, text: 'KL' } } } : {}),
    },
  };
}
