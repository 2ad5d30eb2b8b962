// The x axis of the run charts counts epochs, fractional within an epoch (a step's point sits at
// epoch − 1 + step/steps). chart.js's own number format takes its decimals from the tick spacing,
// which on a one-epoch run's tiny range came out as "1.00000000000000000000".

/** An epoch tick's label: a whole epoch as an integer ("1"), else at most two decimals ("0.5", "1.25"). */
export function epochTick(value: number | string): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  const rounded = Math.round(n * 100) / 100;
  // Object.is: −0 (a rounded −0.001) reads as 0.
  return String(Object.is(rounded, -0) ? 0 : rounded);
}
