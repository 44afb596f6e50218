/**
 * Medium-test helpers for fx-quote: a fresh Postgres database with the service's migrations, a Redis key prefix of
 * its own, and a local HTTP stub standing in for a live rates publisher. Real Postgres and Redis only.
 */
import { Logger, PLATFORM_MIGRATIONS_DIR, TestDatabase, createLogger, freshTestDatabase } from '@nostro/platform';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadCorridors } from '../corridor.config';
import type { LiquidityService } from '../liquidity.service';
import { QuoteCache } from '../quote.cache';
import type { QuoteRepository } from '../quote.repository';
import { QuoteService, type QuoteServiceOptions } from '../quote.service';
import { StaticRatesProvider } from '../rates.provider';

export const FX_MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');
const RATES_DIR = path.join(__dirname, '..', '..', 'rates');

export const silentLog: Logger = createLogger('fx-quote-test', 'silent');

export type { TestDatabase };

/** A fresh database (per test slot) with the platform's and fx-quote's migrations. */
export function freshDatabase(suffix: string): Promise<TestDatabase> {
  return freshTestDatabase(suffix, [PLATFORM_MIGRATIONS_DIR, FX_MIGRATIONS_DIR], silentLog);
}

/**
 * An fx-quote service on a test's stores, pricing on the shipped reference rates (ECB, 2024-06-28) and corridors.
 * Quotes one instance issued are in its memory; another instance on the same stores reads the stored copies.
 */
export function quoteServiceOn(stores: {
  options: QuoteServiceOptions;
  repo: QuoteRepository;
  redis: Redis;
  redisPrefix: string;
  liquidity: LiquidityService;
}): QuoteService {
  return new QuoteService(
    stores.options,
    new StaticRatesProvider(path.join(RATES_DIR, 'ecb-2024-06-28.json')),
    loadCorridors(path.join(RATES_DIR, 'corridors.json')),
    stores.repo,
    new QuoteCache(stores.redis, stores.redisPrefix),
    stores.liquidity,
    silentLog,
  );
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
