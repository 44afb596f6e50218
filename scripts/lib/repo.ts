// Where the scripts find the repository and what `npm run build` compiled into dist/.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Repository root: two levels up from scripts/lib. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const loadCommonJs = createRequire(__filename);

/**
 * A module of dist/ (CommonJS, as `npm run build` compiles it), typed by its TypeScript source: the scripts run the
 * same compiled code as the services (`import type * as Sdk from '@nostro/client'`, then `fromDist<typeof Sdk>(…)`).
 */
export function fromDist<T>(relativePath: string, label = 'scripts'): T {
  const file = path.join(REPO_ROOT, relativePath);
  if (!fs.existsSync(file)) throw new Error(`${label}: ${path.relative(REPO_ROOT, file)} is missing: run npm run build first`);
  return loadCommonJs(file) as T;
}
