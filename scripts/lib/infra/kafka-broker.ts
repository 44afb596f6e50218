// Local infrastructure for Nostro: the machine's Postgres and Redis (checked, started if stopped) and a real
// single-node Kafka broker (KRaft) run from its Maven Central jars, cached in <repo>/.cache/kafka (git-ignored).
// Plain Node 20 ESM, no build step. Broker files: infra/kafka/ (pom.xml, server.properties, log4j.properties);
// topics: libs/shared/src/messages/topics.catalog.json (scripts/lib/topics.mjs). CLI: scripts/infra.mjs.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { readTopicCatalog } from './topics.mjs';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

/** Repository root: two levels up from scripts/lib. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const KAFKA_INFRA = path.join(REPO_ROOT, 'infra', 'kafka');
const CACHE = path.join(REPO_ROOT, '.cache', 'kafka');

/** Files and folders of the local Kafka broker. */
export const KAFKA_PATHS = Object.freeze({
  cache: CACHE,
  libs: path.join(CACHE, 'libs'),
  data: path.join(CACHE, 'data'),
  logs: path.join(CACHE, 'logs'),
  serverProperties: path.join(CACHE, 'server.properties'),
  log: path.join(CACHE, 'kafka.log'),
  pid: path.join(CACHE, 'kafka.pid'),
  lock: path.join(CACHE, 'kafka.lock'),
  pom: path.join(KAFKA_INFRA, 'pom.xml'),
  serverPropertiesTemplate: path.join(KAFKA_INFRA, 'server.properties'),
  log4j: path.join(KAFKA_INFRA, 'log4j.properties'),
});

export const POSTGRES = Object.freeze({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });
export const REDIS = Object.freeze({ host: '127.0.0.1', port: 6379 });
export const KAFKA_BROKERS = Object.freeze(['127.0.0.1:9092']);
export const DEFAULT_TOPIC_PREFIX = 'nostro.';

/**
 * The topics of libs/shared/src/messages/topics.catalog.json (the one list; docs/architecture.md), without prefix.
 * Replication factor 1 (single node).
 * @type {ReadonlyArray<{ suffix: string, partitions: number, configEntries: ReadonlyArray<{ name: string, value: string }> }>}
 */
export const TOPICS = deepFreeze(readTopicCatalog().map(({ suffix, partitions, configEntries }) => ({ suffix, partitions, configEntries })));

const KAFKA_START_TIMEOUT_MS = 90_000;
const KAFKA_STOP_GRACE_MS = 15_000;
const DB_NAME = /^[a-z0-9_]+$/;
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

// ───────────────────────────── helpers ─────────────────────────────

function deepFreeze(value) {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (startMs) => ((Date.now() - startMs) / 1000).toFixed(1);
const stderrLog = (message) => process.stderr.write(`${message}\n`);

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
function run(cmd, args, { cwd = REPO_ROOT, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      out += `\n[timed out after ${timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`${cmd}: command not found (is it installed and on PATH?)`) : err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: out });
    });
  });
}

const lastLines = (text, n) => text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).slice(-n).join('\n');

function readTail(file, n) {
  try {
    return lastLines(fs.readFileSync(file, 'utf8'), n);
  } catch {
    return `(no ${path.basename(file)})`;
  }
}

/** true if the process exists and is not a zombie. */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

/** true if pid is a live Kafka broker JVM (guards against a recycled pid). */
function isKafkaProcess(pid) {
  if (!pid || !isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    return true; // no procfs: trust the pid file
  }
}

function readPidFile() {
  try {
    const pid = Number.parseInt(fs.readFileSync(KAFKA_PATHS.pid, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function writeFileAtomic(file, content) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

function removeQuietly(file) {
  fs.rmSync(file, { force: true, recursive: true });
}

// ───────────────────────────── Postgres ─────────────────────────────

/** @returns {Promise<{ state: 'up' | 'starting' | 'down' | 'error', error?: Error }>} */
export async function probePostgres() {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { state: 'up' };
  } catch (error) {
    if (error.code === '57P03') return { state: 'starting', error }; // the database system is starting up
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(error.code) || /timeout|terminated/i.test(error.message)) {
      return { state: 'down', error };
    }
    return { state: 'error', error };
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresVersion() {
  let versions = [];
  try {
    versions = fs.readdirSync('/etc/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no Debian cluster layout
  }
  if (versions.length === 0) {
    throw new Error(`postgres: nothing answers on ${POSTGRES.host}:${POSTGRES.port} and no cluster is configured under /etc/postgresql`);
  }
  return versions.sort((a, b) => Number(b) - Number(a))[0];
}

/**
 * Makes sure PostgreSQL accepts connections on 127.0.0.1:5432; starts the Debian cluster if it is stopped.
 * @param {{ log?: (message: string) => void, timeoutMs?: number }} [options]
 * @returns {Promise<{ startedByUs: boolean }>}
 */
export async function ensurePostgres({ log = stderrLog, timeoutMs = 60_000 } = {}) {
  let probe = await probePostgres();
  if (probe.state === 'up') return { startedByUs: false };
  if (probe.state === 'error') {
    throw new Error(`postgres: ${POSTGRES.host}:${POSTGRES.port} answers but refuses user ${POSTGRES.user}: ${probe.error.message}`);
  }
  const t0 = Date.now();
  let startOutput = '';
  let startedByUs = false;
  if (probe.state === 'down') {
    const version = postgresVersion();
    log(`postgres: not answering on ${POSTGRES.host}:${POSTGRES.port}, starting cluster ${version}/main…`);
    const res = await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { timeoutMs });
    startOutput = res.output.trim();
    startedByUs = res.code === 0;
    if (res.code !== 0) log(`postgres: pg_ctlcluster exited with ${res.code}: ${lastLines(startOutput, 5)} (waiting anyway)`);
  } else {
    log('postgres: starting up, waiting…');
  }
  const deadline = t0 + timeoutMs;
  while (Date.now() < deadline) {
    probe = await probePostgres();
    if (probe.state === 'up') {
      log(`postgres: up in ${seconds(t0)} s`);
      return { startedByUs };
    }
    if (probe.state === 'error') break;
    await sleep(250);
  }
  throw new Error(
    `postgres: not accepting connections on ${POSTGRES.host}:${POSTGRES.port} after ${seconds(t0)} s` +
      ` (last error: ${probe.error?.message ?? probe.state})` +
      (startOutput ? `\npg_ctlcluster output:\n${lastLines(startOutput, 20)}` : '') +
      '\nsee /var/log/postgresql/ for the server log',
  );
}

/**
 * Creates the missing databases (as user root, via db postgres). With recreate, drops them first (WITH (FORCE)).
 * @param {string[]} names database names matching /^[a-z0-9_]+$/
 * @param {{ recreate?: boolean, log?: (message: string) => void }} [options]
 * @returns {Promise<{ created: string[], existing: string[] }>}
 */
export async function createDatabases(names, { recreate = false, log = stderrLog } = {}) {
  if (!Array.isArray(names)) throw new TypeError('createDatabases: names must be an array of strings');
  for (const name of names) {
    if (typeof name !== 'string' || !DB_NAME.test(name) || name.length > 63) {
      throw new Error(`createDatabases: invalid database name ${JSON.stringify(name)} (expected /^[a-z0-9_]+$/, at most 63 characters)`);
    }
  }
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  const created = [];
  const existing = [];
  try {
    await client.connect();
    for (const name of new Set(names)) {
      if (recreate) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount > 0) {
        existing.push(name);
        continue;
      }
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        created.push(name);
      } catch (err) {
        // a concurrent creator won the race: duplicate_database, or unique_violation on pg_database
        if (err.code === '42P04' || err.code === '23505') existing.push(name);
        else throw err;
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
  if (created.length > 0) log(`postgres: ${recreate ? 'recreated' : 'created'} database${created.length > 1 ? 's' : ''} ${created.join(', ')}`);
  return { created, existing };
}

// ───────────────────────────── Redis ─────────────────────────────

function redisCommand(args, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: REDIS.host, port: REDIS.port });
    let buf = '';
    const done = (fn, v) => {
      socket.destroy();
      fn(v);
    };
    socket.setTimeout(timeoutMs, () => done(reject, Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.on('error', (err) => done(reject, err));
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d) => {
      buf += d;
      if (buf[0] === '$') {
        const nl = buf.indexOf('\r\n');
        const len = Number(buf.slice(1, nl));
        if (len < 0) done(resolve, null);
        else if (Buffer.byteLength(buf) >= nl + 2 + len + 2) done(resolve, buf.slice(nl + 2, nl + 2 + len));
      } else if (buf.includes('\r\n')) {
        done(resolve, buf.slice(0, buf.indexOf('\r\n')));
      }
    });
  });
}

/** @returns {Promise<{ state: 'up' | 'starting' | 'down' | 'error', reply?: string, error?: Error }>} */
export async function probeRedis() {
  try {
    const reply = await redisCommand(['PING']);
    if (reply === '+PONG') return { state: 'up' };
    if (reply?.startsWith('-LOADING')) return { state: 'starting', reply };
    return { state: 'error', reply };
  } catch (error) {
    return { state: 'down', error };
  }
}

/**
 * Makes sure Redis answers PING on 127.0.0.1:6379; starts it (no persistence) if it is stopped.
 * @param {{ log?: (message: string) => void, timeoutMs?: number }} [options]
 * @returns {Promise<{ startedByUs: boolean }>}
 */
export async function ensureRedis({ log = stderrLog, timeoutMs = 30_000 } = {}) {
  let probe = await probeRedis();
  if (probe.state === 'up') return { startedByUs: false };
  if (probe.state === 'error') throw new Error(`redis: ${REDIS.host}:${REDIS.port} answered PING with ${probe.reply}`);
  const t0 = Date.now();
  let startOutput = '';
  let startedByUs = false;
  if (probe.state === 'down') {
    log(`redis: not answering on ${REDIS.host}:${REDIS.port}, starting redis-server…`);
    // the machine's own start command (docs/INFRA.md); keeps nothing on disk
    const res = await run(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS.port), '--save', '', '--appendonly', 'no',
        '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
      { timeoutMs },
    );
    startOutput = res.output.trim();
    startedByUs = res.code === 0;
    if (res.code !== 0) log(`redis: redis-server exited with ${res.code}: ${lastLines(startOutput, 5)} (waiting anyway)`);
  }
  const deadline = t0 + timeoutMs;
  while (Date.now() < deadline) {
    probe = await probeRedis();
    if (probe.state === 'up') {
      log(`redis: up in ${seconds(t0)} s`);
      return { startedByUs };
    }
    if (probe.state === 'error') break;
    await sleep(100);
  }
  throw new Error(
    `redis: not answering PING on ${REDIS.host}:${REDIS.port} after ${seconds(t0)} s (last: ${probe.reply ?? probe.error?.message ?? probe.state})` +
      (startOutput ? `\nredis-server output:\n${lastLines(startOutput, 20)}` : '') +
      '\nsee /var/log/redis/ci.log',
  );
}

// ───────────────────────────── Kafka: client helpers ─────────────────────────────

function kafkaClient(brokers, level, { connectionTimeout = 3000, requestTimeout = 30_000, retries = 5 } = {}) {
  return new Kafka({ clientId: 'nostro-infra', brokers: [...brokers], logLevel: level, connectionTimeout, requestTimeout, retry: { retries } });
}

async function withAdmin(brokers, level, fn, clientOptions) {
  const admin = kafkaClient(brokers, level, clientOptions).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * One quick metadata request; never throws.
 * @returns {Promise<{ up: boolean, clusterId?: string, brokers?: number, error?: Error }>}
 */
export async function probeKafka({ brokers = KAFKA_BROKERS } = {}) {
  try {
    const cluster = await withAdmin(brokers, logLevel.NOTHING, (admin) => admin.describeCluster(), {
      connectionTimeout: 1000,
      requestTimeout: 3000,
      retries: 0,
    });
    return { up: true, clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  } catch (error) {
    return { up: false, error };
  }
}

// ───────────────────────────── Kafka: cache lock ─────────────────────────────

let inProcessChain = Promise.resolve();

/** Serialises ensureKafka/stopKafka across processes (lock file) and within this process (promise chain). */
function withKafkaLock(fn, { log, timeoutMs = 15 * 60_000 }) {
  const task = inProcessChain.then(() => withFileLock(fn, { log, timeoutMs }));
  inProcessChain = task.catch(() => {});
  return task;
}

async function withFileLock(fn, { log, timeoutMs }) {
  fs.mkdirSync(KAFKA_PATHS.cache, { recursive: true });
  const lock = KAFKA_PATHS.lock;
  const mine = `${lock}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(mine, `${process.pid}\n`);
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  try {
    for (;;) {
      try {
        fs.linkSync(mine, lock); // atomic: the lock appears with its owner's pid already in it
        break;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
      }
      let owner;
      try {
        owner = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      } catch {
        continue; // released meanwhile
      }
      if (!owner || !isAlive(owner)) {
        removeQuietly(lock); // stale: its owner died
        continue;
      }
      if (Date.now() > deadline) throw new Error(`kafka: ${lock} is held by pid ${owner} for too long`);
      if (!announced) {
        log(`kafka: waiting for another infra run (pid ${owner})…`);
        announced = true;
      }
      await sleep(250);
    }
  } finally {
    removeQuietly(mine);
  }
  try {
    return await fn();
  } finally {
    removeQuietly(lock);
  }
}

// ───────────────────────────── Kafka: jars ─────────────────────────────

const LIBS_MARKER = '.nostro-complete';

function pomInfo() {
  const pom = fs.readFileSync(KAFKA_PATHS.pom, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`kafka: no <kafka.version> in ${path.relative(REPO_ROOT, KAFKA_PATHS.pom)}`);
  return { version, hash: crypto.createHash('sha256').update(pom).digest('hex') };
}

function requiredJars(version) {
  return [
    new RegExp(`^kafka_2\\.13-${version.replace(/\./g, '\\.')}\\.jar$`),
    ...['kafka-clients', 'kafka-server', 'kafka-server-common', 'kafka-metadata', 'kafka-raft', 'kafka-storage', 'kafka-group-coordinator']
      .map((a) => new RegExp(`^${a}-${version.replace(/\./g, '\\.')}\\.jar$`)),
    /^scala-library-.*\.jar$/,
    /^slf4j-api-.*\.jar$/,
    /^slf4j-reload4j-.*\.jar$/,
    /^reload4j-.*\.jar$/,
  ];
}

/** A jar is a zip: its end-of-central-directory record sits near the end; a truncated copy lacks it. */
function looksLikeCompleteJar(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size < 22) return false;
    const len = Math.min(size, 65_557);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) >= 0;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Missing required jars in dir, or [] when the set is complete. */
function missingJars(dir, version, { checkAll }) {
  let files;
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.jar'));
  } catch {
    return ['(no libs folder)'];
  }
  const missing = requiredJars(version).filter((re) => !files.some((f) => re.test(f))).map((re) => re.source);
  if (missing.length === 0 && checkAll) {
    for (const f of files) if (!looksLikeCompleteJar(path.join(dir, f))) missing.push(`${f} (truncated)`);
  }
  return missing;
}

async function ensureKafkaLibs(log) {
  const { version, hash } = pomInfo();
  const libs = KAFKA_PATHS.libs;
  const marker = path.join(libs, LIBS_MARKER);
  let markerHash;
  try {
    markerHash = fs.readFileSync(marker, 'utf8').trim();
  } catch {
    // no marker
  }
  if (markerHash === hash && missingJars(libs, version, { checkAll: false }).length === 0) return;
  if (markerHash === undefined && fs.existsSync(libs) && missingJars(libs, version, { checkAll: true }).length === 0) {
    // fetched by hand (or by an older script) with the same command: adopt it
    fs.writeFileSync(marker, `${hash}\n`);
    return;
  }

  // leftovers of interrupted fetches (we hold the lock, so nobody else is writing them)
  for (const entry of fs.readdirSync(KAFKA_PATHS.cache)) {
    if (/^libs\.(tmp|old)-/.test(entry)) removeQuietly(path.join(KAFKA_PATHS.cache, entry));
  }
  const tmp = path.join(KAFKA_PATHS.cache, `libs.tmp-${process.pid}`);
  const t0 = Date.now();
  log(
    markerHash === undefined
      ? 'kafka: fetching broker jars from Maven Central (first run only)…'
      : `kafka: ${path.relative(REPO_ROOT, KAFKA_PATHS.pom)} changed, fetching broker jars (Kafka ${version}) from Maven Central…`,
  );
  let res;
  try {
    res = await run(
      'mvn',
      ['-B', '-q', '-f', KAFKA_PATHS.pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
        '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
      { timeoutMs: 15 * 60_000 },
    );
  } catch (err) {
    removeQuietly(tmp);
    throw new Error(`kafka: cannot fetch the broker jars: ${err.message}`, { cause: err });
  }
  const missing = res.code === 0 ? missingJars(tmp, version, { checkAll: true }) : [];
  if (res.code !== 0 || missing.length > 0) {
    removeQuietly(tmp);
    throw new Error(
      res.code !== 0
        ? `kafka: maven fetch failed (exit ${res.code}):\n${lastLines(res.output, 40)}`
        : `kafka: maven fetch finished but jars are missing: ${missing.join(', ')}`,
    );
  }
  fs.writeFileSync(path.join(tmp, LIBS_MARKER), `${hash}\n`);
  if (fs.existsSync(libs)) {
    const old = path.join(KAFKA_PATHS.cache, `libs.old-${process.pid}`);
    fs.renameSync(libs, old);
    fs.renameSync(tmp, libs);
    removeQuietly(old);
  } else {
    fs.renameSync(tmp, libs);
  }
  log(`kafka: fetched ${fs.readdirSync(libs).filter((f) => f.endsWith('.jar')).length} jars in ${seconds(t0)} s`);
}

// ───────────────────────────── Kafka: config and storage ─────────────────────────────

function writeServerProperties() {
  const template = fs.readFileSync(KAFKA_PATHS.serverPropertiesTemplate, 'utf8');
  const logDirs = `log.dirs=${KAFKA_PATHS.data.replace(/\\/g, '\\\\')}`;
  const content =
    `# generated by scripts/lib/infra.mjs from infra/kafka/server.properties: edit that file instead\n` +
    (/^log\.dirs=.*$/m.test(template) ? template.replace(/^log\.dirs=.*$/m, logDirs) : `${template.trimEnd()}\n${logDirs}\n`);
  let current;
  try {
    current = fs.readFileSync(KAFKA_PATHS.serverProperties, 'utf8');
  } catch {
    // first run
  }
  if (current !== content) writeFileAtomic(KAFKA_PATHS.serverProperties, content);
}

function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const log4jOption = () => `-Dlog4j.configuration=${pathToFileURL(KAFKA_PATHS.log4j).href}`;
const classpath = () => path.join(KAFKA_PATHS.libs, '*'); // expanded by java itself, not by a shell

async function ensureFormatted(log) {
  fs.mkdirSync(KAFKA_PATHS.data, { recursive: true });
  if (fs.existsSync(path.join(KAFKA_PATHS.data, 'meta.properties'))) return;
  const clusterId = newClusterId();
  const res = await run('java', [
    log4jOption(), '-cp', classpath(), 'kafka.tools.StorageTool', 'format',
    '-t', clusterId, '-c', KAFKA_PATHS.serverProperties, '-g',
  ]);
  if (res.code !== 0) throw new Error(`kafka: formatting ${path.relative(REPO_ROOT, KAFKA_PATHS.data)} failed (exit ${res.code}):\n${lastLines(res.output, 40)}`);
  log(`kafka: formatted ${path.relative(REPO_ROOT, KAFKA_PATHS.data)} (cluster id ${clusterId})`);
}

// ───────────────────────────── Kafka: start / stop ─────────────────────────────

/** true if something accepts TCP connections on host:port. */
function portTaken(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const done = (taken) => {
      socket.destroy();
      resolve(taken);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

async function assertPortsFree() {
  for (const port of [9092, 9093]) {
    if (await portTaken('127.0.0.1', port)) {
      throw new Error(`kafka: 127.0.0.1:${port} is taken by a process that does not answer as a Kafka broker; free the port (e.g. ss -ltnp 'sport = :${port}')`);
    }
  }
}

function startBroker() {
  fs.mkdirSync(KAFKA_PATHS.logs, { recursive: true });
  if (fs.existsSync(KAFKA_PATHS.log)) fs.renameSync(KAFKA_PATHS.log, `${KAFKA_PATHS.log}.1`);
  const out = fs.openSync(KAFKA_PATHS.log, 'a');
  const child = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${KAFKA_PATHS.logs}`, log4jOption(), '-cp', classpath(), 'kafka.Kafka', KAFKA_PATHS.serverProperties],
    { cwd: KAFKA_PATHS.cache, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const state = { exited: false, code: null, signal: null, error: null };
  child.on('error', (err) => Object.assign(state, { exited: true, error: err }));
  child.on('exit', (code, signal) => Object.assign(state, { exited: true, code, signal }));
  child.unref();
  if (child.pid) writeFileAtomic(KAFKA_PATHS.pid, `${child.pid}\n`);
  return { pid: child.pid, state };
}

/** Polls until the broker answers a metadata request; throws with the reason when it cannot. */
async function waitForBroker(pid, state, t0, timeoutMs) {
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (state?.error) {
      throw new Error(state.error.code === 'ENOENT' ? 'kafka: java not found (Java 17 is required)' : `kafka: cannot start java: ${state.error.message}`);
    }
    if (state?.exited || !isAlive(pid)) {
      throw new Error(`kafka: broker (pid ${pid}) exited${state?.exited ? ` with ${state.signal ?? `code ${state.code}`}` : ''} before answering`);
    }
    if ((await probeKafka()).up) return;
    if (Date.now() > deadline) throw new Error(`kafka: broker (pid ${pid}) not answering on ${KAFKA_BROKERS[0]} after ${seconds(t0)} s`);
    await sleep(300);
  }
}

/** Sends SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
async function terminate(pid, graceMs) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return { killed: false };
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return { killed: false };
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return { killed: true };
}

/**
 * Idempotently provides a Kafka broker on 127.0.0.1:9092: fetches the jars once, formats the storage once and
 * starts the broker detached unless something already answers there.
 * @param {{ log?: (message: string) => void, timeoutMs?: number }} [options]
 * @returns {Promise<{ startedByUs: boolean, pid?: number, waited?: boolean }>} pid: the broker's pid when it is the one
 *   recorded in <cache>/kafka.pid; waited: an earlier run's broker was still starting and this call waited for it
 */
export function ensureKafka({ log = stderrLog, timeoutMs = KAFKA_START_TIMEOUT_MS } = {}) {
  return withKafkaLock(async () => {
    // a broker that answers (ours from an earlier run, or anyone's) is all we need
    let pid = readPidFile();
    if ((await probeKafka()).up) {
      if (pid && !isKafkaProcess(pid)) {
        removeQuietly(KAFKA_PATHS.pid);
        pid = undefined;
      }
      return { startedByUs: false, ...(pid ? { pid } : {}) };
    }

    await ensureKafkaLibs(log);
    writeServerProperties();
    await ensureFormatted(log);

    const t0 = Date.now();
    let state;
    let startedByUs;
    if (pid && isKafkaProcess(pid)) {
      // started by an earlier run and still coming up: wait for it rather than starting a second one
      log(`kafka: broker pid ${pid} is running but not answering yet, waiting…`);
      startedByUs = false;
    } else {
      if (pid) removeQuietly(KAFKA_PATHS.pid);
      await assertPortsFree();
      ({ pid, state } = startBroker());
      startedByUs = true;
      if (pid) log(`kafka: starting broker (pid ${pid})…`);
    }
    try {
      await waitForBroker(pid, state, t0, timeoutMs);
    } catch (err) {
      log(`kafka: last 40 lines of ${path.relative(REPO_ROOT, KAFKA_PATHS.log)}:\n${readTail(KAFKA_PATHS.log, 40)}`);
      if (pid && isKafkaProcess(pid)) {
        log(`kafka: stopping the unresponsive broker (pid ${pid})`);
        await terminate(pid, KAFKA_STOP_GRACE_MS);
      }
      if (readPidFile() === pid) removeQuietly(KAFKA_PATHS.pid);
      throw err;
    }
    log(`kafka: ${startedByUs ? 'started' : 'up'} (pid ${pid}) in ${seconds(t0)} s`);
    return startedByUs ? { startedByUs, pid } : { startedByUs, pid, waited: true };
  }, { log });
}

/**
 * Stops the broker recorded in <cache>/kafka.pid (SIGTERM, SIGKILL after 15 s) and removes the pid file.
 * Safe to call when nothing runs.
 * @param {{ log?: (message: string) => void }} [options]
 * @returns {Promise<{ stopped: boolean, pid?: number, killed?: boolean }>}
 */
export function stopKafka({ log = stderrLog } = {}) {
  return withKafkaLock(async () => {
    const pid = readPidFile();
    if (!pid) return { stopped: false };
    if (!isKafkaProcess(pid)) {
      removeQuietly(KAFKA_PATHS.pid);
      return { stopped: false, pid };
    }
    const t0 = Date.now();
    const { killed } = await terminate(pid, KAFKA_STOP_GRACE_MS);
    removeQuietly(KAFKA_PATHS.pid);
    log(`kafka: ${killed ? 'killed (no exit 15 s after SIGTERM)' : 'stopped'} (pid ${pid}) in ${seconds(t0)} s`);
    return { stopped: true, pid, killed };
  }, { log });
}

/** Pid of the broker recorded in the pid file if it is alive, else undefined. */
export function kafkaPid() {
  const pid = readPidFile();
  return pid && isKafkaProcess(pid) ? pid : undefined;
}

// ───────────────────────────── Kafka: topics ─────────────────────────────

function checkPrefix(prefix, { allowEmpty }) {
  if (typeof prefix !== 'string') throw new TypeError('topic prefix must be a string');
  if (prefix === '' ? !allowEmpty : !TOPIC_NAME.test(prefix)) {
    throw new Error(`invalid topic prefix ${JSON.stringify(prefix)}${prefix === '' ? ' (empty)' : ' (allowed: letters, digits, . _ -)'}`);
  }
}

/** Topic specs for kafkajs createTopics, for a prefix. */
export function topicSpecs(prefix = DEFAULT_TOPIC_PREFIX) {
  checkPrefix(prefix, { allowEmpty: true });
  return TOPICS.map((t) => ({
    topic: `${prefix}${t.suffix}`,
    numPartitions: t.partitions,
    replicationFactor: 1,
    configEntries: t.configEntries.map((e) => ({ ...e })),
  }));
}

/**
 * Creates the missing topics of docs/architecture.md (waitForLeaders), brings partitions and topic configs of
 * existing ones in line (e.g. a topic auto-created by a client), then waits until all have metadata with leaders.
 * @param {{ brokers?: string[], prefix?: string, log?: (message: string) => void, timeoutMs?: number }} [options]
 * @returns {Promise<{ topics: string[], created: string[], altered: string[] }>}
 */
export async function ensureTopics({ brokers = KAFKA_BROKERS, prefix = DEFAULT_TOPIC_PREFIX, log = stderrLog, timeoutMs = 60_000 } = {}) {
  const specs = topicSpecs(prefix);
  const names = specs.map((s) => s.topic);
  const t0 = Date.now();
  const created = [];
  const altered = [];
  await withAdmin(brokers, logLevel.ERROR, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: timeoutMs });
      created.push(...missing.map((s) => s.topic));
    }

    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
      for (const spec of present) {
        const count = meta.find((m) => m.name === spec.topic)?.partitions.length ?? 0;
        if (count > spec.numPartitions) {
          throw new Error(
            `kafka: topic ${spec.topic} has ${count} partitions, expected ${spec.numPartitions} (partitions cannot be removed: delete the topic)`,
          );
        }
        if (count < spec.numPartitions) {
          await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.numPartitions }] });
          altered.push(spec.topic);
          log(`kafka: topic ${spec.topic} had ${count} partition(s), raised to ${spec.numPartitions}`);
        }
      }
      const withConfig = present.filter((s) => s.configEntries.length > 0);
      if (withConfig.length > 0) {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: withConfig.map((s) => ({
            type: ConfigResourceTypes.TOPIC,
            name: s.topic,
            configNames: s.configEntries.map((e) => e.name),
          })),
        });
        const drifted = withConfig.filter((s) => {
          const actual = resources.find((r) => r.resourceName === s.topic)?.configEntries ?? [];
          return s.configEntries.some((e) => actual.find((a) => a.configName === e.name)?.configValue !== e.value);
        });
        if (drifted.length > 0) {
          // AlterConfigs (not incremental) sets exactly these overrides on each topic
          await admin.alterConfigs({
            validateOnly: false,
            resources: drifted.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configEntries: s.configEntries })),
          });
          for (const s of drifted) if (!altered.includes(s.topic)) altered.push(s.topic);
          log(`kafka: reset the configuration of ${drifted.map((s) => s.topic).join(', ')}`);
        }
      }
    }
  });

  // metadata for every topic, every partition with a leader
  const deadline = t0 + timeoutMs;
  let lastError;
  const pollOptions = { connectionTimeout: 3000, requestTimeout: 5000, retries: 2 };
  await withAdmin(brokers, logLevel.NOTHING, async (admin) => {
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        const ready = specs.every((s) => {
          const parts = topics.find((t) => t.name === s.topic)?.partitions ?? [];
          return parts.length === s.numPartitions && parts.every((p) => p.leader >= 0 && p.partitionErrorCode === 0);
        });
        if (ready) {
          // metadata can name a leader a moment before that broker has opened the partition's log:
          // a ListOffsets answered by every leader means the partitions really serve requests
          for (const name of names) await admin.fetchTopicOffsets(name);
          return;
        }
        lastError = new Error('some partitions have no leader yet');
      } catch (err) {
        lastError = err;
      }
      if (Date.now() > deadline) throw new Error(`kafka: topics not ready after ${seconds(t0)} s: ${lastError?.message}`);
      await sleep(200);
    }
  }, pollOptions);
  if (created.length > 0) log(`kafka: created ${created.length} topic(s) with prefix ${JSON.stringify(prefix)} in ${seconds(t0)} s`);
  return { topics: names, created, altered };
}

/**
 * Deletes every topic whose name starts with prefix (for test cleanup) and waits until they are gone.
 * Refuses an empty prefix; never touches internal topics (__consumer_offsets, …).
 * @param {{ brokers?: string[], prefix: string, timeoutMs?: number }} options
 * @returns {Promise<{ deleted: string[] }>}
 */
export async function deleteTopics({ brokers = KAFKA_BROKERS, prefix, timeoutMs = 30_000 } = {}) {
  checkPrefix(prefix, { allowEmpty: false });
  return withAdmin(brokers, logLevel.ERROR, async (admin) => {
    const victims = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.startsWith('__'));
    if (victims.length === 0) return { deleted: [] };
    await admin.deleteTopics({ topics: victims, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = new Set(await admin.listTopics());
      if (!victims.some((t) => left.has(t))) return { deleted: victims };
      if (Date.now() > deadline) throw new Error(`kafka: topics still present after delete: ${victims.filter((t) => left.has(t)).join(', ')}`);
      await sleep(200);
    }
  });
}

/** Topic names with this prefix that exist on the broker (throws if the broker does not answer). */
export async function listTopics({ brokers = KAFKA_BROKERS, prefix = DEFAULT_TOPIC_PREFIX } = {}) {
  return withAdmin(brokers, logLevel.NOTHING, async (admin) => (await admin.listTopics()).filter((t) => t.startsWith(prefix)), {
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retries: 0,
  });
}

// ───────────────────────────── status ─────────────────────────────

async function postgresPid() {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query('SHOW data_directory');
    return Number.parseInt(fs.readFileSync(path.join(rows[0].data_directory, 'postmaster.pid'), 'utf8'), 10) || undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisPid() {
  try {
    const info = await redisCommand(['INFO', 'server']);
    return Number(/^process_id:(\d+)/m.exec(info ?? '')?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * State of each component, without changing anything.
 * @returns {Promise<{ postgres: { up: boolean, pid?: number, detail?: string }, redis: { up: boolean, pid?: number, detail?: string },
 *   kafka: { up: boolean, pid?: number, detail?: string }, topics: { up: boolean, present: string[], missing: string[] } }>}
 */
export async function infraStatus({ prefix = DEFAULT_TOPIC_PREFIX } = {}) {
  const [pgProbe, redisProbe, kafkaProbe] = await Promise.all([probePostgres(), probeRedis(), probeKafka()]);
  const pidOfKafka = kafkaPid();
  const postgres = { up: pgProbe.state === 'up', pid: pgProbe.state === 'up' ? await postgresPid() : undefined };
  if (!postgres.up) postgres.detail = pgProbe.state === 'down' ? 'not answering' : (pgProbe.error?.message ?? pgProbe.state);
  const redis = { up: redisProbe.state === 'up', pid: redisProbe.state === 'up' ? await redisPid() : undefined };
  if (!redis.up) redis.detail = redisProbe.state === 'down' ? 'not answering' : (redisProbe.reply ?? redisProbe.state);
  const kafka = { up: kafkaProbe.up, pid: pidOfKafka };
  if (kafka.up && !pidOfKafka) kafka.detail = 'not started by scripts/infra.mjs';
  if (!kafka.up && pidOfKafka) kafka.detail = 'process alive but not answering';
  const expected = topicSpecs(prefix).map((s) => s.topic);
  let present = [];
  if (kafka.up) present = await listTopics({ prefix }).catch(() => []);
  const topics = { up: expected.every((t) => present.includes(t)), present: expected.filter((t) => present.includes(t)), missing: expected.filter((t) => !present.includes(t)) };
  return { postgres, redis, kafka, topics };
}
