import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** The bundles under test; `npm test` builds them first, a lone test file builds them if absent. */
export function ensureBuilt(): { trainer: string; cli: string } {
  const trainer = join(ROOT, 'dist', 'trainer.js');
  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(trainer) || !existsSync(cli)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  return { trainer, cli };
}
