import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../support/cluster';

/** The compiled `nostro` CLI (npm run build), run as a bank or an operator would run it. */
export const CLI = path.join(repoRoot, 'dist', 'libs', 'client', 'src', 'cli', 'main.js');

/** Runs the CLI with `args` and only `env` (and PATH) in its environment; resolves to its exit status and output. */
export function nostro(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
