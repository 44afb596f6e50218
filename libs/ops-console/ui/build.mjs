// Bundles the operations console (docs/ops-console.md) for the browser with esbuild: libs/ops-console/ui/src →
// dist/libs/ops-console/ui/{index.html, assets/app-<hash>.js, assets/app-<hash>.css}. Called by scripts/build.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Browsers the console supports: what Debian's chromium and current Firefox/Safari ship. */
const TARGETS = ['chrome110', 'firefox115', 'safari16'];

export async function buildOpsUi({ dist }) {
  const started = Date.now();
  const { build } = await import('esbuild');
  const out = path.join(dist, 'libs', 'ops-console', 'ui');
  const assets = path.join(out, 'assets');
  // Other builds may run at the same time on a shared tree, and a running gateway may be serving the previous
  // bundle: assets are content-hashed, so nothing is deleted before the new page is in place.
  fs.mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(here, 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGETS,
    minify: true,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    outdir: assets,
    metafile: true,
    tsconfig: path.join(here, 'tsconfig.json'),
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const js = outputs.find((f) => /^app-[A-Z0-9]+\.js$/i.test(f));
  const css = outputs.find((f) => /^app-[A-Z0-9]+\.css$/i.test(f));
  if (!js || !css) throw new Error(`ops-ui: expected app-<hash>.js and .css, got ${outputs.join(', ')}`);
  const html = fs.readFileSync(path.join(here, 'index.html'), 'utf8').replace('%APP_JS%', `/ops/assets/${js}`).replace('%APP_CSS%', `/ops/assets/${css}`);
  const tmp = path.join(out, `.index.html.${process.pid}`);
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, path.join(out, 'index.html'));
  removeStaleAssets(assets, new Set([js, css]));
  const kb = (f) => (fs.statSync(path.join(assets, f)).size / 1024).toFixed(0);
  console.error(`build: ops console UI in ${Date.now() - started} ms (${js} ${kb(js)} KiB, ${css} ${kb(css)} KiB)`);
}

/** Bundles older than an hour that the new page does not use (with their maps and licence files). */
function removeStaleAssets(assets, keep) {
  const cutoff = Date.now() - 3_600_000;
  for (const name of fs.readdirSync(assets)) {
    const base = name.replace(/\.(map|LEGAL\.txt)$/, '');
    if (keep.has(base)) continue;
    const file = path.join(assets, name);
    if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
  }
}
