import { Module } from '@nestjs/common';
import { OpsModule, Runtime, runService, startOrExit } from '@nostro/platform';
import Redis from 'ioredis';
import path from 'node:path';
import { fxConfig } from './config';
import { QuoteCache } from './quote.cache';
import { QuoteController, QuoteErrorFilter } from './quote.controller';
import { QuoteRepository } from './quote.repository';
import { QuoteService } from './quote.service';
import { StaticRatesProvider } from './rates.provider';
import { FX_LOGGER } from './tokens';

async function main(): Promise<void> {
  const config = fxConfig();
  const rates = new StaticRatesProvider(config.FX_RATES_FILE);
  const rt = await Runtime.create('fx-quote', config, path.join(__dirname, '..', 'migrations'));
  if (!rt) return;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', (error) => rt.log.warn({ err: error.message }, 'redis error'));
  const service = new QuoteService(config, rates, new QuoteRepository(rt.pool), new QuoteCache(redis, config.REDIS_KEY_PREFIX), rt.log);
  rt.log.info(rates.describe(), 'reference rates loaded');

  @Module({
    imports: [OpsModule.forRoot([...rt.readinessChecks(), { name: 'redis', check: async () => (await redis.ping()) === 'PONG' }])],
    controllers: [QuoteController],
    providers: [{ provide: QuoteService, useValue: service }, { provide: FX_LOGGER, useValue: rt.log }, QuoteErrorFilter],
  })
  class FxModule {}

  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: FxModule,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      redis.disconnect();
      await rt.close();
    },
  });
  rt.connectInBackground();
}

startOrExit(main);
