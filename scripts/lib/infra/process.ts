// Small process and file helpers the infrastructure modules share: running a command, checking a pid, tails of logs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../repo';

/** Where progress lines go: stderr by default, so that stdout stays for what a command answers. */
export type Log = (message: string) => void;

export const stderrLog: Log = (message) => {
  process.stderr.write(`${message}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds since `startMs`, one decimal, for log lines. */
export const seconds = (startMs: number): string => ((Date.now() - startMs) / 1000).toFixed(1);

/** The `code` of a Node or pg error (`ENOENT`, `57P03`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(
  cmd: string,
  args: readonly string[],
  { cwd = REPO_ROOT, timeoutMs = 120_000 }: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      out += `\n[timed out after ${timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(errorCode(err) === 'ENOENT' ? new Error(`${cmd}: command not found (is it installed and on PATH?)`) : err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: out });
    });
  });
}

/** The last `n` lines of `text` (a final empty line does not count). */
export const lastLines = (text: string, n: number): string =>
  text
    .split('\n')
    .filter((l, i, a) => l !== '' || i < a.length - 1)
    .slice(-n)
    .join('\n');

/** The file's text, or undefined when it cannot be read (missing, say). */
export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readTail(file: string, n: number): string {
  try {
    return lastLines(fs.readFileSync(file, 'utf8'), n);
  } catch {
    return `(no ${path.basename(file)})`;
  }
}

/** true if the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errorCode(err) !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

export function removeQuietly(file: string): void {
  fs.rmSync(file, { force: true, recursive: true });
}
