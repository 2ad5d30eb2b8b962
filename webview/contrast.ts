// Colour arithmetic for the heatmaps (no DOM here): theme colours parsed, mixed and compared by
// WCAG contrast, so a cell's label stays readable on the cell in every theme.

export type Rgb = [number, number, number];

/** #rgb, #rrggbb, #rrggbbaa (alpha dropped) or rgb()/rgba(); undefined for anything else. */
export function parseColor(text: string): Rgb | undefined {
  const value = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(value);
  if (hex) {
    const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join('') : hex[1].slice(0, 6);
    return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16)) as Rgb;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(value);
  return rgb ? [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])] : undefined;
}

/** `amount` of `a` over `1 − amount` of `b`, in sRGB (as CSS color-mix(in srgb, …)). */
export function mix(a: Rgb, b: Rgb, amount: number): Rgb {
  return a.map((v, i) => v * amount + b[i] * (1 - amount)) as Rgb;
}

export const cssRgb = (c: Rgb) => `rgb(${c.map((v) => Math.round(v)).join(', ')})`;

/** WCAG relative luminance. */
export function luminance(c: Rgb): number {
  const [r, g, b] = c.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** WCAG AA for normal text, with a little margin for rounding. */
export const MIN_LABEL_CONTRAST = 4.6;

/**
 * The largest share of `accent` that can be mixed into `background` with `text` still readable on
 * the mix (contrast ≥ `min`): the strongest colour a heatmap cell may take. Contrast falls
 * monotonically along the mix only until it crosses the text's luminance, so this searches from
 * the background outwards.
 */
export function strongestMix(accent: Rgb, background: Rgb, text: Rgb, min = MIN_LABEL_CONTRAST): number {
  if (contrastRatio(text, background) < min) return 0;
  let amount = 0;
  for (let step = 0; step <= 100; step++) {
    if (contrastRatio(text, mix(accent, background, step / 100)) < min) break;
    amount = step / 100;
  }
  return amount;
}
