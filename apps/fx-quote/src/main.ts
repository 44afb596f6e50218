import { Module } from '@nestjs/common';
import { KafkaPgTransport, OpsModule, Runtime, runService, startOrExit } from '@nostro/platform';
import { base64UrlDecode, publicKeyFromSeed } from '@nostro/shared-node';
import Redis from 'ioredis';
import path from 'node:path';
import { fxConfig } from './config';
import { loadCorridors } from './corridor.config';
import { LedgerClient } from './ledger.client';
import { LiquidityService } from './liquidity.service';
import { QuoteCache } from './quote.cache';
import { QuoteController, QuoteErrorFilter } from './quote.controller';
import { QuoteRepository } from './quote.repository';
import { QuoteService } from './quote.service';
import { HttpRatesProvider } from './rates-http.provider';
import { RatesProvider, StaticRatesProvider } from './rates.provider';
import { ReservationHandler } from './reservation.handler';
import { FX_CURRENCIES, FX_LOGGER, FX_RATES } from './tokens';

async function main(): Promise<void> {
  const config = fxConfig();
  const corridors = loadCorridors(config.FX_CORRIDORS_FILE);
  const staticRates = config.FX_RATES_PROVIDER === 'static' ? new StaticRatesProvider(config.FX_RATES_FILE) : null;
  const rt = await Runtime.create('fx-quote', config, path.join(__dirname, '..', 'migrations'), config.DATABASE_POOL_MAX);
  if (!rt) return;
  const rates: RatesProvider =
    staticRates ??
    new HttpRatesProvider({ url: config.FX_RATES_URL as string, pollMs: config.FX_RATES_POLL_MS, maxAgeMs: config.FX_RATES_MAX_AGE_MS, log: rt.log });
  // Auto-pipelining: the claims of a consume batch issued in one tick go to Redis in one write.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, enableAutoPipelining: true });
  redis.on('error', (error) => rt.log.warn({ err: error.message }, 'redis error'));
  const repo = new QuoteRepository(rt.pool);
  const ledger = config.LEDGER_URLS ? new LedgerClient(config.LEDGER_URLS, config.FX_LEDGER_TIMEOUT_MS) : null;
  const liquidity = new LiquidityService(
    ledger,
    repo,
    { refreshMs: config.FX_LEDGER_REFRESH_MS, sweepIntervalMs: config.FX_SWEEP_INTERVAL_MS, reservationMaxMs: config.FX_RESERVATION_MAX_MS },
    rt.log,
  );
  const seed = base64UrlDecode(config.signingSeed);
  const service = new QuoteService(
    { quoteTtlMs: config.QUOTE_TTL_MS, currencies: config.CURRENCIES, signingSeed: seed, publicKey: publicKeyFromSeed(seed) },
    rates,
    corridors,
    repo,
    new QuoteCache(redis, config.REDIS_KEY_PREFIX),
    liquidity,
    rt.log,
  );
  await repo.ensurePositions(config.CURRENCIES);
  rt.log.info({ ...rates.status(Date.now()), corridors: corridors.all().filter((c) => c.enabled).length }, 'reference rates and corridors loaded');
  if (!ledger) rt.log.warn('LEDGER_URLS is not set: FXDESK liquidity is NOT checked; quotes are bounded by corridor limits only');
  const transport = new KafkaPgTransport({
    kafka: rt.kafka,
    pool: rt.pool,
    groupId: config.FX_CONSUMER_GROUP,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    log: rt.log,
    inboxRetentionHours: config.INBOX_RETENTION_HOURS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  });

  @Module({
    imports: [
      OpsModule.forRoot([
        ...rt.readinessChecks(),
        { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
        { name: 'kafka-consumer', check: () => transport.isConnected() },
      ]),
    ],
    controllers: [QuoteController, ReservationHandler],
    providers: [
      { provide: QuoteService, useValue: service },
      { provide: LiquidityService, useValue: liquidity },
      { provide: FX_RATES, useValue: rates },
      { provide: FX_CURRENCIES, useValue: config.CURRENCIES },
      { provide: FX_LOGGER, useValue: rt.log },
      QuoteErrorFilter,
    ],
  })
  class FxModule {}

  rates.start();
  liquidity.start();
  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: FxModule,
    transports: [transport],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      rates.stop();
      liquidity.stop();
      redis.disconnect();
      await rt.close();
    },
  });
  rt.connectInBackground();
}

startOrExit(main);
