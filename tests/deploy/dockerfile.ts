/** Offline checks for the Dockerfile and .dockerignore (no Docker engine is needed). */
import { imagePinProblem } from './policy';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Splits a Dockerfile into instructions, joining continuation lines and dropping comments. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (buffer === '' && (line === '' || line.startsWith('#'))) return;
    if (buffer !== '' && line.startsWith('#')) return; // comment inside a continuation
    if (buffer === '') start = index + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^(\S+)\s*(.*)$/s.exec(buffer);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start });
    buffer = '';
  });
  return instructions;
}

/** The Dockerfile rules: pinned bases, a non-root numeric runtime user, an exec-form CMD, production deps only. */
export function checkDockerfile(text: string): string[] {
  const findings: string[] = [];
  const instructions = parseDockerfile(text);
  const globalArgs = new Map<string, string>();
  const stages: { name?: string; from: string; body: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = instruction.args.split('=');
      if (value !== undefined) globalArgs.set(name.trim(), value.trim());
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      const image = parts[0].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => globalArgs.get(name) ?? '');
      const asIndex = parts.findIndex((part) => part.toUpperCase() === 'AS');
      stages.push({ from: image, name: asIndex >= 0 ? parts[asIndex + 1] : undefined, body: [] });
      continue;
    }
    stages.at(-1)?.body.push(instruction);
  }
  if (stages.length < 2) findings.push('Dockerfile: not multi-stage');
  const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));
  for (const stage of stages) {
    if (stageNames.has(stage.from)) continue;
    const problem = imagePinProblem(stage.from);
    if (problem) findings.push(`Dockerfile: FROM ${problem}`);
    if (!/^node:20[.\d]*-bookworm-slim(@sha256:[0-9a-f]{64})?$/.test(stage.from)) {
      findings.push(`Dockerfile: FROM ${stage.from} is not a pinned node:20 bookworm-slim image`);
    }
  }
  const runtime = stages.at(-1);
  if (!runtime) return [...findings, 'Dockerfile: no stages'];
  const users = runtime.body.filter((instruction) => instruction.keyword === 'USER');
  const user = users.at(-1)?.args ?? '';
  if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user)) findings.push(`Dockerfile: runtime USER "${user}" is not a numeric non-root uid`);
  const cmd = runtime.body.filter((instruction) => instruction.keyword === 'CMD').at(-1);
  if (!cmd) findings.push('Dockerfile: runtime stage has no CMD');
  else {
    try {
      const parsed = JSON.parse(cmd.args) as unknown;
      if (!Array.isArray(parsed)) findings.push('Dockerfile: CMD is not in exec (JSON array) form');
    } catch {
      findings.push('Dockerfile: CMD is not in exec (JSON array) form');
    }
  }
  const runs = instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
  if (!runs.some((run) => /\bnpm (ci|install)\b/.test(run) && !/--omit=dev/.test(run))) findings.push('Dockerfile: no full `npm install` for the build');
  if (!runs.some((run) => /\bnpm run build\b/.test(run))) findings.push('Dockerfile: no `npm run build`');
  if (!runs.some((run) => /npm (ci|install|prune)\b.*--omit=dev/.test(run)))
    findings.push('Dockerfile: production dependencies are not installed with --omit=dev');
  const copies = runtime.body.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
  for (const needed of ['dist', 'node_modules']) {
    if (!copies.some((copy) => new RegExp(`\\./${needed}\\s*$`).test(copy))) findings.push(`Dockerfile: runtime does not copy ${needed}`);
  }
  // The apps read their SQL migrations from dist/ (scripts/build.mjs copies them there): the build must check it.
  if (!runs.some((run) => /apps\/\*\/migrations/.test(run) && /dist\//.test(run))) {
    findings.push('Dockerfile: the build does not check that the migrations are in dist/');
  }
  if (instructions.some((instruction) => instruction.keyword === 'ADD' && /https?:\/\//.test(instruction.args))) {
    findings.push('Dockerfile: ADD from a URL');
  }
  return findings;
}

/** .dockerignore keeps local state, secrets and build output out of the build context. */
export function checkDockerignore(text: string): string[] {
  const patterns = new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
  const required = ['.git', 'node_modules', 'dist', '.nostro', '.env', '.nx'];
  return required.filter((pattern) => !patterns.has(pattern)).map((pattern) => `.dockerignore: does not exclude ${pattern}`);
}
