import { Module } from '@nestjs/common';
import { KafkaPgTransport, OpsModule, Runtime, runService, startOrExit } from '@nostro/platform';
import Redis from 'ioredis';
import path from 'node:path';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { BankAuthGuard, OperatorGuard } from './auth.guards';
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
import { GATEWAY_CONFIG, REDIS } from './tokens';

async function main(): Promise<void> {
  const config = gatewayConfig();
  const rt = await Runtime.create('gateway', config, path.join(__dirname, '..', 'migrations'), 20);
  if (!rt) return;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (error) => rt.log.warn({ err: error.message }, 'redis error'));
  const participants = new ParticipantsRepository(rt.pool);
  const operators = new OperatorsRepository(rt.pool);
  const payments = new PaymentsRepository(rt.pool);
  const idempotency = new IdempotencyService(rt.pool);
  const fx = new FxClient(config.FX_QUOTE_URL);
  const ledger = new LedgerClient(config.LEDGER_URLS);
  const waiter = new RequestWaiter(rt.pool, rt.log);
  const admin = new AdminService(config, rt.pool, participants, operators, idempotency, waiter, ledger);
  await admin.bootstrapAdmin();
  const transport = new KafkaPgTransport({ kafka: rt.kafka, pool: rt.pool, groupId: 'gateway', topicPrefix: config.KAFKA_TOPIC_PREFIX, log: rt.log });

  @Module({
    imports: [
      OpsModule.forRoot([
        ...rt.readinessChecks(),
        { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
        { name: 'kafka-consumer', check: () => transport.isConnected() },
      ]),
    ],
    controllers: [BankController, AdminController, KeysController, EventsHandler],
    providers: [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: REDIS, useValue: redis },
      { provide: ParticipantsRepository, useValue: participants },
      { provide: OperatorsRepository, useValue: operators },
      { provide: PaymentsRepository, useValue: payments },
      { provide: PaymentsService, useValue: new PaymentsService(config, rt.pool, payments, idempotency, fx) },
      { provide: AdminService, useValue: admin },
      { provide: FxClient, useValue: fx },
      { provide: LedgerClient, useValue: ledger },
      BankAuthGuard,
      OperatorGuard,
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
      await waiter.close();
      redis.disconnect();
      await rt.close();
    },
  });
  rt.connectInBackground();
}

startOrExit(main);
