// Colours come from VS Code's theme variables only (light, dark and high contrast alike); the
// canvas cannot read CSS, so they are read here and re-read when the theme changes.
import { Chart } from 'chart.js';
import { cssVar } from './dom';

export interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  font: string;
  fontSize: number;
  palette: string[];
}

const PALETTE_VARS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

/** Fixed colours for the usual roles, so a model has one colour in every chart and table. */
const ROLE_SLOTS: Record<string, number> = { teacher: 0, student: 1, 'student-scratch': 2 };

export function readTheme(): Theme {
  return {
    foreground: cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#cccccc')),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(cssVar('--vscode-font-size', '13')) || 13,
    palette: PALETTE_VARS.map(([name, fallback]) => cssVar(name, fallback)),
  };
}

export function roleColor(theme: Theme, role: string, order: readonly string[] = []): string {
  const slot = ROLE_SLOTS[role] ?? 3 + Math.max(0, order.indexOf(role));
  return theme.palette[slot % theme.palette.length];
}

export function applyChartDefaults(theme: Theme): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.font;
  Chart.defaults.font.size = Math.max(11, theme.fontSize - 1);
}

/** VS Code switches themes by changing the body's class (vscode-light / vscode-dark / vscode-high-contrast). */
export function onThemeChange(listener: () => void): void {
  new MutationObserver(listener).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
