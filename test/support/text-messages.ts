// A user's CSV of short messages for text-run tests: three classes told apart by their words.
import { writeFileSync } from 'node:fs';

export const MESSAGE_WORDS = [
  ['meeting', 'agenda', 'notes', 'project', 'schedule', 'review'],
  ['invoice', 'payment', 'account', 'balance', 'receipt', 'bank'],
  ['winner', 'prize', 'free', 'offer', 'click', 'cash'],
];

/** Writes `count` messages (label i % 3) of `words(i)` words each as `text,label` CSV at `file`; returns `file`. */
export function writeMessagesCsv(file: string, count: number, words: (i: number) => number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const label = i % 3;
    return `"${Array.from({ length: words(i) }, (_, k) => MESSAGE_WORDS[label][(i + k * 5) % 6]).join(' ')}",${label}`;
  });
  writeFileSync(file, `text,label\n${rows.join('\n')}\n`);
  return file;
}
