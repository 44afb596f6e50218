// The local cluster: infrastructure, databases, keys, build, and the six service processes, idempotently.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createDatabases, ensureKafka, ensurePostgres, ensureRedis, ensureTopics } from './infra';
import { errorCode } from './infra/process';
import { ensureKey, type KeyFile } from './keys';
import { REPO_ROOT } from './repo';
import { SECOND_ADMIN_NAME, ensureSecondAdmin, ensureTokenFile } from './second-admin';
// The tests' own function, so a script a test spawns finds the test's cluster. By path, not by its alias: Jest's global
// setup loads this file without the projects' module mapping.
import { testSlot } from '../../libs/platform/src/test-support';

const VALIDATORS = ['v0', 'v1', 'v2'] as const;
const KEY_NAMES = ['network', 'fx', ...VALIDATORS] as const;
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

type Env = Readonly<Record<string, string | undefined>>;
type ServicePort = 'gateway' | 'fx-quote' | 'settlement' | (typeof VALIDATORS)[number];

/**
 * A named set of ports, databases, topic and key prefixes. `dev` is what `npm run stack:up` runs;
 * `test` is the suite's own cluster, on other ports, with fresh databases and topics per run.
 */
export interface StackProfile {
  name: string;
  stateDir: string;
  runFile: string;
  runId: string | null;
  /** A new test run gets new topics, so it needs new databases too: validators keep stream offsets in theirs. */
  newRun: boolean;
  dbPrefix: string;
  topicPrefix: string;
  redisPrefix: string;
  ports: Record<ServicePort, number>;
  quoteTtlMs: string;
}

export interface Secrets {
  keys: Record<(typeof KEY_NAMES)[number], KeyFile>;
  tokenFile: string;
  adminToken: string;
  /** The key-encryption key of customer data at rest (`<id>:<base64>`, docs/security.md). */
  piiKekFile: string;
  /** `admin2-token` beside `admin-token`: the second admin's, written by `stackUp` when DUAL_CONTROL=on. */
  secondTokenFile: string;
  /** Its token once written (DUAL_CONTROL=on), else null. */
  secondAdminToken: string | null;
}

/** One service process: its entry point, port and environment. */
export interface Service {
  name: string;
  entry: string;
  port: number;
  env: Record<string, string>;
}

export function stackProfile(name = 'dev', env: Env = process.env): StackProfile {
  const test = name === 'test';
  const slot = test ? testSlot(env) : 0;
  const offset = (Number.parseInt(env.NOSTRO_PORT_OFFSET ?? '0', 10) || 0) + slot * 100;
  const stateDir = path.join(REPO_ROOT, '.nostro', ...(test ? [slot ? `test${slot}` : 'test'] : []));
  const runFile = path.join(stateDir, 'run.json');
  const previousRunId = test ? readRunId(runFile) : undefined;
  const runId = test ? (previousRunId ?? crypto.randomBytes(4).toString('hex')) : null;
  const base = (test ? 4000 : 3000) + offset;
  return {
    name,
    stateDir,
    runFile,
    runId,
    newRun: test && !previousRunId,
    dbPrefix: test ? `nostro_test${slot || ''}` : 'nostro',
    topicPrefix: test ? `nostrotest-${runId}.` : 'nostro.',
    redisPrefix: test ? `nostrotest:${runId}:` : 'nostro:',
    ports: { gateway: base, 'fx-quote': base + 1, settlement: base + 2, v0: base + 10, v1: base + 11, v2: base + 12 },
    quoteTtlMs: env.QUOTE_TTL_MS ?? '30000',
  };
}

/** The run id a test run recorded in its run file, if any. */
function readRunId(file: string): string | undefined {
  try {
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof data === 'object' && data !== null && 'runId' in data && typeof data.runId === 'string' ? data.runId : undefined;
  } catch {
    return undefined;
  }
}

export function databaseNames(p: StackProfile): string[] {
  return [`${p.dbPrefix}_gateway`, `${p.dbPrefix}_fx`, `${p.dbPrefix}_settlement`, ...VALIDATORS.map((_, i) => `${p.dbPrefix}_ledger_${i}`)];
}

const dbUrl = (name: string): string => `postgres://root@127.0.0.1:5432/${name}`;

/** Keys (created once per state folder), the bootstrap admin token and the customer-data KEK (written when missing), and the second admin token if any. */
export function ensureSecrets(p: StackProfile): Secrets {
  const dir = path.join(p.stateDir, 'keys');
  const keys = Object.fromEntries(KEY_NAMES.map((name) => [name, ensureKey(dir, name)])) as Secrets['keys'];
  const tokenFile = path.join(p.stateDir, 'admin-token');
  const secondTokenFile = path.join(p.stateDir, 'admin2-token');
  const secondAdminToken = fs.existsSync(secondTokenFile) ? fs.readFileSync(secondTokenFile, 'utf8').trim() : null;
  return { keys, tokenFile, adminToken: ensureTokenFile(tokenFile), secondTokenFile, secondAdminToken, piiKekFile: ensurePiiKek(dir) };
}

/**
 * Whether the gateway holds deposits, withdrawals, limits, keys and operator creation for a second admin: `on` when
 * the stack is started with DUAL_CONTROL=on (off by default, as the gateway's own default; on in production).
 */
export function dualControl(env: Env = process.env): boolean {
  return env.DUAL_CONTROL === 'on';
}

/** `<stateDir>/keys/pii-kek`: `local-1:<32 random bytes, base64>`, kept like the other keys (a new one would not open the data). */
export function ensurePiiKek(dir: string): string {
  const file = path.join(dir, 'pii-kek');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `local-1:${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return file;
}

/**
 * Validators that publish per-participant finality notices. Each publisher builds and sends every notice of every
 * final block, so on one 2-core machine three publishers halve the cluster's throughput (docs/ledger.md): the local
 * cluster has one (v0; notices of blocks final while it is down are queued when it catches up, never lost), the
 * test cluster all three, so that the suite checks the copies consumers de-duplicate. NOSTRO_NOTICE_PUBLISHERS
 * (comma-separated validator ids) overrides both.
 */
function noticePublishers(p: StackProfile, env: Env = process.env): readonly string[] {
  if (env.NOSTRO_NOTICE_PUBLISHERS !== undefined) return env.NOSTRO_NOTICE_PUBLISHERS.split(',').filter(Boolean);
  return p.name === 'test' ? VALIDATORS : ['v0'];
}

/** How many gateways and settlement instances a stack runs (NOSTRO_GATEWAYS, NOSTRO_SETTLEMENTS: 1 to 3 each). */
export interface Replicas {
  gateways: number;
  settlements: number;
}

/** The most of each a stack may run: `down` stops them all, whatever the environment says now. */
export const MAX_REPLICAS: Replicas = { gateways: 3, settlements: 3 };

export function replicasFromEnv(env: Env = process.env): Replicas {
  const count = (name: string): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return 1;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 3) throw new Error(`stack: ${name} must be 1, 2 or 3 (got ${JSON.stringify(raw)})`);
    return n;
  };
  return { gateways: count('NOSTRO_GATEWAYS'), settlements: count('NOSTRO_SETTLEMENTS') };
}

/**
 * A second or third instance of a scaled-out service (docs/architecture.md, "Scaling out"): the same database, topics
 * and consumer group (so Kafka splits the partitions between them), its own port: gateway-N on the gateway's port
 * + 20 + N, settlement-N on settlement's + 30 + N. A gateway replica's PUBLIC_BASE_URL is its own address, since a
 * bank signs the URL it calls (behind a load balancer all replicas share the public one).
 */
function replica(svc: Service, n: number, port: number): Service {
  const env: Record<string, string> = { ...svc.env, PORT: String(port) };
  if (env.PUBLIC_BASE_URL) env.PUBLIC_BASE_URL = `http://127.0.0.1:${port}`;
  return { ...svc, name: `${svc.name}-${n}`, port, env };
}

/** Every service: its entry point, port and environment (with `replicas` gateways and settlement instances). */
export function services(p: StackProfile, secrets: Secrets, replicas: Replicas = replicasFromEnv()): Service[] {
  const list = baseServices(p, secrets);
  const more: Service[] = [];
  for (const svc of list) {
    // gateway-2 at +24, not +22: the third test cluster's (slot 2, ports 4200+) would be 4222, NATS's port on this kind
    // of machine.
    if (svc.name === 'gateway') for (let n = 2; n <= replicas.gateways; n++) more.push(replica(svc, n, p.ports.gateway + 22 + n));
    if (svc.name === 'settlement') for (let n = 2; n <= replicas.settlements; n++) more.push(replica(svc, n, p.ports.settlement + 30 + n));
  }
  return [...list, ...more];
}

function baseServices(p: StackProfile, secrets: Secrets): Service[] {
  const common: Record<string, string> = {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: p.topicPrefix,
    HOST: '127.0.0.1',
    // Test clusters run side by side (one per Jest worker) under Postgres's 100 connections: 6 per service each, 4 when
    // there are three (tests/setup/global-setup.ts sets NOSTRO_TEST_POOL_MAX).
    ...(p.name === 'test' ? { DATABASE_POOL_MAX: process.env.NOSTRO_TEST_POOL_MAX ?? '6' } : {}),
    // The test cluster's consumer groups drop a member killed with SIGKILL after 6 s (the broker's minimum; production:
    // 10 s), so the tests that kill services (settlement crash, chaos, recovery, scale-out) wait 4 s less per kill.
    ...(p.name === 'test' ? { KAFKA_SESSION_TIMEOUT_MS: '6000' } : {}),
  };
  const validatorKeys = VALIDATORS.map((v) => `${v}=${secrets.keys[v].publicKey}`).join(',');
  const ledgerUrls = VALIDATORS.map((v) => `http://127.0.0.1:${p.ports[v]}`).join(',');
  const entry = (app: string): string => path.join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js');
  return [
    ...VALIDATORS.map((v, i) => ({
      name: `ledger-node-${v}`,
      entry: entry('ledger-node'),
      port: p.ports[v],
      env: {
        ...common,
        PORT: String(p.ports[v]),
        DATABASE_URL: dbUrl(`${p.dbPrefix}_ledger_${i}`),
        VALIDATOR_ID: v,
        VALIDATOR_SIGNING_KEY_FILE: secrets.keys[v].file,
        VALIDATOR_PUBLIC_KEYS: validatorKeys,
        LEDGER_QUORUM: '2',
        LEDGER_NOTICES: String(noticePublishers(p).includes(v)),
      },
    })),
    {
      name: 'fx-quote',
      entry: entry('fx-quote'),
      port: p.ports['fx-quote'],
      env: {
        ...common,
        PORT: String(p.ports['fx-quote']),
        DATABASE_URL: dbUrl(`${p.dbPrefix}_fx`),
        REDIS_KEY_PREFIX: p.redisPrefix,
        FX_SIGNING_KEY_FILE: secrets.keys.fx.file,
        QUOTE_TTL_MS: p.quoteTtlMs,
        LEDGER_URLS: ledgerUrls,
      },
    },
    {
      name: 'settlement',
      entry: entry('settlement'),
      port: p.ports.settlement,
      env: {
        ...common,
        PORT: String(p.ports.settlement),
        DATABASE_URL: dbUrl(`${p.dbPrefix}_settlement`),
        FX_PUBLIC_KEY: secrets.keys.fx.publicKey,
        VALIDATOR_PUBLIC_KEYS: validatorKeys,
        LEDGER_QUORUM: '2',
        LEDGER_URLS: ledgerUrls,
      },
    },
    {
      name: 'gateway',
      entry: entry('gateway'),
      port: p.ports.gateway,
      env: {
        ...common,
        PORT: String(p.ports.gateway),
        DATABASE_URL: dbUrl(`${p.dbPrefix}_gateway`),
        REDIS_KEY_PREFIX: p.redisPrefix,
        PUBLIC_BASE_URL: `http://127.0.0.1:${p.ports.gateway}`,
        FX_QUOTE_URL: `http://127.0.0.1:${p.ports['fx-quote']}`,
        LEDGER_URLS: ledgerUrls,
        NETWORK_SIGNING_KEY_FILE: secrets.keys.network.file,
        BOOTSTRAP_ADMIN_TOKEN_FILE: secrets.tokenFile,
        PII_KEK_FILE: secrets.piiKekFile,
        VALIDATOR_PUBLIC_KEYS: validatorKeys,
        LEDGER_QUORUM: '2',
        // The local and test banks' webhook receivers listen on 127.0.0.1; production keeps the default, off.
        WEBHOOK_ALLOW_PRIVATE: 'on',
        // Given as set (the gateway refuses a value other than on or off), so a restarted gateway keeps it.
        DUAL_CONTROL: process.env.DUAL_CONTROL ?? 'off',
        // The test cluster erases customer data of any age (the retention period of production is years).
        ...(p.name === 'test' ? { PII_RETENTION_DAYS: '0' } : {}),
        // The test cluster retries a failed webhook after 0.25 s, 0.5 s, 1 s, … (production: 1 s, 2 s, 4 s, …), so the
        // redelivery tests see an endpoint fail five times and recover in seconds rather than half a minute.
        ...(p.name === 'test' ? { WEBHOOK_BACKOFF_BASE_MS: '250' } : {}),
      },
    },
  ];
}

/** Where a service's pid and log are kept (tests/settlement/support/service-control.ts writes the same files). */
export const pidFile = (p: StackProfile, svc: Service): string => path.join(p.stateDir, 'run', `${svc.name}.pid`);
export const logFile = (p: StackProfile, svc: Service): string => path.join(p.stateDir, 'logs', `${svc.name}.log`);

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The pid of the service if its process is alive and is really that service (not a reused pid). */
export function runningPid(p: StackProfile, svc: Service): number | null {
  const pid = Number.parseInt(readText(pidFile(p, svc)) ?? '', 10);
  if (!pid) return null;
  const cmdline = readText(`/proc/${pid}/cmdline`);
  return cmdline && cmdline.includes(svc.entry) ? pid : null;
}

/** Node's flags for every service: the container image's young-generation size (Dockerfile), fewer scavenges. */
export const SERVICE_NODE_ARGS: readonly string[] = ['--max-semi-space-size=32'];

/**
 * Starts the service detached, its output appended to its log, its pid recorded; `env` overrides its environment.
 * NOSTRO_CPU_PROF_DIR=<dir>: each service writes a V8 CPU profile there when it stops (where the time goes).
 */
export function startService(p: StackProfile, svc: Service, env: Readonly<Record<string, string>> = {}): number | undefined {
  fs.mkdirSync(path.dirname(pidFile(p, svc)), { recursive: true });
  fs.mkdirSync(path.dirname(logFile(p, svc)), { recursive: true });
  const out = fs.openSync(logFile(p, svc), 'a');
  const profileDir = process.env.NOSTRO_CPU_PROF_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, `--cpu-prof-name=${svc.name}.${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...profiling, svc.entry], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...svc.env, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(pidFile(p, svc), String(child.pid));
  return child.pid;
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitReady(p: StackProfile, list: readonly Service[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(list.map((s) => s.name));
  while (pending.size > 0) {
    for (const svc of list.filter((s) => pending.has(s.name))) {
      if (await ready(svc.port)) {
        pending.delete(svc.name);
        log(`  ✓ ${svc.name} ready on :${svc.port}`);
      } else if (!runningPid(p, svc)) {
        throw new Error(`${svc.name} exited during start-up; see ${path.relative(REPO_ROOT, logFile(p, svc))}:\n${tail(logFile(p, svc), 15)}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${[...pending].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function tail(file: string, lines: number): string {
  return (readText(file) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

/** True when something already listens on 127.0.0.1:`port` (a bind there fails with EADDRINUSE). */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) => (errorCode(error) === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolve(false)));
  });
}

/**
 * Before starting services: a port of one this stack would start is held by another process (another checkout's
 * stack, an older run whose pid file is gone, another program). The new service would fail to bind and exit while
 * the other process answered its readiness check, so stop here and say which ports.
 */
async function refuseTakenPorts(p: StackProfile, list: readonly Service[]): Promise<void> {
  const taken: string[] = [];
  for (const svc of list) if (!runningPid(p, svc) && (await portTaken(svc.port))) taken.push(`${svc.name} :${svc.port}`);
  if (taken.length === 0) return;
  throw new Error(
    `port(s) in use by another process: ${taken.join(', ')}. Stop it (npm run stack:down in the checkout that ` +
      `started it, or find it with \`ss -ltnp\`), or move this stack's ports with NOSTRO_PORT_OFFSET.`,
  );
}

/** The workspace's build: plain JavaScript, so that it runs before anything is compiled. */
const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'build.mjs');

/** Compiles the workspace (incremental: fast when nothing changed). */
export function build(): void {
  const result = spawnSync(process.execPath, [BUILD_SCRIPT], { stdio: 'inherit', cwd: REPO_ROOT });
  if (result.status !== 0) throw new Error('build failed');
}

/**
 * {@link build} in a child process that does not block this one, so that other set-up work runs beside it;
 * `transpileOnly`: with swc, without type checking (the test suite's set-up, scripts/build.mjs).
 */
export function buildInBackground({ transpileOnly = false } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT, ...(transpileOnly ? ['--transpile-only'] : [])], { stdio: 'inherit', cwd: REPO_ROOT });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build failed (exit ${code})`))));
  });
}

export interface StackUpResult {
  secrets: Secrets;
  services: Service[];
  kafkaStartedByUs: boolean;
}

/**
 * Starts whatever is not running: Postgres, Redis, Kafka, topics, databases, keys, then each service whose process
 * is not alive; returns once every service answers /health/ready. Running it again changes nothing.
 */
export async function stackUp(p: StackProfile, { recreateDatabases: recreate = false, skipBuild = false } = {}): Promise<StackUpResult> {
  const started = Date.now();
  const recreateDatabases = recreate || p.newRun;
  log(`stack (${p.name}): infrastructure`);
  await ensurePostgres();
  await ensureRedis();
  const kafka = await ensureKafka();
  await ensureTopics({ prefix: p.topicPrefix });
  // Services left running from an earlier run would go on against dropped databases and the old run's topics.
  if (recreateDatabases) await stackDown(p);
  await createDatabases(databaseNames(p), { recreate: recreateDatabases });
  fs.mkdirSync(p.stateDir, { recursive: true });
  if (p.runId) fs.writeFileSync(p.runFile, JSON.stringify({ runId: p.runId, kafkaStartedByUs: kafka.startedByUs }));
  const secrets = ensureSecrets(p);
  if (!skipBuild) {
    log('stack: building');
    build();
  }
  const list = services(p, secrets);
  await refuseTakenPorts(p, list);
  for (const svc of list) {
    const pid = runningPid(p, svc);
    if (pid) log(`  · ${svc.name} already running (pid ${pid})`);
    else log(`  ▶ ${svc.name} starting (pid ${startService(p, svc)}, log ${path.relative(REPO_ROOT, logFile(p, svc))})`);
  }
  await waitReady(p, list);
  const withSecond = dualControl() ? { ...secrets, secondAdminToken: await secondAdmin(p, secrets) } : secrets;
  log(`stack (${p.name}): ready in ${((Date.now() - started) / 1000).toFixed(1)} s — gateway http://127.0.0.1:${p.ports.gateway}`);
  return { secrets: withSecond, services: list, kafkaStartedByUs: kafka.startedByUs };
}

/**
 * DUAL_CONTROL=on: a second admin approves what the first asks for (docs/security.md). Its token is written to
 * `admin2-token` when missing and its operator to the gateway's database (scripts/lib/second-admin.ts).
 */
async function secondAdmin(p: StackProfile, secrets: Secrets): Promise<string> {
  const token = ensureTokenFile(secrets.secondTokenFile);
  const outcome = await ensureSecondAdmin(`${p.dbPrefix}_gateway`, token);
  const file = path.relative(REPO_ROOT, secrets.secondTokenFile);
  if (outcome === 'revoked') log(`  ! ${SECOND_ADMIN_NAME} (${file}) was revoked: delete ${file} and run stack:up again for a new one`);
  else log(`  ✓ DUAL_CONTROL=on: ${SECOND_ADMIN_NAME} approves what the first admin asks for (token in ${file})`);
  return token;
}

/** Stops the services this stack started (SIGTERM, then SIGKILL after 15 s). Leaves shared infrastructure alone. */
export async function stackDown(p: StackProfile): Promise<void> {
  const secrets = ensureSecrets(p);
  const list = services(p, secrets, MAX_REPLICAS);
  await Promise.all(list.map((svc) => stopService(p, svc)));
}

/** Waits up to `ms` for the service's process to be gone; answers whether it is. */
async function gone(p: StackProfile, svc: Service, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (runningPid(p, svc) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return !runningPid(p, svc);
}

export async function stopService(p: StackProfile, svc: Service, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  const pid = runningPid(p, svc);
  if (!pid) return false;
  process.kill(pid, signal);
  if (!(await gone(p, svc, STOP_GRACE_MS))) {
    process.kill(pid, 'SIGKILL');
    // Until it is gone its port is still bound, and a start right after would find it taken.
    await gone(p, svc, 5_000);
  }
  fs.rmSync(pidFile(p, svc), { force: true });
  log(`  ■ ${svc.name} stopped`);
  return true;
}
