// npm run bench:ledger — how fast ledger-node validators apply the ordered stream, against the real broker and
// Postgres of this machine. Prints only what it measured in this run:
//   1. pgbench TPC-B on the same Postgres (the machine's database ceiling, for the ratio);
//   2. one validator applying a preloaded stream: transactions/s, postings/s, CPU;
//   3. three validators applying the same stream at once, each into its own database;
//   4. latency with the three running at an offered rate: produce → final, block cut → applied and cut → final;
//   5. the liquidity queue's gridlock resolver on 10,000 queued payments among 50 participants (pure computation).
// Each run uses its own topics (prefix nostrobench-<id>.) and databases (nostro_bench_ledger_*), dropped at the end.
// See docs/ledger.md, "Benchmark".
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabases, deleteTopics, ensureKafka, ensurePostgres, ensureTopics } from '../lib/infra';
import { errorCode } from '../lib/infra/process';
import { ensureKey, type KeyFile } from '../lib/keys';
import { REPO_ROOT } from '../lib/repo';
import { SERVICE_NODE_ARGS, build } from '../lib/stack';
import { gridlockBench, printGridlock } from './gridlock';

const HELP = `usage: npm run bench:ledger [-- options]

  --transactions <n>      transactions preloaded into the stream (default 100000)
  --accounts <n>          participant accounts they move money between (default 1000)
  --legs <2|3|5>          postings per transaction: transfer, payment with fee, FX payment (default 3)
  --block-max-tx <n>      BLOCK_MAX_TX of the validators (default 1000)
  --rate <tx/s>           offered load of the latency phase (default 1000)
  --latency-seconds <s>   length of the latency phase (default 15)
  --pgbench-seconds <s>   length of the pgbench TPC-B run (default 15)
  --skip-three | --skip-latency | --skip-pgbench | --skip-build
  --only-gridlock         only time the liquidity queue's gridlock resolver (10,000 queued among 50
                          participants, and 100,000 among 500): no broker, no database, seconds
  --keep                  keep the bench databases and topics
  --profile               write each validator's V8 CPU profile to .nostro/bench/profiles/
  --json                  print the results as JSON too

The machine is shared and has 2 cores: run it when nothing else is busy, and read the load average it prints.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(HELP);
  process.exit(0);
}
const flag = (name: string): boolean => args.includes(`--${name}`);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number.parseInt(args[i + 1] ?? '', 10);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const cfg = {
  transactions: option('transactions', 100_000),
  accounts: option('accounts', 1_000),
  legs: option('legs', 3),
  blockMaxTx: option('block-max-tx', 1_000),
  rate: option('rate', 1_000),
  latencySeconds: option('latency-seconds', 15),
  pgbenchSeconds: option('pgbench-seconds', 15),
};
if (![2, 3, 5].includes(cfg.legs)) throw new Error('--legs is 2, 3 or 5');

const runId = crypto.randomBytes(4).toString('hex');
const prefix = `nostrobench-${runId}.`;
const stateDir = path.join(REPO_ROOT, '.nostro', 'bench');
const VALIDATORS = ['v0', 'v1', 'v2'] as const;
type Keys = Record<(typeof VALIDATORS)[number], KeyFile>;
const PORT_BASE = 5510;
const CLOCK_TICKS = 100;
const dbName = (i: number): string => `nostro_bench_ledger_${i}`;
const dbUrl = (i: number): string => `postgres://root@127.0.0.1:5432/${dbName(i)}`;
const log = (m: string): void => {
  process.stderr.write(`${m}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const children = new Map<string, ChildProcess>();

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine (every process, ours and everyone else's). */
function machineTicks(): { busy: number; total: number } {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const v = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// ───────────────────────────── workload ─────────────────────────────

interface AccountSpec {
  account: string;
  netDebitCap: string | null;
}
interface Posting {
  account: string;
  currency: string;
  amount: string;
}
/** An entry of the ledger stream, as settlement and the operator API produce them (JSON). */
type StreamEntry =
  { kind: 'transfer'; id: string; uetr?: string; postings: Posting[] } | { kind: 'config'; id: string; op: 'open_accounts'; accounts: AccountSpec[] };

function accountSpecs(): { currencies: string[]; specs: AccountSpec[] } {
  const currencies = cfg.legs === 5 ? ['USD', 'EUR'] : ['USD'];
  const specs: AccountSpec[] = [];
  for (const c of currencies)
    specs.push({ account: `EXTERNAL:${c}`, netDebitCap: null }, { account: `FEES:${c}`, netDebitCap: '0' }, { account: `FXDESK:${c}`, netDebitCap: '0' });
  for (let i = 0; i < cfg.accounts; i++) for (const c of currencies) specs.push({ account: `${participant(i)}:${c}`, netDebitCap: '0' });
  return { currencies, specs };
}

const participant = (i: number): string => `BENCH${String(i).padStart(6, '0')}`;
const leg = (account: string, amount: number | bigint): Posting => ({ account, currency: account.slice(-3), amount: String(amount) });

/** Deterministic amounts (xorshift), random ids: every transaction is accepted, since balances start high. */
function* workload(count: number): Generator<StreamEntry & { kind: 'transfer' }> {
  let x = 0x9e3779b9;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  for (let n = 0; n < count; n++) {
    const from = next() % cfg.accounts;
    const to = (from + 1 + (next() % (cfg.accounts - 1))) % cfg.accounts;
    const amount = 1 + (next() % 5_000);
    const fee = 1 + (next() % 50);
    // As settlement records a payment: its transaction id is its uetr.
    const id = crypto.randomUUID();
    const uetr = id;
    let postings: Posting[];
    if (cfg.legs === 2) postings = [leg(`${participant(from)}:USD`, -amount), leg(`${participant(to)}:USD`, amount)];
    else if (cfg.legs === 3) postings = [leg(`${participant(from)}:USD`, -(amount + fee)), leg(`${participant(to)}:USD`, amount), leg('FEES:USD', fee)];
    else
      postings = [
        leg(`${participant(from)}:USD`, -(amount + fee)),
        leg('FXDESK:USD', amount),
        leg('FEES:USD', fee),
        leg('FXDESK:EUR', -amount),
        leg(`${participant(to)}:EUR`, amount),
      ];
    yield { kind: 'transfer', id, uetr, postings };
  }
}

function funding(): StreamEntry[] {
  const { currencies, specs } = accountSpecs();
  const entries: StreamEntry[] = [];
  for (let i = 0; i < specs.length; i += 1_000)
    entries.push({ kind: 'config', id: `bench-open-${i}`, op: 'open_accounts', accounts: specs.slice(i, i + 1_000) });
  const big = 10n ** 15n;
  const fund = (account: string): StreamEntry => ({
    kind: 'transfer',
    id: crypto.randomUUID(),
    postings: [leg(`EXTERNAL:${account.slice(-3)}`, -big), leg(account, big)],
  });
  for (let i = 0; i < cfg.accounts; i++) entries.push(fund(`${participant(i)}:USD`));
  if (currencies.includes('EUR')) entries.push(fund('FXDESK:EUR'));
  return entries;
}

async function produceAll(producer: Producer, entries: readonly StreamEntry[]): Promise<{ sent: number; seconds: number }> {
  const topic = `${prefix}ledger.tx`;
  const started = Date.now();
  let batch: { value: string }[] = [];
  let sent = 0;
  for (const entry of entries) {
    batch.push({ value: JSON.stringify(entry) });
    if (batch.length === 5_000) {
      await producer.send({ topic, acks: -1, messages: batch });
      sent += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
  sent += batch.length;
  return { sent, seconds: (Date.now() - started) / 1000 };
}

// ───────────────────────────── validators ─────────────────────────────

function startValidator(i: number, keys: Keys): ChildProcess {
  const v = VALIDATORS[i];
  fs.mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  const out = fs.openSync(path.join(stateDir, 'logs', `${v}.log`), 'w');
  const profile = flag('profile') ? ['--cpu-prof', `--cpu-prof-dir=${path.join(stateDir, 'profiles')}`] : [];
  // The services' Node flags (young-generation size, as in the Dockerfile), so the figure is the deployed one.
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...profile, path.join(REPO_ROOT, 'dist', 'apps', 'ledger-node', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(PORT_BASE + i),
      DATABASE_URL: dbUrl(i),
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: prefix,
      VALIDATOR_ID: v,
      VALIDATOR_SIGNING_KEY_FILE: keys[v].file,
      VALIDATOR_PUBLIC_KEYS: VALIDATORS.map((id) => `${id}=${keys[id].publicKey}`).join(','),
      LEDGER_QUORUM: '2',
      // As the local cluster runs them: v0 publishes the participants' finality notices (LEDGER_NOTICES overrides).
      LEDGER_NOTICES: process.env.LEDGER_NOTICES ?? String(i === 0),
      BLOCK_MAX_TX: String(cfg.blockMaxTx),
      BLOCK_TIMEOUT_MS: '50',
    },
  });
  fs.closeSync(out);
  children.set(v, child);
  return child;
}

async function stopValidators(): Promise<void> {
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  children.clear();
}

async function progress(db: pg.Client): Promise<{ txs: number; blocks: number }> {
  try {
    const { rows } = await db.query<{ txs: string; blocks: number }>(`SELECT coalesce(sum(tx_count), 0)::bigint AS txs, count(*)::int AS blocks FROM blocks`);
    return { txs: Number(rows[0].txs), blocks: rows[0].blocks };
  } catch (error) {
    if (errorCode(error) === '42P01') return { txs: 0, blocks: 0 }; // the validator has not migrated its database yet
    throw error;
  }
}

/**
 * Waits until validator i recorded `total` entries; returns its apply rate between its first and last block
 * (database commit times) and its CPU over the time this function watched it.
 */
interface ApplyResult {
  txPerSec: number;
  seconds: number;
  blocks: number;
  txs: number;
  cpuCores: number;
  blockWriteMsAvg: number | null;
}

async function watchApply(i: number, db: pg.Client, total: number, child: ChildProcess): Promise<ApplyResult> {
  let first: { at: number; cpu: number | null } | null = null;
  for (;;) {
    const p = await progress(db);
    if (first === null && p.blocks > 0) first = { at: Date.now(), cpu: cpuSeconds(child.pid) };
    if (p.txs >= total) break;
    if (child.exitCode !== null) throw new Error(`validator ${VALIDATORS[i]} exited; see .nostro/bench/logs/${VALIDATORS[i]}.log`);
    await sleep(100);
  }
  const cpuEnd = cpuSeconds(child.pid);
  const start = first ?? { at: Date.now(), cpu: cpuEnd };
  const wall = (Date.now() - start.at) / 1000;
  const writeMs = await blockWriteMs(i);
  const { rows } = await db.query<{ first_at: string; last_at: string; txs: string; blocks: number }>(
    `WITH ordered AS (SELECT height, tx_count, extract(epoch FROM created_at) * 1000 AS at FROM blocks)
     SELECT (SELECT at FROM ordered ORDER BY height LIMIT 1) AS first_at, max(at) AS last_at,
            sum(tx_count) FILTER (WHERE height > 1) AS txs, count(*)::int AS blocks FROM ordered`,
  );
  const r = rows[0];
  const seconds = (Number(r.last_at) - Number(r.first_at)) / 1000;
  const txs = Number(r.txs);
  return { txPerSec: txs / seconds, seconds, blocks: r.blocks, txs, cpuCores: ((cpuEnd ?? 0) - (start.cpu ?? 0)) / wall, blockWriteMsAvg: writeMs };
}

/** Mean time of one block write (sign + one statement), from the validator's own histogram. */
async function blockWriteMs(i: number): Promise<number | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${PORT_BASE + i}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    const sum = Number(/^ledger_block_apply_seconds_sum (\S+)$/m.exec(text)?.[1]);
    const count = Number(/^ledger_block_apply_seconds_count (\S+)$/m.exec(text)?.[1]);
    return count > 0 ? (sum / count) * 1000 : null;
  } catch {
    return null;
  }
}

// ───────────────────────────── phases ─────────────────────────────

type Pgbench = { tps: number; clients: number; scale: number; seconds: number; error?: undefined } | { error: string; tps?: undefined; seconds?: undefined };

function pgbench(): Pgbench {
  const db = 'nostro_bench_ledger_pgbench';
  const psql = (sql: string) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'root', '-d', 'postgres', '-qAtc', sql], { encoding: 'utf8' });
  psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  psql(`CREATE DATABASE ${db}`);
  try {
    const init = spawnSync('pgbench', ['-h', '127.0.0.1', '-U', 'root', '-i', '-q', '-s', '10', db], { encoding: 'utf8' });
    if (init.status !== 0) return { error: init.stderr.trim() || 'pgbench -i failed (is pgbench installed? postgresql-contrib)' };
    const run = spawnSync('pgbench', ['-h', '127.0.0.1', '-U', 'root', '-c', '4', '-j', '2', '-T', String(cfg.pgbenchSeconds), db], { encoding: 'utf8' });
    const match = /tps = ([0-9.]+)/.exec(run.stdout);
    return match ? { tps: Number(match[1]), clients: 4, scale: 10, seconds: cfg.pgbenchSeconds } : { error: run.stderr.trim() || run.stdout.trim() };
  } finally {
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

interface ApplyPhase {
  validators: ApplyResult[];
  allDoneSeconds: number;
  machineBusy: number;
}

async function applyPhase(indexes: readonly number[], keys: Keys, total: number): Promise<ApplyPhase> {
  await createDatabases(indexes.map(dbName), { recreate: true, log: () => undefined });
  const dbs = await Promise.all(
    indexes.map(async (i) => {
      const db = new pg.Client({ connectionString: dbUrl(i) });
      await db.connect();
      return db;
    }),
  );
  const machineBefore = machineTicks();
  const started = Date.now();
  const procs = indexes.map((i) => startValidator(i, keys));
  try {
    const results = await Promise.all(indexes.map((i, k) => watchApply(i, dbs[k], total, procs[k])));
    const machineAfter = machineTicks();
    const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
    return { validators: results, allDoneSeconds: (Date.now() - started) / 1000, machineBusy };
  } finally {
    await Promise.all(dbs.map((db) => db.end()));
  }
}

interface Percentiles {
  p50: number | null;
  p99: number | null;
}

interface LatencyPhase {
  offeredTxPerSec: number;
  transactions: number;
  finalTransactions: number;
  blocks: number;
  produceToFinalMs: Percentiles;
  cutToAppliedMs: Percentiles;
  cutToFinalMs: Percentiles;
}

async function latencyPhase(producer: Producer): Promise<LatencyPhase> {
  const topic = `${prefix}ledger.tx`;
  const sentAt = new Map<string, number>();
  const perTick = Math.max(1, Math.round(cfg.rate / 100));
  const gen = workload(cfg.rate * cfg.latencySeconds);
  const started = Date.now();
  for (let tick = 0; ; tick++) {
    const due = started + tick * 10;
    if (due > started + cfg.latencySeconds * 1000) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const batch: StreamEntry[] = [];
    for (let k = 0; k < perTick; k++) {
      const { value, done } = gen.next();
      if (done) break;
      batch.push(value);
    }
    const at = Date.now();
    for (const tx of batch) sentAt.set(tx.id, at);
    await producer.send({ topic, acks: -1, messages: batch.map((tx) => ({ value: JSON.stringify(tx) })) });
  }
  const offered = sentAt.size / ((Date.now() - started) / 1000);
  const db = new pg.Client({ connectionString: dbUrl(0) });
  await db.connect();
  try {
    const ids = [...sentAt.keys()];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM block_transactions t JOIN finality f USING (height) WHERE t.tx_id = ANY($1::text[])',
        [ids],
      );
      if (rows[0].n >= ids.length || Date.now() > deadline) break;
      await sleep(200);
    }
    const txRows = (
      await db.query<{ tx_id: string; final_at: string }>(
        `SELECT t.tx_id, extract(epoch FROM f.finalized_at) * 1000 AS final_at FROM block_transactions t JOIN finality f USING (height) WHERE t.tx_id = ANY($1::text[])`,
        [ids],
      )
    ).rows;
    const blockRows = (
      await db.query<{ cut_at: number; applied_at: string; final_at: string }>(
        `SELECT b.block_time::float8 AS cut_at, extract(epoch FROM b.created_at) * 1000 AS applied_at, extract(epoch FROM f.finalized_at) * 1000 AS final_at
         FROM blocks b JOIN finality f USING (height) WHERE b.height IN (SELECT DISTINCT height FROM block_transactions WHERE tx_id = ANY($1::text[]))`,
        [ids],
      )
    ).rows;
    const txLatency = txRows.map((r) => Number(r.final_at) - (sentAt.get(r.tx_id) ?? Number.NaN));
    const applied = blockRows.map((r) => Number(r.applied_at) - Number(r.cut_at));
    const finality = blockRows.map((r) => Number(r.final_at) - Number(r.cut_at));
    const stats = (v: number[]): Percentiles => ({ p50: percentile(v, 50), p99: percentile(v, 99) });
    return {
      offeredTxPerSec: offered,
      transactions: ids.length,
      finalTransactions: txRows.length,
      blocks: blockRows.length,
      produceToFinalMs: stats(txLatency),
      cutToAppliedMs: stats(applied),
      cutToFinalMs: stats(finality),
    };
  } finally {
    await db.end();
  }
}

// ───────────────────────────── report ─────────────────────────────

interface Results {
  config: typeof cfg;
  machine: { cpus: number; cpuModel: string | undefined; node: string; loadavg: string[] };
  pgbench?: Pgbench;
  setupEntries?: number;
  produced?: { sent: number; seconds: number };
  one?: ApplyPhase;
  three?: ApplyPhase;
  latency?: LatencyPhase;
}

function report(r: Results): void {
  const out = (m: string): void => console.log(m);
  const produced = r.produced ?? { sent: 0, seconds: 0 };
  out(
    `\nNostro ledger benchmark — ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, load average at start ${r.machine.loadavg.join(' ')}`,
  );
  out('  The machine is shared: other work running at the same time lowers every figure below.');
  out(
    `workload: ${fmt(cfg.transactions)} transactions × ${cfg.legs} postings between ${fmt(cfg.accounts)} accounts (+ ${fmt(r.setupEntries)} setup entries), BLOCK_MAX_TX ${cfg.blockMaxTx}, finality notices published by ${process.env.LEDGER_NOTICES === undefined ? 'v0' : process.env.LEDGER_NOTICES === 'false' ? 'none' : 'every validator'}`,
  );
  out(`stream preloaded at ${fmt(produced.sent / produced.seconds)} messages/s (kafkajs producer, acks=all)`);
  if (r.pgbench)
    out(r.pgbench.error ? `pgbench: ${r.pgbench.error}` : `pgbench TPC-B (scale 10, 4 clients, ${r.pgbench.seconds} s): ${fmt(r.pgbench.tps)} tps`);
  const one = r.one?.validators[0];
  if (!r.one || !one) return;
  out(
    `one validator:    ${fmt(one.txPerSec)} tx/s, ${fmt(one.txPerSec * cfg.legs)} postings/s (${fmt(one.txs)} tx in ${one.blocks} blocks over ${one.seconds.toFixed(1)} s); validator CPU ${one.cpuCores.toFixed(2)} cores, machine ${Math.round(r.one.machineBusy * 100)}% busy`,
  );
  out(`                  block write (sign + one statement) ${one.blockWriteMsAvg === null ? 'n/a' : `${one.blockWriteMsAvg.toFixed(1)} ms`} on average`);
  if (r.pgbench?.tps) out(`                  ratio to pgbench TPC-B: ${(one.txPerSec / r.pgbench.tps).toFixed(2)} ledger transactions per pgbench transaction`);
  if (r.three) {
    const rates = r.three.validators.map((v, i) => `${VALIDATORS[i]} ${fmt(v.txPerSec)} tx/s (CPU ${v.cpuCores.toFixed(2)})`).join(', ');
    const aggregate = r.three.validators.reduce((s, v) => s + v.txPerSec, 0);
    out(
      `three validators: ${rates}; sum ${fmt(aggregate)} tx/s, ${fmt(aggregate * cfg.legs)} postings/s; all three done in ${r.three.allDoneSeconds.toFixed(1)} s; machine ${Math.round(r.three.machineBusy * 100)}% busy`,
    );
  }
  if (r.latency) {
    const l = r.latency;
    const p = (s: Percentiles): string => `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms`;
    out(
      `latency (three validators, ${fmt(l.offeredTxPerSec)} tx/s offered for ${cfg.latencySeconds} s, ${l.finalTransactions}/${l.transactions} final, ${l.blocks} blocks, measured on v0):`,
    );
    out(`  produce → final ${p(l.produceToFinalMs)}; block cut → applied ${p(l.cutToAppliedMs)}; block cut → final ${p(l.cutToFinalMs)}`);
  }
  if (cfg.transactions > 0 && one.txPerSec < 20_000) out(`target 20,000 tx/s for one validator: not reached in this run (${fmt(one.txPerSec)} tx/s)`);
}

async function main(): Promise<void> {
  if (flag('only-gridlock')) {
    const cases = gridlockBench();
    printGridlock(cases);
    if (flag('json')) console.log(JSON.stringify({ gridlock: cases }, null, 2));
    return;
  }
  const results: Results = {
    config: cfg,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((l) => l.toFixed(2)) },
  };
  await ensurePostgres();
  await ensureKafka();
  if (!flag('skip-build')) build();
  if (!flag('skip-pgbench')) {
    log('bench: pgbench TPC-B');
    results.pgbench = pgbench();
  }
  await ensureTopics({ prefix });
  const keys = Object.fromEntries(VALIDATORS.map((v) => [v, ensureKey(path.join(stateDir, 'keys'), v)])) as Keys;
  const kafka = new Kafka({ clientId: 'bench-ledger', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const setup = funding();
    results.setupEntries = setup.length;
    log(`bench: producing ${fmt(setup.length + cfg.transactions)} entries to ${prefix}ledger.tx`);
    results.produced = await produceAll(producer, [...setup, ...workload(cfg.transactions)]);
    const total = setup.length + cfg.transactions;
    log('bench: one validator');
    results.one = await applyPhase([0], keys, total);
    await stopValidators();
    if (!flag('skip-three')) {
      log('bench: three validators');
      results.three = await applyPhase([0, 1, 2], keys, total);
      if (!flag('skip-latency')) {
        log(`bench: latency at ${cfg.rate} tx/s for ${cfg.latencySeconds} s`);
        results.latency = await latencyPhase(producer);
      }
    }
  } finally {
    await producer.disconnect();
    await stopValidators();
    if (!flag('keep')) {
      await deleteTopics({ prefix }).catch((e: unknown) => log(`bench: ${e instanceof Error ? e.message : String(e)}`));
      const admin = new pg.Client({ connectionString: 'postgres://root@127.0.0.1:5432/postgres' });
      await admin.connect();
      for (const i of [0, 1, 2]) await admin.query(`DROP DATABASE IF EXISTS ${dbName(i)} WITH (FORCE)`);
      await admin.end();
    }
  }
  report(results);
  const gridlock = gridlockBench();
  printGridlock(gridlock);
  if (flag('json')) console.log(JSON.stringify({ ...results, gridlock }, null, 2));
}

process.on('SIGINT', () => {
  for (const child of children.values()) child.kill('SIGTERM');
  process.exit(130);
});

main().catch(async (error: unknown) => {
  log(`bench:ledger failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopValidators();
  process.exit(1);
});
