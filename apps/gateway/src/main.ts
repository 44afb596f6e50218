import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { OpsConsoleModule } from '@nostro/ops-console';
import { KafkaPgTransport, ListCursorCodec, OpsModule, PiiCipher, Runtime, runService, startOrExit, PgListener } from '@nostro/platform';
import Redis from 'ioredis';
import path from 'node:path';
import { AdminController } from './admin/admin.controller';
import { NonceRepository } from './auth/nonce.repository';
import { AdminRequestsRepository } from './admin/admin-requests.repository';
import { AdminService } from './admin/admin.service';
import { BankAuthGuard, JsonBodyGuard, OperatorGuard } from './auth/auth.guards';
import { AccountsController } from './accounts/accounts.controller';
import { IncomingPaymentsController } from './payments/incoming.controller';
import { PaymentsController } from './payments/payments.controller';
import { QuotesController } from './quotes/quotes.controller';
import { gatewayConfig, opsConsoleConfig } from './config';
import { EventsHandler } from './payments/payment-events.handler';
import { FxClient } from './quotes/fx.client';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { KeysController } from './keys/keys.controller';
import { ParticipantKeysController } from './keys/participant-keys.controller';
import { ParticipantKeysService } from './participants/participant-keys.service';
import { LedgerClient } from './ledger/ledger.client';
import { OperatorsRepository } from './operators/operators.repository';
import { ParticipantsRepository } from './participants/participants.repository';
import { PaymentsRepository } from './payments/payments.repository';
import { PaymentsService } from './payments/payments.service';
import { RequestWaiter } from './admin/request-waiter';
import { ExceptionsController } from './exceptions/exceptions.controller';
import { StatementsController } from './statements/statements.controller';
import { AuditController } from './audit/audit.controller';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsRepository } from './approvals/approvals.repository';
import { ApprovalsService } from './approvals/approvals.service';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { Iso20022Controller } from './iso20022/iso20022.controller';
import { Iso20022Service } from './iso20022/iso20022.service';
import { StatementsRepository } from './statements/statements.repository';
import { StatementsService } from './statements/statements.service';
import { ExceptionsRepository } from './exceptions/exceptions.repository';
import { ExceptionsService } from './exceptions/exceptions.service';
import { GATEWAY_CONFIG, LOGGER, POOL, REDIS } from './common/tokens';
import { AdminOpsController } from './admin/admin-ops.controller';
import { Housekeeping } from './common/housekeeping';
import { HousekeepingRepository } from './common/housekeeping.repository';
import { OpenApiController } from './openapi/openapi.controller';
import { ParticipantCache } from './participants/participant.cache';
import { QuotesService } from './quotes/quotes.service';
import { RateLimiter } from './auth/rate-limiter';
import { ScreeningAdminService } from './screening/screening-admin.service';
import { ScreeningRepository } from './screening/screening.repository';
import { ScreeningService } from './screening/screening.service';
import { WebhookAdminService } from './webhooks/webhook-admin.service';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookEgress } from './webhooks/webhook-egress';
import { WebhookRepository } from './webhooks/webhook.repository';
import { AdminPaymentsController } from './admin/admin-payments.controller';
import { QueuesController } from './queues/queues.controller';
import { QueuesService } from './queues/queues.service';
import { AdminPaymentsRepository } from './admin/admin-payments.repository';
import { AdminPaymentsService } from './admin/admin-payments.service';
import { GatewayOpsHost } from './ops/ops-host.adapter';
import { CustomerData } from './customer-data/customer-data.service';
import { CustomerDataController } from './customer-data/customer-data.controller';
import { CustomerDataRepository } from './customer-data/customer-data.repository';

async function main(): Promise<void> {
  const config = gatewayConfig();
  const rt = await Runtime.create('gateway', config, path.join(__dirname, '..', 'migrations'), 12);
  if (!rt) return;
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (error) => rt.log.warn({ err: error.message }, 'redis error'));
  const participants = new ParticipantsRepository(rt.pool);
  const operators = new OperatorsRepository(rt.pool);
  const payments = new PaymentsRepository(rt.pool);
  const customerData = new CustomerData(
    new PiiCipher(config.keks.current, config.keks.previous),
    new CustomerDataRepository(rt.pool),
    rt.log,
    config.PII_RETENTION_DAYS,
  );
  // Before anything is written: a wrong key-encryption key stops start-up here (docs/security.md).
  await customerData.checkKeys();
  const exceptions = new ExceptionsRepository(rt.pool);
  const idempotency = new IdempotencyService(rt.pool, new IdempotencyRepository(rt.pool));
  const fx = new FxClient(config.FX_QUOTE_URL);
  const ledger = new LedgerClient(config.LEDGER_URLS);
  const listener = new PgListener(rt.pool, rt.log);
  const adminRequests = new AdminRequestsRepository(rt.pool);
  const waiter = new RequestWaiter(adminRequests);
  await waiter.start(listener);
  const screeningRepo = new ScreeningRepository(rt.pool);
  const cache = new ParticipantCache(participants, (id) => screeningRepo.allLimits(id));
  await cache.start(listener);
  const screening = new ScreeningService(config, screeningRepo, rt.log);
  const webhooks = new WebhookRepository(rt.pool);
  const egress = new WebhookEgress(config.WEBHOOK_ALLOW_PRIVATE);
  if (config.WEBHOOK_ALLOW_PRIVATE)
    rt.log.info('WEBHOOK_ALLOW_PRIVATE=on: webhooks may go to loopback, link-local and private addresses (local and test stacks only)');
  const dispatcher = new WebhookDispatcher(config, listener, webhooks, ledger, egress, rt.log, customerData);
  const housekeeping = new Housekeeping(new HousekeepingRepository(rt.pool), rt.log);
  const limiter = new RateLimiter(redis, config.REDIS_KEY_PREFIX, config.RATE_LIMIT_PER_S, config.RATE_LIMIT_BURST ?? config.RATE_LIMIT_PER_S, rt.log);
  const cursors = new ListCursorCodec(config.networkSeed);
  const queues = new QueuesService(ledger, cursors);
  const participantKeys = new ParticipantKeysService(config, rt.pool, participants, idempotency, cache);
  const admin = new AdminService(config, rt.pool, participants, operators, idempotency, waiter, ledger, cache, cursors, adminRequests, participantKeys, egress);
  const screeningAdmin = new ScreeningAdminService(screening, cache, cursors);
  const webhookAdmin = new WebhookAdminService(config, webhooks, cursors, customerData);
  const paymentsService = new PaymentsService(config, rt.pool, payments, idempotency, fx, screening, cache, webhooks, cursors, exceptions, customerData);
  const exceptionsService = new ExceptionsService(config, rt.pool, payments, exceptions, adminRequests, idempotency, waiter, customerData);
  const audit = new AuditService(new AuditRepository(rt.pool), cursors, rt.log);
  const approvals = new ApprovalsService(new ApprovalsRepository(rt.pool), operators, cursors, config.APPROVAL_TTL_MS);
  const statements = new StatementsService(ledger, new StatementsRepository(rt.pool), cache, cursors);
  const iso = new Iso20022Service(paymentsService, exceptionsService, ledger);
  process.on('SIGHUP', () => {
    try {
      screening.reload();
    } catch (error) {
      rt.log.error({ err: error }, 'SIGHUP: sanctions list not reloaded');
    }
  });
  await admin.bootstrapAdmin();
  const transport = new KafkaPgTransport({
    kafka: rt.kafka,
    pool: rt.pool,
    groupId: config.KAFKA_CONSUMER_GROUP,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    log: rt.log,
    inboxRetentionHours: config.INBOX_RETENTION_HOURS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  });

  const opsConsole = OpsConsoleModule.register({
    config: opsConsoleConfig(config),
    ledgerUrls: config.LEDGER_URLS,
    kafkaTopicPrefix: config.KAFKA_TOPIC_PREFIX,
    pool: rt.pool,
    kafka: rt.kafka,
    log: rt.log,
    cursors,
    host: new GatewayOpsHost(
      rt.pool,
      operators,
      payments,
      participants,
      ledger,
      screeningAdmin,
      webhookAdmin,
      exceptions,
      statements,
      iso,
      customerData,
      queues,
    ),
  });
  @Module({
    imports: [
      OpsModule.forRoot([
        ...rt.readinessChecks(),
        { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
        { name: 'kafka-consumer', check: () => transport.isConnected() },
      ]),
      DiscoveryModule,
      opsConsole,
    ],
    controllers: [
      QuotesController,
      PaymentsController,
      IncomingPaymentsController,
      ExceptionsController,
      AccountsController,
      StatementsController,
      Iso20022Controller,
      AuditController,
      ApprovalsController,
      AdminController,
      KeysController,
      ParticipantKeysController,
      EventsHandler,
      AdminOpsController,
      OpenApiController,
      AdminPaymentsController,
      QueuesController,
      CustomerDataController,
    ],
    providers: [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: REDIS, useValue: redis },
      { provide: ParticipantsRepository, useValue: participants },
      { provide: AdminRequestsRepository, useValue: adminRequests },
      { provide: OperatorsRepository, useValue: operators },
      { provide: PaymentsRepository, useValue: payments },
      { provide: PaymentsService, useValue: paymentsService },
      { provide: CustomerData, useValue: customerData },
      { provide: ExceptionsRepository, useValue: exceptions },
      { provide: StatementsService, useValue: statements },
      { provide: ExceptionsService, useValue: exceptionsService },
      { provide: AuditService, useValue: audit },
      { provide: ApprovalsService, useValue: approvals },
      { provide: Iso20022Service, useValue: iso },
      { provide: AdminService, useValue: admin },
      { provide: ParticipantKeysService, useValue: participantKeys },
      { provide: FxClient, useValue: fx },
      { provide: ListCursorCodec, useValue: cursors },
      { provide: LedgerClient, useValue: ledger },
      { provide: QueuesService, useValue: queues },
      BankAuthGuard,
      { provide: NonceRepository, useValue: new NonceRepository(rt.pool) },
      OperatorGuard,
      { provide: APP_GUARD, useClass: JsonBodyGuard },
      { provide: POOL, useValue: rt.pool },
      { provide: LOGGER, useValue: rt.log },
      { provide: ParticipantCache, useValue: cache },
      { provide: RateLimiter, useValue: limiter },
      { provide: IdempotencyService, useValue: idempotency },
      { provide: QuotesService, useValue: new QuotesService(fx, cache, idempotency) },
      { provide: WebhookRepository, useValue: webhooks },
      { provide: ScreeningAdminService, useValue: screeningAdmin },
      { provide: WebhookAdminService, useValue: webhookAdmin },
      {
        provide: AdminPaymentsService,
        useValue: new AdminPaymentsService(config, rt.pool, new AdminPaymentsRepository(rt.pool), idempotency, waiter, cursors, exceptions, customerData),
      },
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
    xmlBodies: true,
    // Every state-changing /v1/admin call is in the audit chain before its answer leaves.
    configure: (fastify) => {
      fastify.addHook('onSend', async (request, reply, payload) => audit.onSend(request, reply, payload));
      approvals.attach(fastify);
    },
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      housekeeping.stop();
      customerData.stop();
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
  customerData.start();
}

startOrExit(main);
