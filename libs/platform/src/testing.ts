/**
 * Test support shared by the apps and the end-to-end tests: a fresh Postgres database with a service's migrations,
 * per test slot (real Postgres only), and waiting for a condition instead of sleeping. Never used by a running service.
 */
import { Client } from 'pg';
import { Pool, createPool } from './db';
import { Logger } from './logger';
import { runMigrations } from './migrate';
import { testSlot } from './test-support';

export { consistently, deleteRedisKeys, eventually, testSlot, type RedisKeyScanner } from './test-support';

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
