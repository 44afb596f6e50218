// A real single-node Kafka broker (KRaft) run from its Maven Central jars, cached in <repo>/.cache/kafka
// (git-ignored): fetch the jars once, write server.properties and format the storage once, start it detached and
// stop it. Broker files: infra/kafka/ (pom.xml, server.properties, log4j.properties); docs/INFRA.md says why each
// step is there. Starts and stops are serialised by a lock (./lock.ts).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../repo';
import { KAFKA_BROKERS, probeKafka } from './kafka-client';
import { lockedSection } from './lock';
import { errorCode, isAlive, lastLines, readTail, readText, removeQuietly, run, seconds, sleep, stderrLog, writeFileAtomic, type Log } from './process';

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

const KAFKA_START_TIMEOUT_MS = 90_000;
const KAFKA_STOP_GRACE_MS = 15_000;
const KAFKA_FETCH_TIMEOUT_MS = 15 * 60_000;
const KAFKA_PORTS = [9092, 9093] as const;

/** Serialises ensureKafka/stopKafka across processes (lock file) and within this process (promise chain). */
const withKafkaLock = lockedSection(KAFKA_PATHS.lock, 'kafka');

// ───────────────────────────── pid file ─────────────────────────────

/** true if pid is a live Kafka broker JVM (guards against a recycled pid). */
function isKafkaProcess(pid: number | undefined): pid is number {
  if (!pid || !isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    return true; // no procfs: trust the pid file
  }
}

function readPidFile(): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(KAFKA_PATHS.pid, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Pid of the broker recorded in the pid file if it is alive, else undefined. */
export function kafkaPid(): number | undefined {
  const pid = readPidFile();
  return isKafkaProcess(pid) ? pid : undefined;
}

/**
 * The log directory of the broker listening on 127.0.0.1:9092, whichever checkout started it (a second checkout's
 * suite uses the first one's broker, README "Tests"), read from the configuration file its command line names; this
 * checkout's own when none is found.
 */
export function runningBrokerDataDir(): string {
  for (const name of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!args.includes('kafka.Kafka')) continue;
      const config = fs.readFileSync(args[args.length - 1], 'utf8');
      const dirs = /^log\.dirs=(.+)$/m.exec(config)?.[1];
      if (dirs && new RegExp(`^listeners=.*:${KAFKA_PORTS[0]}\\b`, 'm').test(config)) return dirs.trim();
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return KAFKA_PATHS.data;
}

// ───────────────────────────── jars ─────────────────────────────

const LIBS_MARKER = '.nostro-complete';

function pomInfo(): { version: string; hash: string } {
  const pom = fs.readFileSync(KAFKA_PATHS.pom, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`kafka: no <kafka.version> in ${path.relative(REPO_ROOT, KAFKA_PATHS.pom)}`);
  return { version, hash: crypto.createHash('sha256').update(pom).digest('hex') };
}

function requiredJars(version: string): RegExp[] {
  const v = version.replace(/\./g, '\\.');
  return [
    new RegExp(`^kafka_2\\.13-${v}\\.jar$`),
    ...['kafka-clients', 'kafka-server', 'kafka-server-common', 'kafka-metadata', 'kafka-raft', 'kafka-storage', 'kafka-group-coordinator'].map(
      (a) => new RegExp(`^${a}-${v}\\.jar$`),
    ),
    /^scala-library-.*\.jar$/,
    /^slf4j-api-.*\.jar$/,
    /^slf4j-reload4j-.*\.jar$/,
    /^reload4j-.*\.jar$/,
  ];
}

/** A jar is a zip: its end-of-central-directory record sits near the end; a truncated copy lacks it. */
function looksLikeCompleteJar(file: string): boolean {
  let fd: number | undefined;
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
function missingJars(dir: string, version: string, { checkAll }: { checkAll: boolean }): string[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.jar'));
  } catch {
    return ['(no libs folder)'];
  }
  const missing = requiredJars(version)
    .filter((re) => !files.some((f) => re.test(f)))
    .map((re) => re.source);
  if (missing.length === 0 && checkAll) {
    for (const f of files) if (!looksLikeCompleteJar(path.join(dir, f))) missing.push(`${f} (truncated)`);
  }
  return missing;
}

/** The jars of the POM's Kafka version in <cache>/libs, fetched with Maven unless a complete set is there. */
async function ensureKafkaLibs(log: Log): Promise<void> {
  const { version, hash } = pomInfo();
  const libs = KAFKA_PATHS.libs;
  const marker = path.join(libs, LIBS_MARKER);
  const markerHash = readText(marker)?.trim();
  if (markerHash === hash && missingJars(libs, version, { checkAll: false }).length === 0) return;
  if (markerHash === undefined && fs.existsSync(libs) && missingJars(libs, version, { checkAll: true }).length === 0) {
    // fetched by hand (or by an older script) with the same command: adopt it
    fs.writeFileSync(marker, `${hash}\n`);
    return;
  }
  const t0 = Date.now();
  log(
    markerHash === undefined
      ? 'kafka: fetching broker jars from Maven Central (first run only)…'
      : `kafka: ${path.relative(REPO_ROOT, KAFKA_PATHS.pom)} changed, fetching broker jars (Kafka ${version}) from Maven Central…`,
  );
  const fetched = await fetchJars(version, hash);
  if (fs.existsSync(libs)) {
    const old = path.join(KAFKA_PATHS.cache, `libs.old-${process.pid}`);
    fs.renameSync(libs, old);
    fs.renameSync(fetched, libs);
    removeQuietly(old);
  } else {
    fs.renameSync(fetched, libs);
  }
  log(`kafka: fetched ${fs.readdirSync(libs).filter((f) => f.endsWith('.jar')).length} jars in ${seconds(t0)} s`);
}

/** Runs Maven's copy-dependencies into a fresh temporary folder and answers it once the set is complete. */
async function fetchJars(version: string, hash: string): Promise<string> {
  // leftovers of interrupted fetches (we hold the lock, so nobody else is writing them)
  for (const entry of fs.readdirSync(KAFKA_PATHS.cache)) {
    if (/^libs\.(tmp|old)-/.test(entry)) removeQuietly(path.join(KAFKA_PATHS.cache, entry));
  }
  const tmp = path.join(KAFKA_PATHS.cache, `libs.tmp-${process.pid}`);
  let res;
  try {
    res = await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        KAFKA_PATHS.pom,
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${tmp}`,
      ],
      { timeoutMs: KAFKA_FETCH_TIMEOUT_MS },
    );
  } catch (err) {
    removeQuietly(tmp);
    throw new Error(`kafka: cannot fetch the broker jars: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
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
  return tmp;
}

// ───────────────────────────── config and storage ─────────────────────────────

function writeServerProperties(): void {
  const template = fs.readFileSync(KAFKA_PATHS.serverPropertiesTemplate, 'utf8');
  const logDirs = `log.dirs=${KAFKA_PATHS.data.replace(/\\/g, '\\\\')}`;
  const content =
    `# generated by scripts/lib/infra/kafka-broker.ts from infra/kafka/server.properties: edit that file instead\n` +
    (/^log\.dirs=.*$/m.test(template) ? template.replace(/^log\.dirs=.*$/m, logDirs) : `${template.trimEnd()}\n${logDirs}\n`);
  if (readText(KAFKA_PATHS.serverProperties) !== content) writeFileAtomic(KAFKA_PATHS.serverProperties, content);
}

function newClusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

const log4jOption = (): string => `-Dlog4j.configuration=${pathToFileURL(KAFKA_PATHS.log4j).href}`;
const classpath = (): string => path.join(KAFKA_PATHS.libs, '*'); // expanded by java itself, not by a shell

/** Formats the data directory once (KRaft never formats by itself). */
async function ensureFormatted(log: Log): Promise<void> {
  fs.mkdirSync(KAFKA_PATHS.data, { recursive: true });
  if (fs.existsSync(path.join(KAFKA_PATHS.data, 'meta.properties'))) return;
  const clusterId = newClusterId();
  const res = await run('java', [
    log4jOption(),
    '-cp',
    classpath(),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    KAFKA_PATHS.serverProperties,
    '-g',
  ]);
  if (res.code !== 0)
    throw new Error(`kafka: formatting ${path.relative(REPO_ROOT, KAFKA_PATHS.data)} failed (exit ${res.code}):\n${lastLines(res.output, 40)}`);
  log(`kafka: formatted ${path.relative(REPO_ROOT, KAFKA_PATHS.data)} (cluster id ${clusterId})`);
}

// ───────────────────────────── start / stop ─────────────────────────────

/** true if something accepts TCP connections on host:port. */
function portTaken(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    const done = (taken: boolean): void => {
      socket.destroy();
      resolve(taken);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

async function assertPortsFree(): Promise<void> {
  for (const port of KAFKA_PORTS) {
    if (await portTaken('127.0.0.1', port)) {
      throw new Error(
        `kafka: 127.0.0.1:${port} is taken by a process that does not answer as a Kafka broker; free the port (e.g. ss -ltnp 'sport = :${port}')`,
      );
    }
  }
}

/** What became of a broker process this process started. */
interface ChildState {
  exited: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  error: Error | null;
}

function startBroker(): { pid: number | undefined; state: ChildState } {
  fs.mkdirSync(KAFKA_PATHS.logs, { recursive: true });
  if (fs.existsSync(KAFKA_PATHS.log)) fs.renameSync(KAFKA_PATHS.log, `${KAFKA_PATHS.log}.1`);
  const out = fs.openSync(KAFKA_PATHS.log, 'a');
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${KAFKA_PATHS.logs}`,
      log4jOption(),
      '-cp',
      classpath(),
      'kafka.Kafka',
      KAFKA_PATHS.serverProperties,
    ],
    { cwd: KAFKA_PATHS.cache, detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const state: ChildState = { exited: false, code: null, signal: null, error: null };
  child.on('error', (err) => Object.assign(state, { exited: true, error: err }));
  child.on('exit', (code, signal) => Object.assign(state, { exited: true, code, signal }));
  child.unref();
  if (child.pid) writeFileAtomic(KAFKA_PATHS.pid, `${child.pid}\n`);
  return { pid: child.pid, state };
}

const javaStartError = (error: Error): Error =>
  new Error(errorCode(error) === 'ENOENT' ? 'kafka: java not found (Java 17 is required)' : `kafka: cannot start java: ${error.message}`);

/** Polls until the broker answers a metadata request; throws with the reason when it cannot. */
async function waitForBroker(pid: number, state: ChildState | undefined, t0: number, timeoutMs: number): Promise<void> {
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (state?.error) throw javaStartError(state.error);
    if (state?.exited || !isAlive(pid)) {
      throw new Error(`kafka: broker (pid ${pid}) exited${state?.exited ? ` with ${state.signal ?? `code ${state.code}`}` : ''} before answering`);
    }
    if ((await probeKafka()).up) return;
    if (Date.now() > deadline) throw new Error(`kafka: broker (pid ${pid}) not answering on ${KAFKA_BROKERS[0]} after ${seconds(t0)} s`);
    await sleep(300);
  }
}

/** Sends SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
async function terminate(pid: number, graceMs: number): Promise<{ killed: boolean }> {
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

export interface EnsureKafkaResult {
  startedByUs: boolean;
  /** The broker's pid when it is the one recorded in <cache>/kafka.pid. */
  pid?: number;
  /** An earlier run's broker was still starting and this call waited for it. */
  waited?: boolean;
}

/**
 * Idempotently provides a Kafka broker on 127.0.0.1:9092: fetches the jars once, formats the storage once and
 * starts the broker detached unless something already answers there.
 */
export function ensureKafka({ log = stderrLog, timeoutMs = KAFKA_START_TIMEOUT_MS }: { log?: Log; timeoutMs?: number } = {}): Promise<EnsureKafkaResult> {
  return withKafkaLock(
    async () => {
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
      let state: ChildState | undefined;
      let startedByUs: boolean;
      if (isKafkaProcess(pid)) {
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
      if (pid === undefined) {
        await sleep(100); // spawn reports why it failed (java missing) on a later tick
        throw javaStartError(state?.error ?? new Error('no pid'));
      }
      await waitOrStop(pid, state, t0, timeoutMs, log);
      log(`kafka: ${startedByUs ? 'started' : 'up'} (pid ${pid}) in ${seconds(t0)} s`);
      return startedByUs ? { startedByUs, pid } : { startedByUs, pid, waited: true };
    },
    { log },
  );
}

/** waitForBroker; when the broker does not come up, shows its log, stops it and forgets its pid. */
async function waitOrStop(pid: number, state: ChildState | undefined, t0: number, timeoutMs: number, log: Log): Promise<void> {
  try {
    await waitForBroker(pid, state, t0, timeoutMs);
  } catch (err) {
    log(`kafka: last 40 lines of ${path.relative(REPO_ROOT, KAFKA_PATHS.log)}:\n${readTail(KAFKA_PATHS.log, 40)}`);
    if (isKafkaProcess(pid)) {
      log(`kafka: stopping the unresponsive broker (pid ${pid})`);
      await terminate(pid, KAFKA_STOP_GRACE_MS);
    }
    if (readPidFile() === pid) removeQuietly(KAFKA_PATHS.pid);
    throw err;
  }
}

/**
 * Stops the broker recorded in <cache>/kafka.pid (SIGTERM, SIGKILL after 15 s) and removes the pid file.
 * Safe to call when nothing runs.
 */
export function stopKafka({ log = stderrLog }: { log?: Log } = {}): Promise<{ stopped: boolean; pid?: number; killed?: boolean }> {
  return withKafkaLock(
    async () => {
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
    },
    { log },
  );
}
