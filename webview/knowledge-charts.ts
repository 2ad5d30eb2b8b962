// The knowledge views' charts (chart.js, only the parts used registered; no animation): entropy
// against temperature, reliability diagrams, and the 2-D projection of embeddings.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type PointStyle,
} from 'chart.js';
import { h } from './dom';
import type { Calibration } from './knowledge-model';
import { roleColor, type Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, ScatterController, CategoryScale, LinearScale, Legend, Tooltip);

type XY = { x: number; y: number };
const xy = (x: number, y: number): XY => ({ x, y });

/** A chart in a captioned card; `chart` is created once and redrawn with new data. */
export interface ChartCard {
  element: HTMLElement;
  chart: Chart;
}

export function chartCard(id: string, caption: string, config: ChartConfiguration, tall = false): ChartCard {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': caption });
  const captionElement = h('figcaption', {}, caption);
  const element = h('figure', { class: 'chart-card knowledge-chart' }, captionElement, h('div', { class: tall ? 'chart-box tall' : 'chart-box' }, canvas));
  return { element, chart: new Chart(canvas, config) };
}

export function setCaption(card: ChartCard, text: string): void {
  const caption = card.element.querySelector('figcaption');
  if (caption) caption.textContent = text;
  card.chart.canvas.setAttribute('aria-label', text);
}

const axis = (title: string, min?: number, max?: number) => ({ type: 'linear' as const, min, max, title: { display: true, text: title } });

/** A chart of {x, y} points on two linear axes, the legend below; nothing animates. */
function pointsChart(type: 'line' | 'scatter', x: ReturnType<typeof axis>, y: ReturnType<typeof axis>, plugins: object): ChartConfiguration {
  return { type, data: { datasets: [] }, options: { animation: false, maintainAspectRatio: false, parsing: false, scales: { x, y }, plugins } };
}

export const entropyConfig = () =>
  pointsChart('line', axis('temperature T', 1, 20), axis('mean entropy (bits)', 0), { legend: { position: 'bottom' }, tooltip: { mode: 'nearest', intersect: false } });

export interface EntropySeries {
  role: string;
  points: XY[];
}

/** Curves per role, the log2 C ceiling dashed, the run's T as a vertical line. */
export function drawEntropy(chart: Chart, theme: Theme, series: EntropySeries[], ceiling: number, runTemperature: number | undefined, roles: readonly string[]): void {
  const ceilingLine = {
    label: `uniform: log₂ C = ${ceiling.toFixed(2)} bits`,
    data: [xy(1, ceiling), xy(20, ceiling)],
    borderColor: theme.muted,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
  };
  const marker = runTemperature
    ? [{ label: `the run's T = ${runTemperature}`, data: [xy(runTemperature, 0), xy(runTemperature, ceiling)], borderColor: theme.foreground, borderDash: [2, 3], borderWidth: 1.5, pointRadius: 0 }]
    : [];
  chart.data.datasets = [
    ...series.map((s) => ({
      label: s.role,
      data: s.points,
      borderColor: roleColor(theme, s.role, roles),
      backgroundColor: roleColor(theme, s.role, roles),
      borderWidth: s.role === 'teacher' ? 2.5 : 1.5,
      pointRadius: 2,
    })),
    ceilingLine,
    ...marker,
  ] as never;
  chart.options.scales!.y!.max = Math.ceil(ceiling * 1.05 * 10) / 10;
  chart.update();
}

export function reliabilityConfig(): ChartConfiguration {
  return {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'category', title: { display: true, text: 'confidence (top-1 probability), 15 bins' }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'accuracy' } },
      },
      plugins: { legend: { display: false } },
    },
  };
}

/** Accuracy per confidence bin as bars (the bins' centres on the axis), perfect calibration as the line through the centres. */
export function drawReliability(chart: Chart, theme: Theme, calibration: Calibration, colour: string): void {
  const bins = calibration.bins;
  chart.data.labels = bins.map((b) => ((b.lower + b.upper) / 2).toFixed(2));
  chart.data.datasets = [
    { type: 'bar', label: 'accuracy', data: bins.map((b) => (b.count ? b.accuracy : null)), backgroundColor: colour, borderColor: colour, barPercentage: 1, categoryPercentage: 0.92, order: 2 },
    { type: 'line', label: 'perfect calibration', data: bins.map((b) => (b.lower + b.upper) / 2), borderColor: theme.muted, borderDash: [4, 4], borderWidth: 1.5, pointRadius: 0, order: 1 },
  ] as never;
  chart.options.plugins!.tooltip = {
    callbacks: {
      label: (item) => {
        const bin = bins[item.dataIndex];
        return item.datasetIndex === 0 && bin.count ? `accuracy ${(bin.accuracy * 100).toFixed(1)} % · confidence ${(bin.confidence * 100).toFixed(1)} % · ${bin.count} samples` : '';
      },
    },
  };
  chart.update();
}

const POINT_STYLES: PointStyle[] = ['circle', 'triangle', 'rect', 'rectRot', 'crossRot', 'star'];

export const scatterConfig = () => pointsChart('scatter', axis('principal axis 1'), axis('principal axis 2'), { legend: { position: 'bottom', labels: { usePointStyle: true } } });

/** One dataset per class: its colour cycles through the theme's chart colours, its marker through shapes, so 36 classes stay apart. */
export function drawProjection(chart: Chart, theme: Theme, points: Float64Array, classes: Int32Array, classNames: string[], indices: Int32Array, texts?: readonly string[]): void {
  chart.data.datasets = classNames.map((name, c) => {
    const data: (XY & { index: number; k: number })[] = [];
    for (let k = 0; k < classes.length; k++) if (classes[k] === c) data.push({ x: points[k * 2], y: points[k * 2 + 1], index: indices[k], k });
    const colour = theme.palette[c % theme.palette.length];
    return { label: name, data, backgroundColor: colour, borderColor: colour, pointStyle: POINT_STYLES[Math.floor(c / theme.palette.length) % POINT_STYLES.length], pointRadius: 2.5 };
  }) as never;
  chart.options.plugins!.tooltip = {
    callbacks: {
      label: (item) => {
        const { index, k } = item.raw as { index: number; k: number };
        const line = `${item.dataset.label} · validation sample #${index}`;
        // Text runs: the message's start under it (drawn on the canvas as text).
        return texts?.[k] ? [line, texts[k]] : line;
      },
    },
  };
  chart.update();
}
