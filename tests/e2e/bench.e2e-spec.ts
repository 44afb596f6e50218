/**
 * The short benchmark CI runs (`npm run bench -- --short`, with 2 s phases) against the suite's own cluster: every
 * phase (steady rate, closed loop of single payments, batch endpoints) must settle what it got accepted, with no
 * server error, and the run must write its JSON and chart. The figures are printed, not asserted: speed targets are
 * for the long benchmark on a quiet machine (README, Performance), never for a test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/cluster';

interface Phase {
  accepted: number;
  acceptedPerSec: number;
  settledPerSec: number;
  notFinal: number;
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
}

describe('npm run bench -- --short (CI)', () => {
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-bench-'));
  });

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('settles every payment it got accepted in each phase, with no server error, and writes JSON and a chart', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        // --short with 2 s phases: every phase and baseline runs and is checked; the figures are not the point here.
        // --skip-build: the global setup built dist/ (a build here ran tsc again beside the other files)
        [
          '--import',
          'tsx',
          path.join(repoRoot, 'scripts', 'bench', 'payments.ts'),
          '--short',
          ...['--seconds', '2', '--max-seconds', '2', '--batch-seconds', '2'],
          ...['--profile', 'test', '--skip-build', '--out', out],
        ],
        { cwd: repoRoot, env: process.env },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (exitCode) => resolve({ code: exitCode, output: text }));
    });
    process.stderr.write(
      `${output
        .split('\n')
        .filter((l) => !l.includes('[') || l.includes('phase'))
        .join('\n')}\n`,
    );
    expect(code).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'payments.json'), 'utf8')) as {
      phases: Record<string, Phase>;
      baselines?: { pgbench: { tps?: number }; kafka: { producePerSec: number }; roundTrip: { acrossCpus: { cpuUs: number; wallUs: number } } };
      ratios?: { cpuPerPaymentInRoundTrips: Record<string, number> };
    };
    expect(Object.keys(results.phases)).toEqual(['steady', 'max', 'batch']);
    for (const [name, phase] of Object.entries(results.phases)) {
      const serverErrors = Object.entries(phase.errors).filter(([errorCode]) =>
        /^(internal_error|service_unavailable|http_5\d\d|NostroNetworkError)$/.test(errorCode),
      );
      expect({ name, serverErrors, notFinal: phase.notFinal }).toEqual({ name, serverErrors: [], notFinal: 0 });
      expect(phase.accepted).toBeGreaterThan(0);
      expect(phase.latencyMs.count).toBe(phase.accepted);
      expect(phase.byStatus.SETTLED).toBe(phase.accepted);
    }
    expect(results.baselines?.kafka.producePerSec).toBeGreaterThan(0);
    expect(results.baselines?.roundTrip.acrossCpus.cpuUs).toBeGreaterThan(0);
    expect(results.baselines?.roundTrip.acrossCpus.wallUs).toBeGreaterThan(0);
    expect(Object.keys(results.ratios?.cpuPerPaymentInRoundTrips ?? {})).toEqual(['steady', 'max', 'batch']);
    expect(fs.readFileSync(path.join(out, 'payments-latency.svg'), 'utf8')).toContain('<svg');
  }, 600_000);
});
