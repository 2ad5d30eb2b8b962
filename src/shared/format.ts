// How numbers read everywhere they are shown: the CLI's tables, the tree, the dashboard.

/** 0.8531 → "85.3%"; a figure that does not exist (absent, NaN, or a negative "none yet") → "—". */
export function percent(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) || value < 0 ? '—' : `${(value * 100).toFixed(digits)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(2)}M`;
}
