// A classes × classes heatmap as a table: rows the true class, columns the predicted (or
// probability) class, each cell's colour a theme accent mixed into the editor background no
// further than its label stays readable (contrast.ts), the value written in it.
import { contrastRatio, cssRgb, mix, parseColor, strongestMix, type Rgb } from './contrast';
import { cssVar, h } from './dom';

export interface HeatmapColours {
  background: Rgb;
  text: Rgb;
  positive: Rgb;
  negative: Rgb;
  /** The strongest share of each accent a cell may take (label contrast ≥ 4.5). */
  positiveMix: number;
  negativeMix: number;
}

/** Read from the theme's variables; re-read when the theme changes. */
export function readHeatmapColours(): HeatmapColours {
  const read = (name: string, fallback: string) => parseColor(cssVar(name, fallback)) ?? (parseColor(fallback) as Rgb);
  const background = read('--vscode-editor-background', '#1e1e1e');
  const text = read('--vscode-foreground', '#cccccc');
  const positive = read('--vscode-charts-blue', '#3794ff');
  const negative = read('--vscode-charts-orange', '#d18616');
  return { background, text, positive, negative, positiveMix: strongestMix(positive, background, text), negativeMix: strongestMix(negative, background, text) };
}

export interface HeatmapSpec {
  id: string;
  title: string;
  /** [classes × classes], row-major; NaN cells (a class without samples) are left blank. */
  matrix: Float64Array;
  classNames: string[];
  /** |value| that takes the full colour; a diverging map colours negative values with the second accent. */
  max: number;
  diverging?: boolean;
  /** The cell's label. */
  format: (value: number) => string;
  /** The cell's tooltip (row and column: their names, then their indices). */
  describe: (value: number, row: string, column: string, rowIndex: number, columnIndex: number) => string;
  columnsTitle: string;
  /** What the rows are (default: the true class) and the corner's label (default "true ↓"). */
  rowsTitle?: string;
  corner?: string;
}

/** Past this many classes the cells are small squares without labels (their values in the tooltips). */
export const LABELLED_CLASSES = 20;

const short = (name: string) => (name.length > 5 ? `${name.slice(0, 4)}…` : name);

export function heatmap(spec: HeatmapSpec, colours: HeatmapColours): HTMLElement {
  const C = spec.classNames.length;
  const compact = C > LABELLED_CLASSES;
  const label = (name: string, column: boolean) => (compact ? '' : column ? short(name) : name);
  const head = h('tr', {}, h('th', { scope: 'col', class: 'corner' }, spec.corner ?? 'true ↓'), ...spec.classNames.map((name) => h('th', { scope: 'col', title: name }, label(name, true))));
  const rows = spec.classNames.map((rowName, r) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row', title: rowName }, label(rowName, false)),
      ...spec.classNames.map((columnName, c) => {
        const value = spec.matrix[r * C + c];
        const cell = h('td', { 'data-row': r, 'data-column': c }, Number.isFinite(value) && !compact ? spec.format(value) : '');
        if (!Number.isFinite(value)) return cell;
        const share = Math.min(1, Math.abs(value) / (spec.max || 1));
        const negative = spec.diverging && value < 0;
        const fill = negative ? mix(colours.negative, colours.background, share * colours.negativeMix) : mix(colours.positive, colours.background, share * colours.positiveMix);
        cell.style.backgroundColor = cssRgb(fill);
        cell.title = spec.describe(value, rowName, columnName, r, c);
        cell.dataset.value = String(value);
        cell.dataset.contrast = contrastRatio(colours.text, fill).toFixed(2);
        return cell;
      }),
    ),
  );
  return h(
    'figure',
    { class: 'heatmap-card', id: spec.id },
    h('figcaption', {}, spec.title),
    h(
      'div',
      { class: 'heatmap-scroll' },
      h(
        'table',
        { class: compact ? 'heatmap compact' : 'heatmap', 'aria-label': `${spec.title}: rows ${spec.rowsTitle ?? 'true class'}, columns ${spec.columnsTitle}` },
        h('thead', {}, head),
        h('tbody', {}, ...rows),
      ),
    ),
    h('div', { class: 'heatmap-axis' }, `columns: ${spec.columnsTitle}`),
  );
}
