// Shared pieces of the benchmarks: percentiles, per-process CPU and memory sampling, machine baselines
// (pgbench, Kafka produce/consume, a cross-process round trip) and a small SVG chart writer.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

/** Percentiles of a sample, in its unit; null for an empty sample. */
export interface Summary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

/** A process's CPU and RSS, or one thread's (`pid/task/tid`: /proc/<tid>/stat would answer its whole process). */
function procStat(pid: number | string): { cpuTicks: number; rssBytes: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssBytes: Number(fields[21]) * PAGE_BYTES };
  } catch {
    return null;
  }
}

/**
 * The processes the cluster's work runs in besides the services: the Postgres backends of each of the profile's
 * databases (by their process title, so pooled connections that come and go are all counted), the Kafka broker, Redis
 * and this benchmark client. Each name maps to a function answering the pids in it now.
 */
export function infrastructureProcesses(dbPrefix: string): Record<string, () => (number | string)[]> {
  // One scan of /proc serves every group of the same sampling tick (the scan is most of the sampler's own cost).
  let scanned: { at: number; list: [number, string][] } = { at: 0, list: [] };
  const titles = (): [number, string][] => {
    if (Date.now() - scanned.at < 500) return scanned.list;
    const out: [number, string][] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        out.push([Number(entry), fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')]);
      } catch {
        // gone meanwhile
      }
    }
    scanned = { at: Date.now(), list: out };
    return out;
  };
  const byDatabase = (db: string) => (): number[] =>
    titles()
      .filter(([, title]) => title.startsWith('postgres: ') && title.includes(` ${dbPrefix}_${db} `))
      .map(([pid]) => pid);
  return {
    'postgres: gateway': byDatabase('gateway'),
    'postgres: fx': byDatabase('fx'),
    'postgres: settlement': byDatabase('settlement'),
    'postgres: ledger (3)': () => ['ledger_0', 'ledger_1', 'ledger_2'].flatMap((db) => byDatabase(db)()),
    'postgres: shared': () =>
      titles()
        .filter(([, title]) => /^postgres: \S+: (walwriter|checkpointer|background writer|autovacuum|logical)/.test(title))
        .map(([pid]) => pid),
    'kafka broker': () =>
      titles()
        .filter(([, title]) => title.includes('kafka.Kafka'))
        .map(([pid]) => pid),
    // Part of the broker's line, not added to the total: its JIT compiler threads, which keep compiling for minutes
    // of load after the broker starts (the bench's --warmup).
    [`kafka broker${PART_OF}JIT compiler`]: () =>
      titles()
        .filter(([, title]) => title.includes('kafka.Kafka'))
        .flatMap(([pid]) => threadsNamed(pid, /^C\d CompilerThre/)),
    // The machine's Redis: the cluster's only client of it while a benchmark runs (rate limits, quotes' locks).
    redis: () =>
      titles()
        .filter(([, title]) => title.startsWith('/usr/bin/redis-server') || title.startsWith('redis-server'))
        .map(([pid]) => pid),
    'bench client': () => [process.pid],
  };
}

/** Marks a sampled line that is part of the line before it (a process's threads): shown, not added to the total. */
export const PART_OF = ' ⊃ ';

/** A process's threads whose name matches, as `pid/task/tid` (what {@link procStat} reads). */
function threadsNamed(pid: number, name: RegExp): string[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return name.test(fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8')) ? [`${pid}/task/${tid}`] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** A pid (null: none, as for a service that is not running), or a function answering the pids (or `pid/task/tid` threads) of a group now. */
export type ProcessTarget = number | null | (() => (number | string)[]);

/**
 * Whether a line's memory is its own to report: Postgres backends map the same shared buffers (their RSS summed would
 * count them many times), and a line that is part of another (PART_OF) shares that process's memory.
 */
function hasOwnRss(name: string): boolean {
  return !name.startsWith('postgres') && !name.includes(PART_OF);
}

/** One process or group over a sampling run. */
export interface ProcessSample {
  cpuPctAvg: number | null;
  cpuPctMax: number | null;
  rssMbMax: number | null;
  cpuSeconds: number;
}

/**
 * Samples CPU (% of one core) and RSS once a second until stopped. `pids` maps a name to a pid or to a function
 * answering the pids of a group (summed; a pid is counted from its second sample). The result also has each name's
 * total CPU seconds, from which the caller derives CPU time per payment.
 */
export function sampleProcesses(pids: Readonly<Record<string, ProcessTarget>>): () => Record<string, ProcessSample> {
  const last = new Map<string, { cpuTicks: number; rssBytes: number } | null>();
  const totals: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const samples: Record<string, { cpu: number[]; rssMb: number[] }> = Object.fromEntries(Object.keys(pids).map((name) => [name, { cpu: [], rssMb: [] }]));
  const members = (target: ProcessTarget): (number | string)[] => (typeof target === 'function' ? target() : target === null ? [] : [target]);
  let lastAt = Date.now();
  const tick = (record: boolean): void => {
    const now = Date.now();
    const seconds = (now - lastAt) / 1000;
    lastAt = now;
    for (const [name, target] of Object.entries(pids)) {
      let ticks = 0;
      let rss = 0;
      let seen = false;
      for (const pid of members(target)) {
        const stat = procStat(pid);
        const key = `${name}/${pid}`;
        const before = last.get(key);
        if (stat && before) {
          ticks += stat.cpuTicks - before.cpuTicks;
          seen = true;
        }
        if (stat && hasOwnRss(name)) rss += stat.rssBytes;
        last.set(key, stat);
      }
      if (!record || !seen) continue;
      totals[name] += ticks / CLOCK_TICKS;
      samples[name].cpu.push((ticks / CLOCK_TICKS / seconds) * 100);
      samples[name].rssMb.push(rss / 1024 / 1024);
    }
  };
  tick(false);
  const timer = setInterval(() => tick(true), 1000);
  return () => {
    clearInterval(timer);
    tick(true);
    return Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [
        name,
        {
          cpuPctAvg: s.cpu.length ? Math.round(s.cpu.reduce((a, b) => a + b, 0) / s.cpu.length) : null,
          cpuPctMax: s.cpu.length ? Math.round(Math.max(...s.cpu)) : null,
          rssMbMax: s.rssMb.length && hasOwnRss(name) ? Math.round(Math.max(...s.rssMb)) : null,
          cpuSeconds: +totals[name].toFixed(2),
        },
      ]),
    );
  };
}

/** pgbench TPC-B on a scratch database of the same Postgres: the machine's database ceiling. */
export type PgbenchResult = { tps: number; clients: number; seconds: number; scale: number; error?: undefined } | { error: string; tps?: undefined };

export function pgbenchTps({ seconds = 10, clients = 4, scale = 10 } = {}): PgbenchResult {
  const db = 'nostro_bench_pgbench';
  const admin = (sql: string) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'root', '-d', 'postgres', '-qAtc', sql], { encoding: 'utf8' });
  admin(`DROP DATABASE IF EXISTS ${db}`);
  admin(`CREATE DATABASE ${db}`);
  try {
    const init = spawnSync('pgbench', ['-h', '127.0.0.1', '-U', 'root', '-i', '-q', '-s', String(scale), db], { encoding: 'utf8' });
    if (init.status !== 0) return { error: init.stderr.trim() };
    const run = spawnSync('pgbench', ['-h', '127.0.0.1', '-U', 'root', '-c', String(clients), '-j', '2', '-T', String(seconds), db], { encoding: 'utf8' });
    const match = /tps = ([0-9.]+)/.exec(run.stdout);
    return match ? { tps: Math.round(Number(match[1])), clients, seconds, scale } : { error: run.stderr.trim() || run.stdout.trim() };
  } finally {
    admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

/** Produces then consumes `count` messages of `bytes` each on a scratch topic: the broker's ceiling for kafkajs. */
export async function kafkaThroughput({ count = 100_000, bytes = 300, batch = 1_000 } = {}): Promise<{
  messages: number;
  bytes: number;
  producePerSec: number;
  consumePerSec: number;
}> {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const topic = `bench-baseline-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const value = 'x'.repeat(bytes);
  let started = Date.now();
  for (let sent = 0; sent < count; sent += batch) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(batch, count - sent) }, () => ({ value })) });
  }
  const produceSeconds = (Date.now() - started) / 1000;
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxBytesPerPartition: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  started = Date.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        received += b.messages.length;
        if (received >= count) resolve();
      },
    });
  });
  const consumeSeconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { messages: count, bytes, producePerSec: Math.round(count / produceSeconds), consumePerSec: Math.round(count / consumeSeconds) };
}

// The echo side of roundTripCost, run as its own Node process: 'p' echoes, 'r' restarts its CPU count, 'q' answers
// with the CPU it used since the last 'r' (microseconds) and closes.
const ECHO_SERVER = `
const net = require('node:net');
let since = process.cpuUsage();
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (data) => {
    const command = data[data.length - 1];
    if (command === 0x70) socket.write(data);
    else if (command === 0x72) { since = process.cpuUsage(); socket.write('r'); }
    else if (command === 0x71) { const u = process.cpuUsage(since); socket.end(String(u.user + u.system)); server.close(); }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/**
 * What one request/response between two processes costs on this machine: `count` strict ping-pongs of 32 bytes over
 * loopback TCP between this process and a child Node process, wall time and the CPU both sides used per round trip.
 * Every hop between our services (HTTP, Postgres, Redis, Kafka) pays at least this; on virtual machines where waking
 * a process on the other vCPU is dear it is most of a hop's cost. With `taskset` (util-linux), the same again with
 * both processes on one CPU, so the difference shows what the cross-CPU wake-up costs.
 */
export interface RoundTrip {
  wallUs: number;
  cpuUs: number;
}

export async function roundTripCost({ count = 20_000, warmup = 2_000 } = {}): Promise<{
  roundTrips: number;
  bytes: number;
  acrossCpus: RoundTrip;
  oneCpu?: RoundTrip;
}> {
  const measure = async (cpu?: number): Promise<RoundTrip> => {
    const command = cpu === undefined ? process.execPath : 'taskset';
    const args = cpu === undefined ? ['-e', ECHO_SERVER] : ['-c', String(cpu), process.execPath, '-e', ECHO_SERVER];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
      child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    });
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const reply = (): Promise<void> => new Promise((resolve) => socket.once('data', () => resolve()));
    const ping = Buffer.alloc(32, 0x70);
    const pingPong = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const answer = reply();
        socket.write(ping);
        await answer;
      }
    };
    // This process onto the same CPU too (Linux; the child was started on it).
    if (cpu !== undefined) spawnSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    try {
      await pingPong(warmup);
      const restarted = reply();
      socket.write('r');
      await restarted;
      const started = process.hrtime.bigint();
      const ownStart = process.cpuUsage();
      await pingPong(count);
      const own = process.cpuUsage(ownStart);
      const wallUs = Number(process.hrtime.bigint() - started) / 1_000;
      const total = new Promise<number>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString())).once('end', () => resolve(Number(text)));
      });
      socket.write('q');
      const childUs = await total;
      return {
        wallUs: +(wallUs / count).toFixed(1),
        cpuUs: +((own.user + own.system + childUs) / count).toFixed(1),
      };
    } finally {
      if (cpu !== undefined) spawnSync('taskset', ['-p', '-c', `0-${os.cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
      socket.destroy();
      child.kill();
      await exited;
    }
  };
  const result: { roundTrips: number; bytes: number; acrossCpus: RoundTrip; oneCpu?: RoundTrip } = {
    roundTrips: count,
    bytes: 32,
    acrossCpus: await measure(),
  };
  const haveTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  if (haveTaskset && process.platform === 'linux') result.oneCpu = await measure(0);
  return result;
}

export function machine(): { cpus: number; cpuModel: string | undefined; memoryGb: number; node: string; loadavg: string[]; loadavgAfter?: string[] } {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavg: os.loadavg().map((l) => l.toFixed(2)),
  };
}

/** A minimal line/bar chart as SVG: series of [x, y] points on shared axes. */
export function svgChart({
  title,
  xLabel,
  yLabel,
  series,
  width = 720,
  height = 360,
}: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly { name: string; points: readonly (readonly [number, number])[] }[];
  width?: number;
  height?: number;
}): string {
  const pad = { l: 64, r: 16, t: 36, b: 48 };
  const points = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...points.map((p) => p[0]));
  const maxY = Math.max(1, ...points.map((p) => p[1])) * 1.1;
  const x = (v: number): number => pad.l + (v / maxX) * (width - pad.l - pad.r);
  const y = (v: number): number => height - pad.b - (v / maxY) * (height - pad.t - pad.b);
  const colours = ['#0b62a4', '#d55e00', '#009e73', '#cc79a7'];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxY);
  const lines = series
    .map(
      (s, i) =>
        `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')}"/>` +
        `<text x="${width - pad.r - 200}" y="${pad.t + 16 * (i + 1)}" fill="${colours[i % colours.length]}" font-size="12">${s.name}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>
${ticks.map((t) => `<line x1="${pad.l}" x2="${width - pad.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${Math.round(t)}</text>`).join('')}
<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${height - pad.b}" stroke="#333"/>
<line x1="${pad.l}" x2="${width - pad.r}" y1="${height - pad.b}" y2="${height - pad.b}" stroke="#333"/>
<text x="${width / 2}" y="${height - 12}" text-anchor="middle" font-size="12">${xLabel}</text>
<text x="16" y="${height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${height / 2})">${yLabel}</text>
${lines}
</svg>
`;
}

/**
 * Per-hop latency of settled payments, from the timestamps each service records (all on one clock here):
 *   to submitted   gateway accepted (202)      -> settlement submitted it          gateway outbox, Kafka, consumer, checks
 *   to block       settlement submitted        -> block closed (broker time)       settlement outbox, Kafka, cut
 *   to final       block closed                -> quorum reached (first validator) apply, sign, signatures
 *   to settled     quorum reached              -> settlement SETTLED               finality outbox, Kafka, consumer
 *   to gateway     settlement SETTLED          -> gateway read model               settlement outbox, Kafka, consumer
 *   end to end     gateway accepted            -> gateway shows SETTLED
 * Answers { hop: { count, p50, p95, p99, max } } in milliseconds.
 */
export async function hopBreakdown(dbPrefix: string, uetrs: string[]): Promise<Record<string, Summary>> {
  const db = (name: string): pg.Client => new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${dbPrefix}_${name}` });
  const clients = ['gateway', 'settlement', 'ledger_0', 'ledger_1', 'ledger_2'].map(db);
  await Promise.all(clients.map((c) => c.connect()));
  const [gateway, settlement, ...validators] = clients;
  try {
    const ms = (a: Date | null | undefined, b: Date | null | undefined): number => (a && b ? b.getTime() - a.getTime() : Number.NaN);
    const g = new Map(
      (
        await gateway.query<{ uetr: string; created_at: Date; updated_at: Date; status: string }>(
          'SELECT uetr, created_at, updated_at, status FROM payments WHERE uetr = ANY($1::uuid[])',
          [uetrs],
        )
      ).rows.map((r) => [r.uetr, r]),
    );
    const s = new Map(
      (
        await settlement.query<{ uetr: string; block_height: string | null; submitted: Date | null; settled: Date | null }>(
          `SELECT p.uetr, p.block_height, max(e.at) FILTER (WHERE e.status = 'SUBMITTED') AS submitted, max(e.at) FILTER (WHERE e.status = 'SETTLED') AS settled
             FROM payments p JOIN payment_events e ON e.uetr = p.uetr WHERE p.uetr = ANY($1::uuid[]) GROUP BY p.uetr, p.block_height`,
          [uetrs],
        )
      ).rows.map((r) => [r.uetr, r]),
    );
    const heights = [...new Set([...s.values()].map((r) => r.block_height).filter((h) => h !== null))];
    // Block time is part of the block (the same on every validator); one that lags may not have the block yet.
    const blocks = new Map<string, Date>();
    for (const v of validators) {
      for (const r of (
        await v.query<{ height: string; block_time: string }>('SELECT height, block_time FROM blocks WHERE height = ANY($1::bigint[])', [heights])
      ).rows)
        blocks.set(String(r.height), new Date(Number(r.block_time)));
    }
    const finals = new Map<string, Date>();
    for (const v of validators) {
      for (const r of (
        await v.query<{ height: string; finalized_at: Date }>('SELECT height, finalized_at FROM finality WHERE height = ANY($1::bigint[])', [heights])
      ).rows) {
        const prev = finals.get(String(r.height));
        if (!prev || r.finalized_at < prev) finals.set(String(r.height), r.finalized_at);
      }
    }
    const hops: Record<string, number[]> = { 'to submitted': [], 'to block': [], 'to final': [], 'to settled': [], 'to gateway': [], 'end to end': [] };
    for (const uetr of uetrs) {
      const gw = g.get(uetr);
      const st = s.get(uetr);
      if (!gw || !st || gw.status !== 'SETTLED') continue;
      const block = blocks.get(String(st.block_height));
      const final = finals.get(String(st.block_height));
      hops['to submitted'].push(ms(gw.created_at, st.submitted));
      hops['to block'].push(ms(st.submitted, block));
      hops['to final'].push(ms(block, final));
      hops['to settled'].push(ms(final, st.settled));
      hops['to gateway'].push(ms(st.settled, gw.updated_at));
      hops['end to end'].push(ms(gw.created_at, gw.updated_at));
    }
    return Object.fromEntries(Object.entries(hops).map(([name, values]) => [name, summarize(values.filter((v) => Number.isFinite(v)))]));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export async function gatewayDb(dbPrefix: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${dbPrefix}_gateway` });
  await client.connect();
  return client;
}

/**
 * A `fetch` for the benchmark's bank clients over node:http with kept-alive connections, at most `sockets` to the
 * gateway: what a bank's integration with a connection pool does. Node's global `fetch` opens a connection for every
 * request in flight (2,000 in the steady phase) and costs the client, which shares the two cores with the cluster,
 * about 1 ms of CPU a request; the SDK takes any `fetch` (its `fetch` option). Its answer is a {@link BufferedResponse}
 * (status, headers, the body read whole), not a WHATWG `Response`: building one (a Headers object, a body stream,
 * reading it back) was about a sixth of the client's time in a profile of the steady phase.
 */
export function keepAliveFetch(sockets: number): typeof fetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const headers = init.headers as Record<string, string> | undefined;
      const body = init.body as string | undefined;
      const request = http.request(
        url,
        { method: init.method ?? 'GET', agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => resolve(new BufferedResponse(response, Buffer.concat(chunks)) as unknown as Response));
        },
      );
      request.on('error', reject);
      init.signal?.addEventListener('abort', () => request.destroy(new Error('aborted')), { once: true });
      request.end(body);
    });
}

/**
 * The part of a `Response` that the SDK and the benchmark read: status, `ok`, `statusText`, `headers.get` and the
 * body as text or JSON (read any number of times).
 */
export class BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    response: http.IncomingMessage,
    private readonly body: Buffer,
  ) {
    this.status = response.statusCode ?? 0;
    this.statusText = response.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    const received = response.headers;
    this.headers = {
      get: (name: string) => {
        const value = received[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
  }

  async text(): Promise<string> {
    return this.body.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8')) as unknown;
  }
}
