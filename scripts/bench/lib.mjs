// Shared pieces of the benchmarks: percentiles, per-process CPU and memory sampling, machine baselines
// (pgbench, Kafka produce/consume) and a small SVG chart writer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssBytes: Number(fields[21]) * PAGE_BYTES };
  } catch {
    return null;
  }
}

/** Samples CPU (% of one core) and RSS of named pids once a second until stopped. */
export function sampleProcesses(pids) {
  const last = new Map();
  const samples = Object.fromEntries(Object.keys(pids).map((name) => [name, { cpu: [], rssMb: [] }]));
  let lastAt = Date.now();
  for (const [name, pid] of Object.entries(pids)) last.set(name, procStat(pid));
  const timer = setInterval(() => {
    const now = Date.now();
    const seconds = (now - lastAt) / 1000;
    lastAt = now;
    for (const [name, pid] of Object.entries(pids)) {
      const stat = procStat(pid);
      const before = last.get(name);
      if (stat && before) {
        samples[name].cpu.push(((stat.cpuTicks - before.cpuTicks) / CLOCK_TICKS / seconds) * 100);
        samples[name].rssMb.push(stat.rssBytes / 1024 / 1024);
      }
      last.set(name, stat);
    }
  }, 1000);
  return () => {
    clearInterval(timer);
    return Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [
        name,
        {
          cpuPctAvg: s.cpu.length ? Math.round(s.cpu.reduce((a, b) => a + b, 0) / s.cpu.length) : null,
          cpuPctMax: s.cpu.length ? Math.round(Math.max(...s.cpu)) : null,
          rssMbMax: s.rssMb.length ? Math.round(Math.max(...s.rssMb)) : null,
        },
      ]),
    );
  };
}

/** pgbench TPC-B on a scratch database of the same Postgres: the machine's database ceiling. */
export function pgbenchTps({ seconds = 10, clients = 4, scale = 10 } = {}) {
  const db = 'nostro_bench_pgbench';
  const admin = (sql) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'root', '-d', 'postgres', '-qAtc', sql], { encoding: 'utf8' });
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
export async function kafkaThroughput({ count = 100_000, bytes = 300, batch = 1_000 } = {}) {
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
  await new Promise((resolve) => {
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

export function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg().map((l) => l.toFixed(2)) };
}

/** A minimal line/bar chart as SVG: series of [x, y] points on shared axes. */
export function svgChart({ title, xLabel, yLabel, series, width = 720, height = 360 }) {
  const pad = { l: 64, r: 16, t: 36, b: 48 };
  const points = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...points.map((p) => p[0]));
  const maxY = Math.max(1, ...points.map((p) => p[1])) * 1.1;
  const x = (v) => pad.l + (v / maxX) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - (v / maxY) * (height - pad.t - pad.b);
  const colours = ['#0b62a4', '#d55e00', '#009e73', '#cc79a7'];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxY);
  const lines = series
    .map((s, i) => `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${width - pad.r - 200}" y="${pad.t + 16 * (i + 1)}" fill="${colours[i % colours.length]}" font-size="12">${s.name}</text>`)
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

export async function gatewayDb(dbPrefix) {
  const client = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${dbPrefix}_gateway` });
  await client.connect();
  return client;
}
