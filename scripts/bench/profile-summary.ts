// Summarises V8 CPU profiles (.cpuprofile, as written with NOSTRO_CPU_PROF_DIR set when the stack starts): per
// process, the share of samples by package or area (our code, pg, kafkajs, fastify/NestJS, zod, crypto, GC, idle)
// and the functions with the most self time. Answers "where does the time go" from a benchmark run.
import fs from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile this reads. */
interface CallFrame {
  functionName?: string;
  url?: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  startTime: number;
  endTime: number;
}
interface ProcessSummary {
  seconds: number;
  busyPct: number;
  areas: Record<string, number>;
  top: { fn: string; pct: number }[];
}

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  console.log(`usage: npm run bench:profile -- <dir or .cpuprofile files> [--top 12] [--json out.json]

Profiles come from a stack started with NOSTRO_CPU_PROF_DIR=<dir> (each service writes one when it stops), e.g.
  NOSTRO_CPU_PROF_DIR=.cache/prof npm run bench -- --phases batch && npm run stack:down
  npm run bench:profile -- .cache/prof`);
  process.exit(args.length === 0 ? 1 : 0);
}
function opt(name: string, fallback: string): string;
function opt(name: string, fallback: null): string | null;
function opt(name: string, fallback: string | null): string | null {
  return args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
}
const TOP = Number(opt('top', '12'));
const JSON_OUT = opt('json', null);
const inputs = args.filter((a, i) => !a.startsWith('--') && !['--top', '--json'].includes(args[i - 1]));
const files = inputs.flatMap((p) =>
  fs.statSync(p).isDirectory()
    ? fs
        .readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(p, f))
    : [p],
);

/** The area a frame belongs to, from its function name and script URL. */
function area(frame: CallFrame): string {
  const url = frame.url ?? '';
  const name = frame.functionName ?? '';
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)') return 'program (V8, native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) {
    if (pkg.startsWith('pg') || pkg === 'postgres-bytea') return 'pg';
    if (pkg === 'kafkajs') return 'kafkajs';
    if (pkg.startsWith('@nestjs') || pkg.includes('fastify') || pkg === 'find-my-way' || pkg === 'light-my-request' || pkg === 'avvio') return 'NestJS/fastify';
    if (pkg === 'zod') return 'zod';
    if (pkg.startsWith('pino') || pkg === 'sonic-boom' || pkg === 'nestjs-pino') return 'logging';
    if (pkg.startsWith('@noble')) return 'noble crypto';
    if (pkg === 'ioredis' || pkg.startsWith('@ioredis') || pkg === 'redis-parser') return 'ioredis';
    if (pkg === 'prom-client') return 'metrics';
    if (pkg === 'decimal.js') return 'decimal.js';
    return `other packages (${pkg})`;
  }
  if (url.includes('/dist/libs/shared/')) return 'ours: libs/shared';
  if (url.includes('/dist/libs/shared-node/')) return 'ours: libs/shared-node';
  if (url.includes('/dist/libs/platform/')) return 'ours: libs/platform';
  if (url.includes('/dist/apps/')) return 'ours: app';
  if (url.startsWith('node:') || url === '') {
    if (/JSON|stringify|parse/.test(name)) return 'JSON';
    if (/crypto|hash|Hash|sign|verify|digest/i.test(name) || url.includes('crypto')) return 'node:crypto';
    if (url.includes('internal/modules')) return 'module loading (start-up)';
    if (url.includes('net') || url.includes('stream') || url.includes('http') || url.includes('undici') || url.includes('internal/'))
      return 'node (net, streams, http)';
    return 'node/V8 builtins';
  }
  return 'other';
}

const out: Record<string, ProcessSummary> = {};
for (const file of files.sort()) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, n] of counts) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    const a = area(frame);
    if (a === 'idle') idle += n;
    byArea.set(a, (byArea.get(a) ?? 0) + n);
    const key =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + n);
  }
  const busy = total - idle;
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const name = path.basename(file).split('.')[0];
  const pct = (n: number, of: number): number => +((100 * n) / Math.max(1, of)).toFixed(1);
  const summary: ProcessSummary = {
    seconds: +seconds.toFixed(1),
    busyPct: pct(busy, total),
    areas: Object.fromEntries(
      [...byArea]
        .filter(([a]) => a !== 'idle')
        .sort((x, y) => y[1] - x[1])
        .map(([a, n]) => [a, pct(n, busy)]),
    ),
    top: [...byFunction]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((x, y) => y[1] - x[1])
      .slice(0, TOP)
      .map(([k, n]) => ({ fn: k, pct: pct(n, busy) })),
  };
  out[name] = summary;
  console.log(`\n${name}: ${summary.seconds} s profiled, busy ${summary.busyPct} % of samples; share of busy time by area:`);
  for (const [a, p] of Object.entries(summary.areas)) if (p >= 1) console.log(`  ${String(p).padStart(5)} %  ${a}`);
  console.log('  top functions (self time, % of busy):');
  for (const t of summary.top) console.log(`  ${String(t.pct).padStart(5)} %  ${t.fn}`);
}
if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(out, null, 2) + '\n');
