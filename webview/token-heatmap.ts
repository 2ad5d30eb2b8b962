// An n × n map over a sequence's tokens (an attention map: query rows, key columns) drawn on a
// <canvas>: a 128-token map is 16 384 cells, too many for a table. Cells take the theme's accent
// mixed into the editor background (the colours heatmap.ts reads from the --vscode-* variables), token
// labels run along both axes, and the cell under the pointer — or under the keyboard's cursor, for
// arrow keys once the map has focus — is named in a tooltip and in a live region for screen readers.
import { cssRgb, mix, type Rgb } from './contrast';
import { cssVar, h } from './dom';
import type { HeatmapColours } from './heatmap';

export interface TokenHeatmapSpec {
  id: string;
  title: string;
  /** [n × n], row-major: row i the query token i, column j the key token j. */
  matrix: Float32Array;
  tokens: string[];
  /** The value that takes the full colour. */
  max: number;
  /** The tooltip of cell (i, j). */
  describe: (value: number, i: number, j: number) => string;
  columnsTitle: string;
  rowsTitle: string;
}

/** Cell edge in CSS pixels: the map spans about MAP_SPAN, but a cell is never smaller than MIN_CELL. */
const MAP_SPAN = 420;
const MIN_CELL = 5;
const MAX_CELL = 18;
const LABEL_FONT = 10;
const GAP = 4;

export interface TokenHeatmapLayout {
  cell: number;
  /** The grid's top-left corner in CSS pixels (room for the labels left and above). */
  left: number;
  top: number;
  /** Label every `step`-th token (all of them when the cells are as tall as the font). */
  step: number;
}

/**
 * The colour of a value: linear in value / max from the background to the theme's accent itself.
 * The cells carry no text, so unlike heatmap.ts's they may take the whole accent: more steps to tell
 * weights apart.
 */
export function cellColour(value: number, max: number, colours: HeatmapColours): Rgb {
  const share = Math.min(1, Math.max(0, value / (max || 1)));
  return mix(colours.positive, colours.background, share);
}

export function tokenHeatmap(spec: TokenHeatmapSpec, colours: HeatmapColours): HTMLElement {
  const n = spec.tokens.length;
  const canvas = h('canvas', {
    class: 'token-heatmap-canvas',
    tabindex: 0,
    role: 'img',
    'aria-label': `${spec.title}: ${n} × ${n} map, rows ${spec.rowsTitle}, columns ${spec.columnsTitle}. Arrow keys move between cells; each is read out.`,
  });
  const tip = h('div', { class: 'heatmap-tip', role: 'tooltip', hidden: true });
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const font = `${LABEL_FONT}px ${cssVar('--vscode-editor-font-family', 'monospace')}`;

  const context = canvas.getContext('2d')!;
  context.font = font;
  const labelWidth = Math.ceil(Math.max(0, ...spec.tokens.map((t) => context.measureText(t).width)));
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(MAP_SPAN / n)));
  const layout: TokenHeatmapLayout = { cell, left: labelWidth + GAP, top: labelWidth + GAP, step: Math.ceil((LABEL_FONT + 1) / cell) };
  const width = layout.left + n * cell;
  const height = layout.top + n * cell;
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  Object.assign(canvas.dataset, { n: String(n), cell: String(cell), left: String(layout.left), top: String(layout.top), scale: String(scale), max: String(spec.max) });
  // For a reader of the pixels (the tests): the two ends of the scale.
  canvas.dataset.background = cssRgb(colours.background);
  canvas.dataset.full = cssRgb(cellColour(spec.max, spec.max, colours));

  let cursor: [number, number] | undefined;
  const draw = () => {
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.fillStyle = cssRgb(colours.background);
    context.fillRect(0, 0, width, height);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        context.fillStyle = cssRgb(cellColour(spec.matrix[i * n + j], spec.max, colours));
        context.fillRect(layout.left + j * cell, layout.top + i * cell, cell, cell);
      }
    }
    context.font = font;
    context.fillStyle = cssRgb(colours.text);
    context.textBaseline = 'middle';
    context.textAlign = 'right';
    for (let i = 0; i < n; i += layout.step) context.fillText(spec.tokens[i], layout.left - GAP / 2, layout.top + (i + 0.5) * cell);
    // Column labels read upwards from the grid: turned a quarter left, (x, y) is drawn at (y, −x).
    context.save();
    context.rotate(-Math.PI / 2);
    context.textAlign = 'left';
    for (let j = 0; j < n; j += layout.step) context.fillText(spec.tokens[j], -(layout.top - GAP / 2), layout.left + (j + 0.5) * cell);
    context.restore();
    if (cursor) {
      context.strokeStyle = cssRgb(colours.text);
      context.lineWidth = 1;
      context.strokeRect(layout.left + cursor[1] * cell + 0.5, layout.top + cursor[0] * cell + 0.5, cell - 1, cell - 1);
    }
  };

  const show = (i: number, j: number) => {
    const text = spec.describe(spec.matrix[i * n + j], i, j);
    tip.textContent = text;
    tip.hidden = false;
    // Beside the cell, on the side with room: the map's scroll box would clip it past its edges.
    tip.style.left = `${j < n / 2 ? layout.left + (j + 1) * cell + 6 : Math.max(0, layout.left + j * cell - 6 - tip.offsetWidth)}px`;
    tip.style.top = `${i < n / 2 ? layout.top + i * cell : Math.max(0, layout.top + (i + 1) * cell - tip.offsetHeight)}px`;
    tip.dataset.row = String(i);
    tip.dataset.column = String(j);
    canvas.title = text;
    return text;
  };
  const hide = () => {
    tip.hidden = true;
    canvas.removeAttribute('title');
  };
  canvas.addEventListener('mousemove', (event) => {
    const box = canvas.getBoundingClientRect();
    const j = Math.floor((event.clientX - box.left - layout.left) / cell);
    const i = Math.floor((event.clientY - box.top - layout.top) / cell);
    if (i >= 0 && i < n && j >= 0 && j < n) show(i, j);
    else hide();
  });
  canvas.addEventListener('mouseleave', hide);
  canvas.addEventListener('focus', () => {
    cursor ??= [0, 0];
    draw();
    live.textContent = show(...cursor);
  });
  canvas.addEventListener('blur', () => {
    cursor = undefined;
    draw();
    hide();
  });
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  canvas.addEventListener('keydown', (event) => {
    const move = moves[event.key];
    if (!move || !cursor) return;
    event.preventDefault();
    cursor = [Math.min(n - 1, Math.max(0, cursor[0] + move[0])), Math.min(n - 1, Math.max(0, cursor[1] + move[1]))];
    draw();
    live.textContent = show(...cursor);
  });
  draw();

  return h(
    'figure',
    { class: 'heatmap-card', id: spec.id },
    h('figcaption', {}, spec.title),
    h('div', { class: 'heatmap-scroll token-heatmap' }, canvas, tip),
    live,
    h('div', { class: 'heatmap-axis' }, `rows: ${spec.rowsTitle}; columns: ${spec.columnsTitle}`),
  );
}
