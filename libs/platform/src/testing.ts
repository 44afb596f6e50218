/**
 * Test support shared by the apps and the end-to-end tests: a fresh Postgres database with a service's migrations,
 * per test slot (real Postgres only), and waiting for a condition instead of sleeping. Never used by a running service.
 */
import { Client } from 'pg';
import { Pool, createPool } from './db';
import { Logger } from './logger';
import { runMigrations } from './migrate';

const ADMIN_URL = 'postgres://root@127.0.0.1:5432/postgres';

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/**
 * The test cluster this process belongs to (as scripts/lib/stack.mjs testSlot()): NOSTRO_TEST_SLOT, else this Jest
 * worker's own (JEST_WORKER_ID 1 → slot 0), so two workers never share a database or a cluster.
 */
export function testSlot(env: NodeJS.ProcessEnv = process.env): number {
  const base = Number.parseInt(env.NOSTRO_TEST_SLOT_BASE ?? '0', 10) || 0;
  if (env.NOSTRO_TEST_SLOT !== undefined) return base + (Number.parseInt(env.NOSTRO_TEST_SLOT, 10) || 0);
  return base + (Number.parseInt(env.JEST_WORKER_ID ?? '1', 10) || 1) - 1;
}

/** Creates `nostro_test<slot>_<suffix>` afresh, applies `migrationDirs` in order, opens a small pool. */
export async function freshTestDatabase(suffix: string, migrationDirs: string[], log: Logger): Promise<TestDatabase> {
  const slot = testSlot();
  const name = `nostro_test${slot || ''}_${suffix}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = `postgres://root@127.0.0.1:5432/${name}`;
  await runMigrations(url, migrationDirs, log);
  const pool = createPool(url, `${suffix}-test`, 4);
  // pg-pool's end() resolves once its clients are asked to close, not once their sessions have ended: the DROP … WITH
  // (FORCE) below may terminate a session still closing, whose idle client then emits an error. Without a listener on
  // the pool that error is thrown (an uncaught exception in whichever test runs then); a query's own errors still
  // reach its caller.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Polls `fn` until `ok` holds for what it answers for the whole of `ms` (a negative check: "stays SUBMITTED"),
 * and answers the last value; stops at the first value that breaks it and answers that one, so the assertion after it
 * fails at once, naming what was seen. Use instead of a fixed sleep followed by one look.
 */
export async function consistently<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms: number, intervalMs = 200): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (!ok(value) || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, until - Date.now()))));
  }
}

/**
 * Polls `fn` every `intervalMs` until `done` holds for what it answers, or `timeoutMs` passes; answers the last value
 * either way, for the assertion after it to judge. Use instead of a fixed sleep followed by one look.
 */
export async function eventually<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
