/**
 * Starts extra fx-quote processes (the built service, dist/) next to the test cluster, each with its own database,
 * Redis key prefix and consumer group, and the cluster's FX signing key (so settlement trusts their quotes).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { deleteRedisKeys } from '@nostro/platform/test-support';
import { cluster, repoRoot } from '../../support/cluster';

const READY_TIMEOUT_MS = 60_000;

export interface FxProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface FxDeployment {
  database: string;
  redisPrefix: string;
  consumerGroup: string;
  replicas: FxProcess[];
  /** Deletes every Redis key of this deployment (and only those: other engineers share the server). */
  deleteRedisKeys(): Promise<number>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: 'postgres://root@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fx-quote exited (${child.exitCode}):\n${output()}`);
    const status = await fetch(`${url}/health/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`fx-quote not ready after ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}

function start(port: number, env: Record<string, string>): Promise<FxProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'apps', 'fx-quote', 'src', 'main.js')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return waitReady(url, child, () => output).then(
    () => ({ url, output: () => output, stop }),
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
}

/**
 * `replicas` fx-quote processes sharing one fresh database and Redis prefix, on ports
 * fx-quote + `portOffset` + i of this test slot. `env` adds or overrides variables.
 */
export async function deployFx(name: string, portOffset: number, env: Record<string, string> = {}, replicas = 1): Promise<FxDeployment> {
  const c = cluster();
  const database = `${c.dbPrefix}_fx_${name}`;
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${database}`);
  const tag = randomBytes(4).toString('hex');
  const redisPrefix = `${c.redisPrefix}fx-${name}-${tag}:`;
  const consumerGroup = `fx-quote-${name}-${tag}`;
  const common = {
    LOG_LEVEL: 'warn',
    DATABASE_URL: `postgres://root@127.0.0.1:5432/${database}`,
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: c.topicPrefix,
    REDIS_KEY_PREFIX: redisPrefix,
    FX_SIGNING_KEY_FILE: c.keys.fx.file,
    FX_CONSUMER_GROUP: consumerGroup,
    // Postgres' max_connections is shared by every engineer's test cluster on this machine.
    DATABASE_POOL_MAX: '4',
    ...env,
  };
  const started: FxProcess[] = [];
  try {
    // The first replica applies the migrations; the others start once it is ready.
    started.push(await start(c.ports['fx-quote'] + portOffset, common));
    for (let i = 1; i < replicas; i++) started.push(await start(c.ports['fx-quote'] + portOffset + i, common));
  } catch (error) {
    await Promise.all(started.map((p) => p.stop()));
    throw error;
  }
  const db = new Client({ connectionString: common.DATABASE_URL });
  await db.connect();
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  return {
    database,
    redisPrefix,
    consumerGroup,
    replicas: started,
    deleteRedisKeys: () => deleteRedisKeys(redis, redisPrefix),
    query: async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows,
    stop: async () => {
      await Promise.all(started.map((p) => p.stop()));
      await deleteRedisKeys(redis, redisPrefix);
      redis.disconnect();
      await db.end();
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = Record<string, unknown>>(url: string, method: string, body?: unknown): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

/** Sum of a Prometheus counter (all label sets matching `labels`) over the given processes. */
export async function counterTotal(urls: string[], name: string, labels = ''): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const [series, value] = line.split(' ');
      if (series === name || (series.startsWith(`${name}{`) && series.includes(labels))) total += Number(value);
    }
  }
  return total;
}
