import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { KafkaPgTransport, OpsModule, Runtime, runService, startOrExit } from '@nostro/platform';
import Redis from 'ioredis';
import path from 'node:path';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { BankAuthGuard, JsonBodyGuard, OperatorGuard } from './auth.guards';
import { BankController } from './bank.controller';
import { gatewayConfig } from './config';
import { EventsHandler } from './events.handler';
import { FxClient } from './fx.client';
import { IdempotencyService } from './idempotency.service';
import { KeysController } from './keys.controller';
import { LedgerClient } from './ledger.client';
import { OperatorsRepository } from './operators.repository';
import { ParticipantsRepository } from './participants.repository';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { RequestWaiter } from './request-waiter';
import { GATEWAY_CONFIG, LOGGER, POOL, REDIS } from './tokens';
import { AdminOpsController } from './admin-ops.controller';
import { Housekeeping } from './housekeeping';
import { OpenApiController } from './openapi/openapi.controller';
import { ParticipantCache } from './participant.cache';
import { PgListener } from './pg-listener';
import { QuotesService } from './quotes.service';
import { RateLimiter } from './rate-limiter';
import { ScreeningAdminService } from './screening/screening-admin.service';
import { ScreeningRepository } from './screening/screening.repository';
import { ScreeningService } from './screening/screening.service';
import { WebhookAdminService } from './webhooks/webhook-admin.service';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookRepository } from './webhooks/webhook.repository';
import { AdminPaymentsController } from './admin-payments.controller';
import { AdminPaymentsRepository } from './admin-payments.repository';
import { AdminPaymentsService } from './admin-payments.service';
import { opsConsole } from './ops/ops.module';
import { ListCursorCodec } from './pagination/list-cursor';

async function main(): Promise<void> {
  const config = gatewayConfig();
  const rt = await Runtime.create('gateway', config, path.join(__dirname, '..', 'migrations'), 12);
  if (!rt) return;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (error) => rt.log.warn({ err: error.message }, 'redis error'));
  const participants = new ParticipantsRepository(rt.pool);
  const operators = new OperatorsRepository(rt.pool);
  const payments = new PaymentsRepository(rt.pool);
  const idempotency = new IdempotencyService(rt.pool);
  const fx = new FxClient(config.FX_QUOTE_URL);
  const ledger = new LedgerClient(config.LEDGER_URLS);
  const listener = new PgListener(rt.pool, rt.log);
  const waiter = new RequestWaiter(rt.pool);
  await waiter.start(listener);
  const screeningRepo = new ScreeningRepository(rt.pool);
  const cache = new ParticipantCache(participants, (id) => screeningRepo.allLimits(id));
  await cache.start(listener);
  const screening = new ScreeningService(config, screeningRepo, rt.log);
  const webhooks = new WebhookRepository(rt.pool);
  const dispatcher = new WebhookDispatcher(config, listener, webhooks, ledger, rt.log);
  const housekeeping = new Housekeeping(rt.pool, rt.log);
  const limiter = new RateLimiter(redis, config.REDIS_KEY_PREFIX, config.RATE_LIMIT_PER_S, config.RATE_LIMIT_BURST ?? config.RATE_LIMIT_PER_S, rt.log);
  const cursors = new ListCursorCodec(config.networkSeed);
  const admin = new AdminService(config, rt.pool, participants, operators, idempotency, waiter, ledger, cache, cursors);
  process.on('SIGHUP', () => {
    try {
      screening.reload();
    } catch (error) {
      rt.log.error({ err: error }, 'SIGHUP: sanctions list not reloaded');
    }
  });
  await admin.bootstrapAdmin();
  const transport = new KafkaPgTransport({ kafka: rt.kafka, pool: rt.pool, groupId: config.KAFKA_CONSUMER_GROUP, topicPrefix: config.KAFKA_TOPIC_PREFIX, log: rt.log, inboxRetentionHours: config.INBOX_RETENTION_HOURS, sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS });

  const opsParts = opsConsole({ config, kafka: rt.kafka, log: rt.log });
  @Module({
    imports: [
      OpsModule.forRoot([
        ...rt.readinessChecks(),
        { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
        { name: 'kafka-consumer', check: () => transport.isConnected() },
      ]),
      DiscoveryModule,
    ],
    controllers: [BankController, AdminController, KeysController, EventsHandler, AdminOpsController, OpenApiController, AdminPaymentsController, ...opsParts.controllers],
    providers: [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: REDIS, useValue: redis },
      { provide: ParticipantsRepository, useValue: participants },
      { provide: OperatorsRepository, useValue: operators },
      { provide: PaymentsRepository, useValue: payments },
      { provide: PaymentsService, useValue: new PaymentsService(config, rt.pool, payments, idempotency, fx, screening, cache, webhooks, cursors) },
      { provide: AdminService, useValue: admin },
      { provide: FxClient, useValue: fx },
      { provide: ListCursorCodec, useValue: cursors },
      { provide: LedgerClient, useValue: ledger },
      BankAuthGuard,
      OperatorGuard,
      { provide: APP_GUARD, useClass: JsonBodyGuard },
      { provide: POOL, useValue: rt.pool },
      { provide: LOGGER, useValue: rt.log },
      { provide: ParticipantCache, useValue: cache },
      { provide: RateLimiter, useValue: limiter },
      { provide: IdempotencyService, useValue: idempotency },
      { provide: QuotesService, useValue: new QuotesService(fx, cache, idempotency) },
      { provide: WebhookRepository, useValue: webhooks },
      { provide: ScreeningAdminService, useValue: new ScreeningAdminService(screening, cache, cursors) },
      { provide: WebhookAdminService, useValue: new WebhookAdminService(config, webhooks, cursors) },
      { provide: AdminPaymentsService, useValue: new AdminPaymentsService(config, rt.pool, new AdminPaymentsRepository(rt.pool), idempotency, waiter, cursors) },
      ...opsParts.providers,
    ],
  })
  class GatewayModule {}

  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: GatewayModule,
    transports: [transport],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      housekeeping.stop();
      await dispatcher.stop();
      await listener.close();
      fx.close();
      redis.disconnect();
      await rt.close();
    },
  });
  rt.connectInBackground();
  await dispatcher.start();
  housekeeping.start();
}

startOrExit(main);
