// npm run bench:fx — how many quotes fx-quote issues and uses per second on this machine, and what the
// gateway ↔ fx-quote hop costs over HTTP versus Kafka request-reply. Prints only what it measured in this run:
//   1. quotes issued/s (POST /v1/fx/quotes) at a fixed concurrency, with latency percentiles;
//   2. quotes used/s (POST /v1/fx/quotes/:id/consume, one payment each);
//   3. quotes issued/s through the batch endpoint (1,000 per call);
//   4. the transport alone: an echo over HTTP (keep-alive) and over Kafka request-reply (request topic → responder
//      → reply topic), each round trip timed, sequentially and at the same concurrency.
// fx-quote runs as its own process (dist/), with its own database (nostro_bench_fx), Redis prefix and topics
// (prefix nostrobench-fx-<id>.), all removed at the end. FXDESK liquidity is not checked (no ledger runs here).
// See docs/fx-quote.md, "Benchmark".
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { deleteRedisKeys } from '../../libs/platform/src/test-support';
import { createDatabases, deleteTopics, ensureKafka, ensurePostgres, ensureRedis, ensureTopics } from '../lib/infra';
import { ensureKey } from '../lib/keys';
import { REPO_ROOT } from '../lib/repo';
import { build } from '../lib/stack';
import { machine, sampleProcesses, summarize, type ProcessSample, type Summary } from './lib';

const HELP = `usage: npm run bench:fx [-- options]

  --quotes <n>         quotes issued, then used, in phases 1 and 2 (default 3000)
  --concurrency <n>    requests in flight (default 16)
  --batches <n>        batch calls of 1,000 quotes in phase 3 (default 3)
  --echoes <n>         round trips per transport and mode in phase 4 (default 2000)
  --skip-build | --skip-transport
  --keep               keep the bench database, Redis keys and topics
  --json               print the results as JSON too

The machine is shared and has 2 cores: read the load average it prints next to the figures.`;

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number.parseInt(args[i + 1] ?? '', 10);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const ECHO_TOPICS = ['fx.echo.requests', 'fx.echo.replies'];
const log = (m: string): void => {
  process.stderr.write(`${m}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (ns: bigint): number => Number(ns) / 1e6;

interface Config {
  quotes: number;
  concurrency: number;
  batches: number;
  echoes: number;
}

/** A phase's throughput and per-call latency (ms). */
interface Drive {
  perSecond: number;
  seconds: number;
  failures: number;
  latency: Summary;
}

// ───────────────────────────── the echo responder (a child process) ─────────────────────────────

/** `--echo-responder <prefix> <httpPort>`: answers HTTP POSTs and Kafka requests with their own body. */
async function echoResponder(prefix: string, port: number): Promise<void> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const kafka = new Kafka({ clientId: 'bench-echo-responder', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${prefix}echo-responder`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: `${prefix}${ECHO_TOPICS[0]}`, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const replies = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: { 'x-correlation-id': m.headers?.['x-correlation-id'] } }));
      await producer.send({ topic: `${prefix}${ECHO_TOPICS[1]}`, acks: -1, messages: replies });
    },
  });
  process.send?.('ready');
}

// ───────────────────────────── helpers ─────────────────────────────

/** Runs `total` calls of `fn` with `concurrency` in flight; returns per-call latencies (ms) and the wall time. */
async function drive(total: number, concurrency: number, fn: (i: number) => Promise<boolean>): Promise<Drive> {
  const latencies = new Array<number>(total);
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        if (!(await fn(i))) failures++;
        latencies[i] = ms(process.hrtime.bigint() - t0);
      }
    }),
  );
  const seconds = ms(process.hrtime.bigint() - started) / 1000;
  return { perSecond: total / seconds, seconds, failures, latency: summarize(latencies) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, urlPath: string, body: unknown): Promise<{ status: number | undefined; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function waitReady(port: number, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fx-quote exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error('fx-quote not ready in time');
}

const fmtRate = (r: { perSecond: number }): string => `${Math.round(r.perSecond).toLocaleString('en-US')}/s`;
const fmtLat = (l: Summary): string => `p50 ${l.p50?.toFixed(2)} ms · p95 ${l.p95?.toFixed(2)} ms · p99 ${l.p99?.toFixed(2)} ms · max ${l.max?.toFixed(2)} ms`;

// ───────────────────────────── phases ─────────────────────────────

interface QuotePhases {
  issued: Drive;
  issuedCpu: ProcessSample | undefined;
  used: Drive;
  usedCpu: ProcessSample | undefined;
  batches: Drive;
  batchQuotesPerSecond: number;
  batchCpu: ProcessSample | undefined;
}

async function quotePhases(cfg: Config, port: number, pid: number | undefined): Promise<QuotePhases> {
  const target = pid ?? null;
  const request = (i: number): Record<string, string> => ({
    sourceCurrency: 'USD',
    targetCurrency: i % 2 ? 'EUR' : 'JPY',
    sendAmount: `${100 + (i % 900)}.00`,
    creditorParticipant: 'BANKDE55',
  });
  const warm = await drive(
    200,
    cfg.concurrency,
    async (i) => (await post(port, '/v1/fx/quotes', { participant: 'BENCHBANK', request: request(i) })).status === 201,
  );
  if (warm.failures > 0) throw new Error('warm-up quotes failed');

  const ids = new Array<string>(cfg.quotes);
  const stopSampling = sampleProcesses({ 'fx-quote': target });
  const issued = await drive(cfg.quotes, cfg.concurrency, async (i) => {
    const answer = await post(port, '/v1/fx/quotes', { participant: 'BENCHBANK', request: request(i) });
    if (answer.status !== 201) return false;
    ids[i] = (JSON.parse(answer.body) as { id: string }).id;
    return true;
  });
  const issuedCpu = stopSampling()['fx-quote'];
  log(`  issued ${cfg.quotes} quotes: ${fmtRate(issued)}`);

  const stopUse = sampleProcesses({ 'fx-quote': target });
  const used = await drive(cfg.quotes, cfg.concurrency, async (i) => {
    const answer = await post(port, `/v1/fx/quotes/${ids[i]}/consume`, { participant: 'BENCHBANK', uetr: crypto.randomUUID() });
    return answer.status === 200;
  });
  const usedCpu = stopUse()['fx-quote'];
  log(`  used ${cfg.quotes} quotes: ${fmtRate(used)}`);

  const batch = Array.from({ length: 1_000 }, (_, i) => request(i));
  const stopBatch = sampleProcesses({ 'fx-quote': target });
  const batches = await drive(cfg.batches, 1, async () => {
    const answer = await post(port, '/v1/fx/quotes/batch', { participant: 'BENCHBANK', requests: batch });
    return answer.status === 201 && (JSON.parse(answer.body) as { results: { problem?: unknown }[] }).results.every((r) => !r.problem);
  });
  const batchCpu = stopBatch()['fx-quote'];
  const batchQuotesPerSecond = (cfg.batches * 1_000) / batches.seconds;
  log(`  ${cfg.batches} batches of 1,000: ${Math.round(batchQuotesPerSecond).toLocaleString('en-US')} quotes/s`);
  return { issued, issuedCpu, used, usedCpu, batches, batchQuotesPerSecond, batchCpu };
}

interface Transport {
  httpSequential: Drive;
  kafkaSequential: Drive;
  httpConcurrent: Drive;
  kafkaConcurrent: Drive;
}

async function transportPhase(cfg: Config, prefix: string): Promise<Transport> {
  const echoPort = 5690;
  // This file again, as its own process, through tsx (--import tsx).
  const responder = fork(__filename, ['--echo-responder', prefix, String(echoPort)], { stdio: 'inherit', execArgv: ['--import', 'tsx'] });
  await new Promise((resolve, reject) => {
    responder.once('message', resolve);
    responder.once('exit', (code) => reject(new Error(`echo responder exited (${code})`)));
  });
  const body = { participant: 'BENCHBANK', request: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1000.00', creditorParticipant: 'BANKDE55' } };
  const kafka = new Kafka({ clientId: 'bench-echo-requester', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${prefix}echo-requester`, maxWaitTimeInMs: 100 });
  const waiting = new Map<string, () => void>();
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: `${prefix}${ECHO_TOPICS[1]}`, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) waiting.get(m.headers?.['x-correlation-id']?.toString() ?? '')?.();
    },
  });
  const kafkaCall = async (): Promise<boolean> => {
    const id = crypto.randomUUID();
    const replied = new Promise<void>((resolve) => waiting.set(id, resolve));
    await producer.send({
      topic: `${prefix}${ECHO_TOPICS[0]}`,
      acks: -1,
      messages: [{ key: id, value: JSON.stringify(body), headers: { 'x-correlation-id': id } }],
    });
    await replied;
    waiting.delete(id);
    return true;
  };
  const httpCall = async (): Promise<boolean> => (await post(echoPort, '/echo', body)).status === 200;
  try {
    // The requester's group must own the reply partition before the first request: wait for a round trip.
    const deadline = Date.now() + 60_000;
    while (!(await Promise.race([kafkaCall(), sleep(2_000).then(() => false)]))) if (Date.now() > deadline) throw new Error('Kafka echo never answered');
    await drive(200, 1, httpCall);
    await drive(200, 1, kafkaCall);
    const result: Transport = {
      httpSequential: await drive(cfg.echoes, 1, httpCall),
      kafkaSequential: await drive(cfg.echoes, 1, kafkaCall),
      httpConcurrent: await drive(cfg.echoes, cfg.concurrency, httpCall),
      kafkaConcurrent: await drive(cfg.echoes, cfg.concurrency, kafkaCall),
    };
    for (const [name, r] of Object.entries(result)) log(`  ${name}: ${fmtRate(r)} · ${fmtLat(r.latency)}`);
    return result;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    responder.kill('SIGTERM');
  }
}

async function createEchoTopics(prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-fx-admin', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: ECHO_TOPICS.map((t) => ({ topic: `${prefix}${t}`, numPartitions: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

// ───────────────────────────── main ─────────────────────────────

interface Results extends QuotePhases {
  machine: ReturnType<typeof machine>;
  config: Config;
  transport?: Transport;
}

async function main(): Promise<void> {
  const cfg: Config = {
    quotes: option('quotes', 3_000),
    concurrency: option('concurrency', 16),
    batches: option('batches', 3),
    echoes: option('echoes', 2_000),
  };
  const runId = crypto.randomBytes(4).toString('hex');
  const prefix = `nostrobench-fx-${runId}.`;
  const redisPrefix = `nostrobench:fx:${runId}:`;
  const database = 'nostro_bench_fx';
  const port = 5610;
  log(`bench:fx run ${runId}: ${JSON.stringify(cfg)}`);
  await ensurePostgres();
  await ensureRedis();
  await ensureKafka();
  await ensureTopics({ prefix });
  await createEchoTopics(prefix);
  await createDatabases([database], { recreate: true, log: () => undefined });
  if (!flag('skip-build')) build();
  const key = ensureKey(path.join(REPO_ROOT, '.nostro', 'bench', 'keys'), 'fx');
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'apps', 'fx-quote', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATABASE_URL: `postgres://root@127.0.0.1:5432/${database}`,
      KAFKA_TOPIC_PREFIX: prefix,
      REDIS_KEY_PREFIX: redisPrefix,
      FX_SIGNING_KEY_FILE: key.file,
      // Long enough that every quote of phase 1 is still valid when phase 2 uses it.
      QUOTE_TTL_MS: '600000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const before = machine();
  let results: Results;
  try {
    await waitReady(port, child);
    log('phase 1–3: quotes issued, used, and in batches (fx-quote over HTTP, real Postgres and Redis)');
    results = { machine: before, config: cfg, ...(await quotePhases(cfg, port, child.pid)) };
    if (!flag('skip-transport')) {
      log('phase 4: the gateway ↔ fx-quote hop alone: HTTP echo vs Kafka request-reply echo');
      results.transport = await transportPhase(cfg, prefix);
    }
    results.machine.loadavgAfter = machine().loadavg;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    agent.destroy();
    if (!flag('keep')) await cleanUp(prefix, database, redisPrefix);
  }
  report(results);
  if (flag('json')) console.log(JSON.stringify(results, null, 2));
  process.exit(0);
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Removes the run's topics, database and Redis keys. */
async function cleanUp(prefix: string, database: string, redisPrefix: string): Promise<void> {
  await deleteTopics({ prefix }).catch((e: unknown) => log(`bench: ${errorText(e)}`));
  const admin = new pg.Client({ connectionString: 'postgres://root@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e: unknown) => log(`bench: ${errorText(e)}`));
  await admin.end();
  const redis = new Redis('redis://127.0.0.1:6379');
  await deleteRedisKeys(redis, redisPrefix);
  redis.disconnect();
}

function report(r: Results): void {
  const m = r.machine;
  console.log(
    `\nfx-quote benchmark — ${m.cpus} × ${m.cpuModel}, node ${m.node}, load average before ${m.loadavg.join(' ')}, after ${m.loadavgAfter?.join(' ')}`,
  );
  console.log(`concurrency ${r.config.concurrency}; FXDESK liquidity unchecked; every quote stored in Postgres and Redis and signed (Ed25519, node:crypto)\n`);
  console.log(
    `quotes issued   ${fmtRate(r.issued).padEnd(10)} ${fmtLat(r.issued.latency)} · failures ${r.issued.failures} · fx-quote CPU avg ${r.issuedCpu?.cpuPctAvg}%`,
  );
  console.log(
    `quotes used     ${fmtRate(r.used).padEnd(10)} ${fmtLat(r.used.latency)} · failures ${r.used.failures} · fx-quote CPU avg ${r.usedCpu?.cpuPctAvg}%`,
  );
  console.log(
    `batch of 1,000  ${Math.round(r.batchQuotesPerSecond).toLocaleString('en-US')} quotes/s · ${fmtLat(r.batches.latency)} per call · failures ${r.batches.failures}`,
  );
  if (r.transport) {
    const t = r.transport;
    console.log('\ntransport alone (echo of a quote request, ~170 bytes):');
    console.log(`  HTTP  sequential ${fmtRate(t.httpSequential).padEnd(9)} ${fmtLat(t.httpSequential.latency)}`);
    console.log(`  Kafka sequential ${fmtRate(t.kafkaSequential).padEnd(9)} ${fmtLat(t.kafkaSequential.latency)}`);
    console.log(`  HTTP  ×${r.config.concurrency}        ${fmtRate(t.httpConcurrent).padEnd(9)} ${fmtLat(t.httpConcurrent.latency)}`);
    console.log(`  Kafka ×${r.config.concurrency}        ${fmtRate(t.kafkaConcurrent).padEnd(9)} ${fmtLat(t.kafkaConcurrent.latency)}`);
  }
}

function start(): Promise<void> {
  if (args[0] === '--echo-responder') return echoResponder(args[1], Number.parseInt(args[2], 10));
  if (flag('help')) {
    console.log(HELP);
    return Promise.resolve();
  }
  return main();
}

// A failure ends the process with exit code 1, as the uncaught top-level await of the plain JavaScript version did.
start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
