// npm run bench: drives the running cluster through the bank SDK (signed requests) at a fixed offered rate and
// at maximum throughput, then reports payments/s accepted and settled, intent → final latency (p50/p95/p99/max,
// from the gateway's own timeline), errors by code, CPU and memory per process, and the machine's own ceilings
// (pgbench TPC-B, Kafka produce/consume) for comparison. Writes JSON and an SVG chart.
import type * as Sdk from '@nostro/client';
import type * as Iso from '@nostro/iso20022';
import type * as SharedNode from '@nostro/shared-node';
import cliProgress from 'cli-progress';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { withDb } from '../lib/audit';
import { ensureKey } from '../lib/keys';
import { REPO_ROOT as root, fromDist } from '../lib/repo';
import { databaseNames, ensureSecrets, runningPid, services, stackProfile, stackUp, type Secrets, type StackProfile } from '../lib/stack';
import {
  gatewayDb,
  hopBreakdown,
  infrastructureProcesses,
  PART_OF,
  kafkaThroughput,
  keepAliveFetch,
  machine,
  pgbenchTps,
  roundTripCost,
  sampleProcesses,
  summarize,
  svgChart,
  type PgbenchResult,
  type ProcessSample,
  type ProcessTarget,
  type RoundTrip,
  type Summary,
} from './lib';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(`usage: npm run bench -- [--rate 500] [--seconds 20] [--max-seconds 20] [--concurrency 64]
                        [--batch-seconds 20] [--batch 500] [--batch-workers 4] [--phases steady,max,batch]
                        [--connections 256] [--debtors 2] [--warmup 60] [--warmup-rate <rate>] [--no-baselines]
                        [--out docs/bench] [--profile dev|test] [--skip-build]

Starts the local cluster if needed (npm run stack:up), registers benchmark banks, warms it up (--warmup seconds of
single payments at --warmup-rate per second, --rate unless given, then a third as long of batches at two workers when
a batch or iso phase follows; not measured: a freshly started Kafka broker spends about two fifths of its CPU in its
JIT compiler threads during its first minutes of load, shown as its own line; --warmup 0 skips it), then runs the
phases:
  steady   payments offered at --rate per second for --seconds (quote + payment, signed, one request each)
  max      as many single payments as --concurrency workers can push for --max-seconds (closed loop)
  batch    --batch-workers workers, each sending POST /v1/quotes/batch then POST /v1/payments/batch with
           --batch items per request, for --batch-seconds (closed loop): the bulk-payout path
  iso      the same with the payments as one pacs.008.001.09 of --batch transactions (POST /v1/iso20022/pacs.008,
           answered with a pacs.002): a bank hub's path; compare its submit time with batch's
           (--phases steady,max,batch,iso to run it)
--debtors sending banks (BENCHUS1 … BENCHUSn, 1 – 99) take turns paying one receiving bank (BENCHDE1); the gateway
groups concurrent requests per bank, so more banks mean smaller groups at the same rate.
The banks' clients keep at most --connections connections to the gateway open (kept alive), as a bank's connection
pool would; requests beyond them wait in the client.
Latency is intent → final from the payment's timeline in the gateway: RECEIVED (the gateway accepted it) to
SETTLED/REJECTED (the time settlement recorded the outcome); the gateway shows that status one hop later
("to gateway" in the per-hop table, hopsMs in the JSON).
Baselines: pgbench TPC-B and a Kafka produce/consume run on the same services, and the CPU cost of one round trip
between two processes (a payment's CPU is also reported in round trips, comparable across machines).
Results: <out>/payments.json, <out>/payments-latency.svg
--short: 5 s per phase at small sizes and short baselines (about a minute; what CI runs).
--profile test drives the test suite's cluster (ports 4000+, NOSTRO_TEST_SLOT) instead of the dev one (3000+).
--skip-build starts missing services from the existing dist/ without compiling first (the suite's test does).`);
  process.exit(0);
}
// --short: a run of about a minute with baselines (CI runs it); explicit options still win.
const SHORT = args.includes('--short');
const RATE = Number(opt('rate', SHORT ? '50' : '500'));
const SECONDS = Number(opt('seconds', SHORT ? '5' : '20'));
const MAX_SECONDS = Number(opt('max-seconds', SHORT ? '5' : '20'));
const CONCURRENCY = Number(opt('concurrency', SHORT ? '16' : '64'));
const BATCH = Number(opt('batch', SHORT ? '100' : '500'));
const BATCH_SECONDS = Number(opt('batch-seconds', SHORT ? '5' : '20'));
const BATCH_WORKERS = Number(opt('batch-workers', SHORT ? '2' : '4'));
const CONNECTIONS = Number(opt('connections', '256'));
const DEBTORS = Number(opt('debtors', '2'));
if (!Number.isInteger(DEBTORS) || DEBTORS < 1 || DEBTORS > 99) throw new Error('bench: --debtors must be an integer from 1 to 99');
const PHASES = opt('phases', 'steady,max,batch').split(',');
const WARMUP_SECONDS = Number(opt('warmup', SHORT ? '0' : '60'));
const WARMUP_RATE = Number(opt('warmup-rate', String(RATE)));
if (!(WARMUP_SECONDS >= 0) || !(WARMUP_RATE > 0)) throw new Error('bench: --warmup must be 0 or more seconds and --warmup-rate a positive rate');
const OUT = path.resolve(root, opt('out', 'docs/bench'));
const FINAL_WAIT_MS = 180_000;
const STEADY_IN_FLIGHT_MAX = 2_000;

/** A benchmark bank and its signed client (and what signing a raw request needs). */
interface BenchBank {
  id: string;
  currency: string;
  client: Sdk.NostroClient;
  baseUrl: string;
  seed: string;
}

interface Banks {
  debtors: BenchBank[];
  creditor: BenchBank;
}

type Errors = Record<string, number>;

/** What a phase answers: the payments accepted, and for the open loop how many were offered. */
interface PhaseRun {
  accepted: number;
  uetrs: string[];
  errors: Errors;
  seconds: number;
  offered?: number;
  answeredSeconds?: number;
  requests?: number;
  /** batch and iso: how long each payment-submitting request took to be answered (ms). */
  submitMs?: number[];
}

type Bar = cliProgress.SingleBar;

/** True when a batch item is a problem rather than a result (the SDK's isProblemResult). */
const isProblemResult = <T>(result: Sdk.BatchResult<T>): result is { problem: Sdk.ProblemDetails } =>
  typeof result === 'object' && result !== null && 'problem' in result;

async function setup(profile: StackProfile, secrets: Secrets): Promise<Banks> {
  const { NostroClient, NostroAdminClient, NostroApiError } = fromDist<typeof Sdk>('dist/libs/client/src/index.js', 'bench');
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const admin = new NostroAdminClient({ baseUrl, token: secrets.adminToken });
  const banks: BenchBank[] = [];
  const fetch = keepAliveFetch(CONNECTIONS);
  const accounts: [string, 'USD' | 'EUR'][] = [...Array.from({ length: DEBTORS }, (_, i): [string, 'USD'] => [`BENCHUS${i + 1}`, 'USD']), ['BENCHDE1', 'EUR']];
  for (const [id, currency] of accounts) {
    const key = ensureKey(path.join(profile.stateDir, 'bench'), id);
    try {
      await admin.createParticipant({ id, name: `Benchmark ${id}`, currencies: [currency], publicKey: key.publicKey });
    } catch (error) {
      if (!(error instanceof NostroApiError && error.code === 'participant_exists')) throw error;
    }
    if (currency === 'USD') await admin.deposit(id, { currency, amount: '500000000.00', reference: `bench ${Date.now()}` });
    const seed = fs.readFileSync(key.file, 'utf8').trim();
    banks.push({ id, currency, baseUrl, seed, client: new NostroClient({ baseUrl, participantId: id, seed, retry: { retries: 0 }, fetch }) });
  }
  await admin.deposit('FXDESK', { currency: 'EUR', amount: '900000000.00', reference: `bench ${Date.now()}` });
  const creditor = banks.find((b) => b.currency === 'EUR');
  if (!creditor) throw new Error('bench: no EUR bank');
  return { debtors: banks.filter((b) => b.currency === 'USD'), creditor };
}

/** The `code` of an API error, else its name: what a failure is counted under. */
function countError(errors: Errors, error: unknown): void {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  const code = String(e.code ?? e.name ?? 'error');
  errors[code] = (errors[code] ?? 0) + 1;
}

function payOnce(debtor: BenchBank, creditor: BenchBank, n: number, errors: Errors): Promise<string | null> {
  const amount = `${1 + (n % 97)}.${String(n % 100).padStart(2, '0')}`;
  return debtor.client
    .createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: amount, creditorParticipant: creditor.id })
    .then((quote) =>
      debtor.client.createPayment({
        quoteId: quote.id,
        endToEndId: `BENCH-${n}`,
        debtor: { name: 'Bench Debtor', account: 'US0001' },
        creditor: { name: 'Bench Creditor', account: 'DE0001' },
      }),
    )
    .then((payment): string | null => payment.uetr)
    .catch((error: unknown) => {
      countError(errors, error);
      return null;
    });
}

/** Offers `rate` payments per second for `seconds`, whatever the answers' latency (open loop, bounded in flight). */
async function steady(banks: Banks, rate: number, seconds: number, bar: Bar, first = 0): Promise<PhaseRun> {
  const errors: Errors = {};
  const uetrs: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let n = first;
  while (Date.now() - started < seconds * 1000) {
    const due = first + Math.floor(((Date.now() - started) / 1000) * rate);
    while (n < due) {
      if (inFlight.size >= STEADY_IN_FLIGHT_MAX) {
        errors.client_backlog = (errors.client_backlog ?? 0) + 1;
        n++;
        continue;
      }
      const p: Promise<void> = payOnce(banks.debtors[n % banks.debtors.length], banks.creditor, n, errors).then((uetr) => {
        inFlight.delete(p);
        if (uetr) uetrs.push(uetr);
      });
      inFlight.add(p);
      n++;
    }
    bar.update(Math.min(seconds, Math.round((Date.now() - started) / 1000)), { accepted: uetrs.length });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const offeredSeconds = (Date.now() - started) / 1000;
  await Promise.all(inFlight);
  return { offered: n - first, accepted: uetrs.length, uetrs, errors, seconds: offeredSeconds, answeredSeconds: (Date.now() - started) / 1000 };
}

/** Closed loop: `concurrency` workers each send the next payment as soon as the previous one was answered. */
async function maximum(banks: Banks, seconds: number, concurrency: number, bar: Bar): Promise<PhaseRun> {
  const errors: Errors = {};
  const uetrs: string[] = [];
  const started = Date.now();
  let n = 1_000_000;
  const worker = async (): Promise<void> => {
    while (Date.now() - started < seconds * 1000) {
      const i = n++;
      const uetr = await payOnce(banks.debtors[i % banks.debtors.length], banks.creditor, i, errors);
      if (uetr) uetrs.push(uetr);
      bar.update(Math.min(seconds, Math.round((Date.now() - started) / 1000)), { accepted: uetrs.length });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted: uetrs.length, uetrs, errors, seconds: (Date.now() - started) / 1000 };
}

/**
 * Closed loop over the batch endpoints: each worker asks for `size` quotes in one request, pays every quote it
 * got in one request, and starts again. Item-level problems are counted by code like request errors.
 */
async function batches(banks: Banks, seconds: number, workers: number, size: number, bar: Bar, iso = false, first = 2_000_000): Promise<PhaseRun> {
  const errors: Errors = {};
  const uetrs: string[] = [];
  const submitMs: number[] = [];
  const started = Date.now();
  let n = first;
  let requests = 0;
  const worker = async (w: number): Promise<void> => {
    const debtor = banks.debtors[w % banks.debtors.length];
    while (Date.now() - started < seconds * 1000) {
      const first = n;
      n += size;
      const amounts = Array.from({ length: size }, (_, k) => `${1 + ((first + k) % 97)}.${String((first + k) % 100).padStart(2, '0')}`);
      try {
        const quoted = await debtor.client.createQuotes(
          amounts.map((sendAmount) => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: banks.creditor.id })),
        );
        const quotes: Sdk.Quote[] = [];
        for (const r of quoted.results) {
          if (isProblemResult(r)) countError(errors, r.problem);
          else quotes.push(r);
        }
        if (quotes.length === 0) continue;
        const sent = performance.now();
        if (iso) {
          const { report, ms } = await sendPacs008(debtor, banks.creditor.id, quotes, first);
          submitMs.push(ms);
          for (const t of report.transactions) {
            if (t.status === 'RJCT') countError(errors, { code: t.reason?.additionalInfo ?? t.reason?.code ?? 'RJCT' });
            else if (t.uetr) uetrs.push(t.uetr);
          }
        } else {
          const paid = await debtor.client.createPayments(
            quotes.map((q, k) => ({
              quoteId: q.id,
              endToEndId: `BENCHB-${first + k}`,
              debtor: { name: 'Bench Debtor', account: 'US0001' },
              creditor: { name: 'Bench Creditor', account: 'DE0001' },
            })),
          );
          submitMs.push(performance.now() - sent);
          for (const r of paid.results) {
            if (isProblemResult(r)) countError(errors, r.problem);
            else uetrs.push(r.uetr);
          }
        }
        requests += 2;
      } catch (error) {
        countError(errors, error);
      }
      bar.update(Math.min(seconds, Math.round((Date.now() - started) / 1000)), { accepted: uetrs.length });
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return { accepted: uetrs.length, uetrs, errors, requests, submitMs, seconds: (Date.now() - started) / 1000 };
}

/**
 * One pacs.008 of these quotes, signed like any request (RFC 9421 over the XML body), answered with a pacs.002.
 * `ms` is the request alone (as for the JSON batch): building and signing the document are the bank's work.
 */
async function sendPacs008(
  debtor: BenchBank,
  creditorId: string,
  quotes: readonly Sdk.Quote[],
  first: number,
): Promise<{ report: Iso.StatusReport; ms: number }> {
  const iso = fromDist<typeof Iso>('dist/libs/iso20022/src/index.js', 'bench');
  const { signRequest, base64UrlDecode } = fromDist<typeof SharedNode>('dist/libs/shared-node/src/index.js', 'bench');
  const xml = iso.buildPacs008Inbound({
    messageId: `BENCH-${first}`,
    createdAt: new Date().toISOString(),
    transactions: quotes.map((q, index) => ({
      index,
      quoteId: q.id,
      endToEndId: `BENCHI-${first + index}`,
      amount: q.sendAmount,
      currency: q.sourceCurrency,
      debtor: { name: 'Bench Debtor', account: 'US0001' },
      creditor: { name: 'Bench Creditor', account: 'DE0001' },
      debtorAgent: debtor.id,
      creditorAgent: creditorId,
    })),
  });
  const url = `${debtor.baseUrl}/v1/iso20022/pacs.008`;
  const headers: Record<string, string> = { 'content-type': 'application/xml', 'idempotency-key': `bench-${first}-${Date.now()}` };
  const signature = signRequest({ method: 'POST', url, headers, body: xml, keyId: debtor.id, seed: base64UrlDecode(debtor.seed) });
  const sent = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { ...headers, ...signature }, body: xml });
  const text = await response.text();
  const ms = performance.now() - sent;
  if (response.status !== 202) throw Object.assign(new Error(`pacs.008 answered ${response.status}`), { code: `http_${response.status}` });
  return { report: iso.parsePacs002(text), ms };
}

/** Waits until every accepted payment is final, then reads intent → final latencies from the gateway's timeline. */
interface Outcomes {
  byStatus: Errors;
  notFinal: number;
  latencyMs: Summary;
  settledPerSec: number;
  series?: [number, number][];
}

async function outcomes(db: pg.Client, uetrs: string[], since: Date, participants: string[]): Promise<Outcomes> {
  // Waits on a count of the phase's payments still open, read through the status index (a few index entries),
  // twice a second: the benchmark's own queries compete with the cluster for the same two cores, and probing every
  // accepted uetr on each poll cost Postgres seconds of CPU per phase.
  const deadline = Date.now() + FINAL_WAIT_MS;
  for (;;) {
    const { rows } = await db.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM payments WHERE status IN ('RECEIVED', 'HELD', 'SUBMITTED') AND created_at >= $1 AND participant = ANY($2::text[])`,
      [since, participants],
    );
    if (rows[0].open === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { rows } = await db.query<{ status: string; reason: string | null; ms: number | null; final_at: number; received_at: number }>(
    `SELECT p.status, p.reason, (extract(epoch FROM f.at - r.at) * 1000)::float8 AS ms, extract(epoch FROM f.at)::float8 AS final_at, extract(epoch FROM r.at)::float8 AS received_at
       FROM payments p
       JOIN payment_timeline r ON r.uetr = p.uetr AND r.status = 'RECEIVED'
       LEFT JOIN payment_timeline f ON f.uetr = p.uetr AND f.status IN ('SETTLED', 'REJECTED')
      WHERE p.uetr = ANY($1::uuid[])`,
    [uetrs],
  );
  const final = rows.filter((r): r is typeof r & { ms: number } => r.ms !== null);
  const byStatus: Errors = {};
  for (const r of rows) {
    const key = r.reason ? `${r.status}:${r.reason}` : r.status;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  const settled = final.filter((r) => r.status === 'SETTLED');
  const firstReceived = Math.min(...rows.map((r) => r.received_at));
  const lastFinal = Math.max(...final.map((r) => r.final_at));
  return {
    byStatus,
    notFinal: rows.length - final.length,
    latencyMs: summarize(final.map((r) => Math.round(r.ms))),
    settledPerSec: settled.length ? Math.round(settled.length / Math.max(0.001, lastFinal - firstReceived)) : 0,
    series: final.map((r): [number, number] => [r.received_at - firstReceived, r.ms]).sort((a, b) => a[0] - b[0]),
  };
}

/**
 * When the Postgres server runs without autovacuum (this workplace's does), every phase would start on the dead rows
 * of the ones before it (outbox rows relayed and deleted, payment rows updated) and run slower than the last: each
 * phase starts on vacuumed and analysed databases instead, as a server with autovacuum keeps them. Answers the
 * server's `autovacuum_naptime` in ms when autovacuum is off (see {@link analyzeDuringPhase}), null when it is on.
 */
async function vacuumIfNeeded(db: pg.Client, profile: StackProfile): Promise<number | null> {
  const { rows } = await db.query<{ autovacuum: string; naptime: string }>(
    "SELECT current_setting('autovacuum') AS autovacuum, (SELECT setting FROM pg_settings WHERE name = 'autovacuum_naptime') AS naptime",
  );
  if (rows[0].autovacuum === 'on') return null;
  const started = Date.now();
  for (const name of databaseNames(profile)) await withDb(name, (client) => client.query('VACUUM (ANALYZE)'));
  console.error(`bench: autovacuum is off on this Postgres; vacuumed and analysed the cluster's databases (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return Number(rows[0].naptime) * 1_000;
}

/**
 * Without autovacuum nothing analyses a table as it grows during a phase, and the plans the services' sessions cached
 * while it was small (the foreign-key checks, the trigger functions' queries) stay sequential scans: on a fresh stack,
 * 4,000 single payments made the settlement database scan payment_events 9,423 times (44 million rows read), a third
 * of a millisecond of CPU per payment that grows with the tables. Each phase therefore starts on analysed databases
 * ({@link vacuumIfNeeded}), and during it this does what autovacuum does: once per `autovacuum_naptime` (a minute by
 * default) it analyses each table whose rows changed since its last analysis exceed `autovacuum_analyze_threshold` +
 * `autovacuum_analyze_scale_factor` × its rows (50 + 10 % by default). Until 2026-12-08 it analysed every table of
 * every database every 5 s, twelve times as often as autovacuum looks: 10.7 – 15.3 s of ANALYZE (wall time) in a 20 s
 * steady phase at 500 payments/s offered, counted in the databases' CPU a payment (docs/performance.md). Answers a
 * function that stops it and tells how many tables it analysed, in how long.
 */
function analyzeDuringPhase(profile: StackProfile, naptimeMs: number): () => Promise<{ tables: number; ms: number }> {
  let tables = 0;
  let ms = 0;
  let running: Promise<void> | null = null;
  const analyze = async () => {
    for (const name of databaseNames(profile)) {
      await withDb(name, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          `SELECT format('%I.%I', s.schemaname, s.relname) AS name FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                    + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)`,
        );
        for (const { name: table } of rows) {
          const started = performance.now();
          await client.query(`ANALYZE ${table}`);
          ms += performance.now() - started;
          tables += 1;
        }
      });
    }
  };
  const timer = setInterval(() => {
    running ??= analyze()
      .catch((error: unknown) => console.error(`bench: ANALYZE failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = null));
  }, naptimeMs);
  return async () => {
    clearInterval(timer);
    await running;
    return { tables, ms };
  };
}

function phaseBar(name: string, seconds: number): Bar {
  const bar = new cliProgress.SingleBar(
    { format: `  ${name.padEnd(7)} [{bar}] {value}/{total} s | accepted {accepted}`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(seconds, 0, { accepted: 0 });
  return bar;
}

interface PhaseResult extends Outcomes {
  /** batch and iso: time to answer one payment-submitting request of --batch items (ms). */
  submitMs?: Summary;
  offered: number | null;
  offeredPerSec: number | null;
  acceptedPerSec: number;
  accepted: number;
  errors: Errors;
  processes: Record<string, ProcessSample>;
  cpuMsPerPayment: Record<string, number> | null;
  hopsMs: Record<string, Summary> | null;
}

interface Results {
  at: string;
  machine: ReturnType<typeof machine>;
  settings: Record<string, number>;
  phases: Record<string, PhaseResult>;
  baselines?: { pgbench: PgbenchResult; kafka: Awaited<ReturnType<typeof kafkaThroughput>>; roundTrip: { acrossCpus: RoundTrip; oneCpu?: RoundTrip } };
  ratios?: Record<string, unknown>;
}

/** CPU time per settled payment, by process, over the phase and its drain: where the two cores went. */
function cpuPerPayment(processes: Record<string, ProcessSample>, settledCount: number): Record<string, number> | null {
  if (!settledCount) return null;
  const total = Object.entries(processes).reduce((a, [name, p]) => (name.includes(PART_OF) ? a : a + p.cpuSeconds), 0);
  return Object.fromEntries([
    ...Object.entries(processes).map(([svc, p]): [string, number] => [svc, +((p.cpuSeconds * 1000) / settledCount).toFixed(3)]),
    ['total', +((total * 1000) / settledCount).toFixed(3)],
  ]);
}

async function main(): Promise<void> {
  const profile = stackProfile(opt('profile', 'dev'));
  await stackUp(profile, { skipBuild: args.includes('--skip-build') });
  const secrets = ensureSecrets(profile);
  const pids: Record<string, ProcessTarget> = {
    ...Object.fromEntries(services(profile, secrets).map((svc) => [svc.name, runningPid(profile, svc)])),
    ...infrastructureProcesses(profile.dbPrefix),
  };
  const db = await gatewayDb(profile.dbPrefix);
  console.error('bench: registering and funding benchmark banks');
  const banks = await setup(profile, secrets);
  const results: Results = {
    at: new Date().toISOString(),
    machine: machine(),
    settings: {
      rate: RATE,
      seconds: SECONDS,
      maxSeconds: MAX_SECONDS,
      concurrency: CONCURRENCY,
      batchSeconds: BATCH_SECONDS,
      batch: BATCH,
      batchWorkers: BATCH_WORKERS,
      debtors: DEBTORS,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      warmupRate: WARMUP_RATE,
    },
    phases: {},
  };
  if (WARMUP_SECONDS > 0) await warmUp({ db, banks }, PHASES.includes('batch') || PHASES.includes('iso'));
  const phases: Record<string, { seconds: number; run: (bar: Bar) => Promise<PhaseRun> }> = {
    steady: { seconds: SECONDS, run: (bar) => steady(banks, RATE, SECONDS, bar) },
    max: { seconds: MAX_SECONDS, run: (bar) => maximum(banks, MAX_SECONDS, CONCURRENCY, bar) },
    batch: { seconds: BATCH_SECONDS, run: (bar) => batches(banks, BATCH_SECONDS, BATCH_WORKERS, BATCH, bar) },
    iso: { seconds: BATCH_SECONDS, run: (bar) => batches(banks, BATCH_SECONDS, BATCH_WORKERS, BATCH, bar, true) },
  };
  for (const name of PHASES) {
    if (!phases[name]) throw new Error(`unknown phase ${name} (steady, max, batch, iso)`);
    results.phases[name] = await runPhase({ db, profile, pids, banks }, name, phases[name]);
  }
  await db.end();
  if (!args.includes('--no-baselines')) await addBaselines(results);
  report(results);
}

/**
 * Load before the measured phases, not measured: single payments at WARMUP_RATE for WARMUP_SECONDS (and, when a
 * batch phase follows, batches at two workers for a third as long), waited for until final. Each process compiles
 * its hot paths during its first minutes of load, which a cluster that has run for a while no longer pays: on a
 * broker started just before, its JIT compiler threads took 0.49 of its 1.12 ms of CPU a payment in a steady phase
 * at 500/s offered, and 0.31 of 0.62 ms after 60 s of warm-up (docs/performance.md, "Warm-up").
 */
async function warmUp({ db, banks }: { db: pg.Client; banks: Banks }, withBatches: boolean): Promise<void> {
  const started = new Date();
  const bar = phaseBar('warm-up', WARMUP_SECONDS);
  const single = await steady(banks, WARMUP_RATE, WARMUP_SECONDS, bar, 3_000_000);
  bar.stop();
  let batched: PhaseRun | null = null;
  if (withBatches) {
    const batchSeconds = Math.ceil(WARMUP_SECONDS / 3);
    const batchBar = phaseBar('warm-up', batchSeconds);
    batched = await batches(banks, batchSeconds, 2, BATCH, batchBar, false, 4_000_000);
    batchBar.stop();
  }
  const settled = await outcomes(
    db,
    [...single.uetrs, ...(batched?.uetrs ?? [])],
    started,
    banks.debtors.map((d) => d.id),
  );
  console.error(
    `bench: warmed up with ${single.accepted} single payments at ${WARMUP_RATE}/s` +
      (batched ? ` and ${batched.accepted} in batches` : '') +
      ` over ${Math.round((Date.now() - started.getTime()) / 1000)} s (not measured): ${JSON.stringify(settled.byStatus)}`,
  );
}

/** One phase: vacuum first, then the load with every process sampled, then its outcomes and costs. */
async function runPhase(
  { db, profile, pids, banks }: { db: pg.Client; profile: StackProfile; pids: Record<string, ProcessTarget>; banks: Banks },
  name: string,
  { seconds, run }: { seconds: number; run: (bar: Bar) => Promise<PhaseRun> },
): Promise<PhaseResult> {
  const naptimeMs = await vacuumIfNeeded(db, profile);
  const phaseStarted = new Date();
  const stopSampling = sampleProcesses(pids);
  const stopAnalyzing = naptimeMs === null ? null : analyzeDuringPhase(profile, naptimeMs);
  const bar = phaseBar(name, seconds);
  const phase = await run(bar);
  bar.stop();
  const settled = await outcomes(
    db,
    phase.uetrs,
    phaseStarted,
    banks.debtors.map((d) => d.id),
  );
  if (stopAnalyzing) {
    const analysed = await stopAnalyzing();
    console.error(`bench: analysed ${analysed.tables} table(s) during the phase as autovacuum would, in ${(analysed.ms / 1000).toFixed(1)} s`);
  }
  const processes = stopSampling();
  const settledCount = settled.byStatus.SETTLED ?? 0;
  const cpuMsPerPayment = cpuPerPayment(processes, settledCount);
  const hopsMs = settledCount ? await hopBreakdown(profile.dbPrefix, phase.uetrs) : null;
  return {
    offered: phase.offered ?? null,
    offeredPerSec: phase.offered ? Math.round(phase.offered / phase.seconds) : null,
    acceptedPerSec: Math.round(phase.accepted / (phase.answeredSeconds ?? phase.seconds)),
    accepted: phase.accepted,
    errors: phase.errors,
    ...(phase.submitMs ? { submitMs: summarize(phase.submitMs.map((ms) => Math.round(ms))) } : {}),
    ...settled,
    processes,
    cpuMsPerPayment,
    hopsMs,
  };
}

/** The machine's ceilings measured in the same run, and the cluster's figures as ratios of them. */
async function addBaselines(results: Results): Promise<void> {
  console.error(
    `bench: machine baselines (pgbench TPC-B ${SHORT ? 3 : 10} s, Kafka ${SHORT ? '20k' : '100k'} messages, ${SHORT ? '5k' : '20k'} cross-process round trips)`,
  );
  const measured = SHORT
    ? { pgbench: pgbenchTps({ seconds: 3, scale: 2 }), kafka: await kafkaThroughput({ count: 20_000 }), roundTrip: await roundTripCost({ count: 5_000 }) }
    : { pgbench: pgbenchTps(), kafka: await kafkaThroughput(), roundTrip: await roundTripCost() };
  results.baselines = measured;
  const settledMax = Math.max(...Object.values(results.phases).map((p) => p.settledPerSec));
  const roundTripMs = measured.roundTrip.acrossCpus.cpuUs / 1_000;
  results.ratios = {
    settledPerSecToPgbenchTps: measured.pgbench.tps ? +(settledMax / measured.pgbench.tps).toFixed(3) : null,
    settledPerSecToKafkaProducePerSec: +(settledMax / measured.kafka.producePerSec).toFixed(4),
    // A payment's CPU across all processes, in cross-process round trips' worth of CPU: comparable across machines
    // whose wake-ups cost very different amounts.
    cpuPerPaymentInRoundTrips: Object.fromEntries(
      Object.entries(results.phases).flatMap(([name, p]) => (p.cpuMsPerPayment ? [[name, Math.round(p.cpuMsPerPayment.total / roundTripMs)]] : [])),
    ),
  };
}

function report(results: Results): void {
  fs.mkdirSync(OUT, { recursive: true });
  const series = Object.entries(results.phases).map(([name, p]) => ({ name: `${name}: latency (ms) by send time (s)`, points: thin(p.series ?? [], 400) }));
  fs.writeFileSync(
    path.join(OUT, 'payments-latency.svg'),
    svgChart({ title: 'Intent → final latency', xLabel: 'seconds since the phase started', yLabel: 'ms', series }),
  );
  for (const p of Object.values(results.phases)) delete p.series;
  fs.writeFileSync(path.join(OUT, 'payments.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('\nphase   offered/s accepted/s settled/s  p50 ms  p95 ms  p99 ms  max ms  statuses / errors');
  for (const [name, p] of Object.entries(results.phases)) {
    const l = p.latencyMs;
    console.log(
      `${name.padEnd(7)} ${String(p.offeredPerSec ?? '-').padStart(9)} ${String(p.acceptedPerSec).padStart(10)} ${String(p.settledPerSec).padStart(9)} ${String(l.p50).padStart(7)} ${String(l.p95).padStart(7)} ${String(l.p99).padStart(7)} ${String(l.max).padStart(7)}  ${JSON.stringify(p.byStatus)} ${JSON.stringify(p.errors)}`,
    );
  }
  for (const [name, p] of Object.entries(results.phases)) {
    if (!p.submitMs) continue;
    const s = p.submitMs;
    console.log(`${name}: one request of ${BATCH} payments answered in p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (${s.count} requests)`);
  }
  for (const [name, p] of Object.entries(results.phases)) {
    console.log(`\n${name}: CPU % of one core (avg/max) and RSS MB (max) per process`);
    for (const [svc, s] of Object.entries(p.processes)) {
      const perPayment = p.cpuMsPerPayment ? `   ${(p.cpuMsPerPayment[svc] ?? 0).toFixed(3).padStart(7)} ms CPU per settled payment` : '';
      console.log(
        `  ${svc.padEnd(22)} ${String(s.cpuPctAvg).padStart(4)} / ${String(s.cpuPctMax).padStart(4)} %   ${String(s.rssMbMax).padStart(5)} MB${perPayment}`,
      );
    }
    if (p.cpuMsPerPayment) console.log(`  ${'all of the above'.padEnd(22)} ${p.cpuMsPerPayment.total.toFixed(3).padStart(39)} ms CPU per settled payment`);
    if (p.hopsMs) {
      console.log(`${name}: latency by hop (ms)        p50      p95      p99      max`);
      for (const [hop, h] of Object.entries(p.hopsMs))
        console.log(`  ${hop.padEnd(26)} ${[h.p50, h.p95, h.p99, h.max].map((v) => String(v ?? '-').padStart(8)).join(' ')}`);
    }
  }
  if (results.baselines) {
    const { pgbench, kafka, roundTrip } = results.baselines;
    const oneCpu = roundTrip.oneCpu ? `, ${roundTrip.oneCpu.cpuUs} µs with both on one CPU` : '';
    console.log(
      `\nbaselines: pgbench ${pgbench.tps} tps; kafka produce ${kafka.producePerSec}/s, consume ${kafka.consumePerSec}/s; ` +
        `cross-process round trip ${roundTrip.acrossCpus.cpuUs} µs of CPU (${roundTrip.acrossCpus.wallUs} µs wall)${oneCpu}`,
    );
    console.log(`ratios: ${JSON.stringify(results.ratios)}`);
  }
  console.log(`\nwritten: ${path.relative(root, path.join(OUT, 'payments.json'))}, ${path.relative(root, path.join(OUT, 'payments-latency.svg'))}`);
}

function thin<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  return Array.from({ length: max }, (_, i) => points[Math.floor(i * step)]);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
