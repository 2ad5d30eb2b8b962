// The live charts of a run: losses, accuracy, agreement. chart.js with only the parts used
// registered (tree-shaken); no animation, redraws batched by the caller (src/shared/throttle.ts).
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset, type ChartOptions } from 'chart.js';
import { h } from './dom';
import type { RunSeries, Series } from './series';
import { roleColor, type Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];

type LineDataset = ChartDataset<'line', { x: number; y: number }[]> & { seriesId: string; phase: string };
type Panel = 'loss' | 'accuracy' | 'agreement';

const TITLES: Record<Panel, string> = { loss: 'Loss terms', accuracy: 'Accuracy (train dashed, validation solid)', agreement: 'Agreement with the teacher · KL(teacher‖student)' };

export class RunCharts {
  readonly element = h('div', { class: 'charts', 'data-updates': 0, 'data-points': 0 });
  private readonly charts = new Map<Panel, Chart<'line', { x: number; y: number }[]>>();
  private updates = 0;
  private phases: string[] = [];

  constructor(private theme: Theme) {
    for (const panel of Object.keys(TITLES) as Panel[]) {
      const canvas = h('canvas', { id: `chart-${panel}`, role: 'img', 'aria-label': TITLES[panel] });
      this.element.append(h('figure', { class: 'chart-card' }, h('figcaption', {}, TITLES[panel]), h('div', { class: 'chart-box' }, canvas)));
      this.charts.set(panel, new Chart(canvas, { type: 'line', data: { datasets: [] }, options: chartOptions(panel) }));
    }
  }

  /** One redraw of all three charts (counted in data-updates, which the tests read). */
  update(series: RunSeries, phases: string[]): void {
    this.phases = phases;
    let points = 0;
    for (const [panel, chart] of this.charts) {
      const wanted = series[panel];
      const existing = new Map(chart.data.datasets.map((d) => [(d as LineDataset).seriesId, d as LineDataset]));
      chart.data.datasets = wanted.map((s) => {
        const dataset = existing.get(s.id) ?? this.dataset(s);
        dataset.data = s.points;
        points += s.points.length;
        return dataset;
      });
      chart.update('none');
    }
    this.updates++;
    this.element.dataset.updates = String(this.updates);
    this.element.dataset.points = String(points);
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

  private dataset(series: Series): LineDataset {
    const dataset: LineDataset = {
      seriesId: series.id,
      phase: series.phase,
      label: series.label,
      data: [],
      borderDash: DASHES[series.dash % DASHES.length],
      borderWidth: 2,
      pointRadius: 2,
      tension: 0,
      yAxisID: series.axis ?? 'y',
    };
    this.colour(dataset);
    return dataset;
  }

  private colour(dataset: LineDataset): void {
    const colour = roleColor(this.theme, dataset.phase, this.phases);
    dataset.borderColor = colour;
    dataset.backgroundColor = colour;
  }
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
      legend: { position: 'bottom', labels: { boxWidth: 18, boxHeight: 2 } },
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
      x: { type: 'linear', bounds: 'data', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
      y:
        panel === 'loss'
          ? { type: 'linear', title: { display: true, text: 'loss' } }
          : { type: 'linear', min: 0, max: 1, ticks: fraction, title: { display: true, text: panel === 'accuracy' ? 'accuracy' : 'agreement' } },
      ...(panel === 'agreement' ? { y1: { type: 'linear' as const, position: 'right' as const, grid: { drawOnChartArea: false }, title: { display: true, text: 'KL' } } } : {}),
    },
  };
}
