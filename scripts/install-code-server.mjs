// Installs what the tests need beyond npm (see ../shared/VSCODE-TESTING.md): Debian's full
// Fashion-MNIST, chromium, ripgrep and the build headers code-server's native modules want, then
// code-server itself into .vscode-test/code-server/. Idempotent: a second run takes a second.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_DIR = join(ROOT, '.vscode-test', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const APT_PACKAGES = ['dataset-fashion-mnist', 'libkrb5-dev', 'pkg-config', 'ripgrep', 'chromium'];
// What code-server 4.100.3's @vscode/ripgrep postinstall looks for before it tries the network.
const RIPGREP_CACHE = { folder: 'vscode-ripgrep-cache-1.15.11', file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

const log = (message) => process.stdout.write(`[install-code-server] ${message}\n`);
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'inherit', ...options });

function installAptPackages() {
  const missing = APT_PACKAGES.filter((name) => {
    try {
      execFileSync('dpkg', ['-s', name], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(', ')}: run "sudo apt-get install -y ${missing.join(' ')}"`);
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env });
}

export function installedVersion() {
  const manifest = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(manifest) || !existsSync(CODE_SERVER_ENTRY)) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/** A tar.gz holding Debian's `rg`, where @vscode/ripgrep looks before downloading one. */
function seedRipgrepCache(tmpDir) {
  const cache = join(tmpDir, RIPGREP_CACHE.folder);
  mkdirSync(cache, { recursive: true });
  const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  run('tar', ['-czf', join(cache, RIPGREP_CACHE.file), '-C', dirname(rg), 'rg']);
}

function installCodeServer() {
  const tmpDir = join(ROOT, '.vscode-test', 'install-tmp');
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  seedRipgrepCache(tmpDir);
  // A package.json of its own, so npm does not climb up into the extension's.
  writeFileSync(join(CODE_SERVER_DIR, 'package.json'), `${JSON.stringify({ name: 'code-server-for-tests', private: true }, null, 2)}\n`);
  log(`npm install code-server@${CODE_SERVER_VERSION} (2–3 minutes on two cores)`);
  const started = Date.now();
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', CODE_SERVER_DIR, `code-server@${CODE_SERVER_VERSION}`], {
    env: { ...process.env, TMPDIR: tmpDir, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
  });
  rmSync(tmpDir, { recursive: true, force: true });
  log(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export function ensureCodeServer() {
  installAptPackages();
  const version = installedVersion();
  if (version === CODE_SERVER_VERSION) return;
  if (version) log(`found code-server ${version}, want ${CODE_SERVER_VERSION}: reinstalling`);
  installCodeServer();
  if (installedVersion() !== CODE_SERVER_VERSION) throw new Error(`code-server ${CODE_SERVER_VERSION} did not install into ${CODE_SERVER_DIR}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    ensureCodeServer();
    log(`code-server ${CODE_SERVER_VERSION} ready in ${CODE_SERVER_DIR}`);
  } catch (error) {
    process.stderr.write(`[install-code-server] ${error.message}\n`);
    process.exit(1);
  }
}
