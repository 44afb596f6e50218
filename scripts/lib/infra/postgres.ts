// The machine's PostgreSQL on 127.0.0.1:5432: checked, started (the Debian cluster) if it is stopped, and the
// project's databases created. docs/INFRA.md says how the machine starts it.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { errorCode, lastLines, run, seconds, sleep, stderrLog, type Log } from './process';

export const POSTGRES = Object.freeze({ host: '127.0.0.1', port: 5432, user: 'root', database: 'postgres' });

const DB_NAME = /^[a-z0-9_]+$/;
const DB_NAME_LENGTH_MAX = 63;
const POSTGRES_START_TIMEOUT_MS = 60_000;
const PROBE_CONNECT_TIMEOUT_MS = 3000;
const POLL_MS = 250;

export type ServiceState = 'up' | 'starting' | 'down' | 'error';

export interface PostgresProbe {
  state: ServiceState;
  error?: Error;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export async function probePostgres(): Promise<PostgresProbe> {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: PROBE_CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { state: 'up' };
  } catch (caught) {
    const error = asError(caught);
    const code = errorCode(error);
    if (code === '57P03') return { state: 'starting', error }; // the database system is starting up
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code ?? '') || /timeout|terminated/i.test(error.message)) {
      return { state: 'down', error };
    }
    return { state: 'error', error };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresVersion(): string {
  let versions: string[] = [];
  try {
    versions = fs.readdirSync('/etc/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no Debian cluster layout
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(`postgres: nothing answers on ${POSTGRES.host}:${POSTGRES.port} and no cluster is configured under /etc/postgresql`);
  }
  return newest;
}

export interface EnsureOptions {
  log?: Log;
  timeoutMs?: number;
}

/** Makes sure PostgreSQL accepts connections on 127.0.0.1:5432; starts the Debian cluster if it is stopped. */
export async function ensurePostgres({ log = stderrLog, timeoutMs = POSTGRES_START_TIMEOUT_MS }: EnsureOptions = {}): Promise<{ startedByUs: boolean }> {
  let probe = await probePostgres();
  if (probe.state === 'up') return { startedByUs: false };
  if (probe.state === 'error') {
    throw new Error(`postgres: ${POSTGRES.host}:${POSTGRES.port} answers but refuses user ${POSTGRES.user}: ${probe.error?.message}`);
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
    await sleep(POLL_MS);
  }
  throw new Error(
    `postgres: not accepting connections on ${POSTGRES.host}:${POSTGRES.port} after ${seconds(t0)} s` +
      ` (last error: ${probe.error?.message ?? probe.state})` +
      (startOutput ? `\npg_ctlcluster output:\n${lastLines(startOutput, 20)}` : '') +
      '\nsee /var/log/postgresql/ for the server log',
  );
}

function checkDatabaseNames(names: readonly string[]): void {
  if (!Array.isArray(names)) throw new TypeError('createDatabases: names must be an array of strings');
  for (const name of names) {
    if (typeof name !== 'string' || !DB_NAME.test(name) || name.length > DB_NAME_LENGTH_MAX) {
      throw new Error(`createDatabases: invalid database name ${JSON.stringify(name)} (expected /^[a-z0-9_]+$/, at most 63 characters)`);
    }
  }
}

/**
 * Creates the missing databases (as user root, via db postgres). With recreate, drops them first (WITH (FORCE)).
 * Names match /^[a-z0-9_]+$/.
 */
export async function createDatabases(
  names: readonly string[],
  { recreate = false, log = stderrLog }: { recreate?: boolean; log?: Log } = {},
): Promise<{ created: string[]; existing: string[] }> {
  checkDatabaseNames(names);
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  const created: string[] = [];
  const existing: string[] = [];
  try {
    await client.connect();
    for (const name of new Set(names)) {
      if (recreate) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if ((rowCount ?? 0) > 0) {
        existing.push(name);
        continue;
      }
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        created.push(name);
      } catch (err) {
        // a concurrent creator won the race: duplicate_database, or unique_violation on pg_database
        if (errorCode(err) === '42P04' || errorCode(err) === '23505') existing.push(name);
        else throw err;
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  if (created.length > 0) log(`postgres: ${recreate ? 'recreated' : 'created'} database${created.length > 1 ? 's' : ''} ${created.join(', ')}`);
  return { created, existing };
}

/** The postmaster's pid, read from its data directory, or undefined. */
export async function postgresPid(): Promise<number | undefined> {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: PROBE_CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return Number.parseInt(fs.readFileSync(path.join(rows[0].data_directory, 'postmaster.pid'), 'utf8'), 10) || undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
