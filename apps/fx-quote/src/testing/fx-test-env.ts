/**
 * Medium-test helpers for fx-quote: a fresh Postgres database with the service's migrations, a Redis key prefix of
 * its own, and a local HTTP stub standing in for a live rates publisher. Real Postgres and Redis only.
 */
import { Logger, PLATFORM_MIGRATIONS_DIR, Pool, createLogger, createPool, runMigrations } from '@nostro/platform';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

const ADMIN_URL = 'postgres://root@127.0.0.1:5432/postgres';
export const FX_MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');

export const silentLog: Logger = createLogger('fx-quote-test', 'silent');

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

/** Creates `<name>` afresh (per test slot), applies the platform's and fx-quote's migrations, opens a pool. */
export async function freshDatabase(suffix: string): Promise<TestDatabase> {
  const slot = Number.parseInt(process.env.NOSTRO_TEST_SLOT ?? '0', 10) || 0;
  const name = `nostro_test${slot || ''}_${suffix}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = `postgres://root@127.0.0.1:5432/${name}`;
  await runMigrations(url, [PLATFORM_MIGRATIONS_DIR, FX_MIGRATIONS_DIR], silentLog);
  const pool = createPool(url, 'fx-quote-test', 4);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A Redis key prefix no other test uses. */
export function testRedisPrefix(): string {
  return `nostrotest:fx:${randomBytes(6).toString('hex')}:`;
}

export interface RatesStub {
  url: string;
  /** What the next poll gets: a JSON body with status 200, or another status, or a dropped connection. */
  answer(next: { status: number; body?: unknown } | 'drop'): void;
  polls(): number;
  close(): Promise<void>;
}

/** A local HTTP server that plays a rates publisher. */
export async function ratesStub(): Promise<RatesStub> {
  let next: { status: number; body?: unknown } | 'drop' = { status: 503 };
  let polls = 0;
  const server = createServer((req, res) => {
    polls++;
    if (next === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(next.status, { 'content-type': 'application/json' });
    res.end(next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rates`,
    answer: (value) => {
      next = value;
    },
    polls: () => polls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
