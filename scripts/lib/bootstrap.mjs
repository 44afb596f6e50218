// What the README's two commands install on a fresh machine before anything else runs: the npm packages, and the
// Debian packages the suite needs (Chromium for the console's browser tests, kubectl for the deployment checks).
// Plain JavaScript with no dependency, unlike the other scripts (TypeScript run by tsx): it runs before node_modules
// exists (scripts/test.mjs, scripts/demo.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (label, message) => process.stderr.write(`${label}: ${message}\n`);

/** Runs `npm install` (which keeps to the locked versions) when node_modules is missing or older than the lockfile. */
export function ensureNodeModules(label) {
  const stamp = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  // npm install, unlike npm ci, does not first delete a node_modules that works.
  say(label, 'installing npm packages (npm install, the locked versions)…');
  const started = Date.now();
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm install failed');
  say(label, `npm packages installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs the Debian packages whose command is missing (`[{ command, pkg, why }]`) with apt-get, as root; without
 * root it says what to install and goes on (the tests that need it then fail, naming it).
 */
export function ensureDebianPackages(label, wanted) {
  const missing = wanted.filter((w) => !onPath(w.command));
  if (missing.length === 0) return;
  const names = missing.map((m) => m.pkg);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    for (const m of missing) say(label, `${m.command} is missing (${m.why}); install it with: sudo apt-get install ${m.pkg}`);
    return;
  }
  for (const m of missing) say(label, `installing ${m.pkg} from Debian (${m.why})…`);
  const started = Date.now();
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0) throw new Error(`apt-get install ${names.join(' ')} failed`);
  say(label, `${names.join(', ')} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Java and Maven fetch and run the Kafka broker; they come with this kind of machine (README, Requirements). */
export function checkJava(label) {
  for (const command of ['java', 'mvn']) {
    if (!onPath(command)) say(label, `${command} is missing: the Kafka broker needs Java 17 and Maven (README, Requirements)`);
  }
}

/** Where promtool is unpacked when the machine has none (git-ignored, like the Kafka jars). */
export const PROMTOOL_CACHE = path.join(ROOT, '.cache', 'promtool');
const PROMTOOL_UNPACKED = path.join(PROMTOOL_CACHE, 'usr', 'bin', 'promtool');

/**
 * promtool checks the shipped alert rules (tests/deploy/alert-rules.spec.ts). Debian ships it in the `prometheus`
 * package, whose installation would also start a Prometheus server: so the package is only downloaded and promtool
 * unpacked into .cache/promtool (apt-get download + dpkg-deb -x, no root needed for either once the lists exist).
 */
export function ensurePromtool(label) {
  if (onPath('promtool') || fs.existsSync(PROMTOOL_UNPACKED)) return;
  say(label, 'unpacking promtool from Debian’s prometheus package (the alert-rule tests)…');
  const started = Date.now();
  const work = path.join(PROMTOOL_CACHE, 'deb');
  fs.mkdirSync(work, { recursive: true });
  let download = spawnSync('apt-get', ['download', '-q', 'prometheus'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  if (download.status !== 0 && process.getuid?.() === 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
    download = spawnSync('apt-get', ['download', '-q', 'prometheus'], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
  if (download.status !== 0 || !deb) return say(label, 'promtool is missing and could not be downloaded: the alert-rule tests will fail, naming it');
  const unpack = spawnSync('dpkg-deb', ['-x', path.join(work, deb), PROMTOOL_CACHE], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.rmSync(work, { recursive: true, force: true });
  if (unpack.status !== 0) return say(label, 'unpacking promtool failed: the alert-rule tests will fail, naming it');
  say(label, `promtool unpacked in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
