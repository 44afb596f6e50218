import { Module } from '@nestjs/common';
import { KafkaPgTransport, OpsModule, Runtime, retryForever, runService, startOrExit } from '@nostro/platform';
import path from 'node:path';
import { SettlementConfig, settlementConfig } from './config';
import { DecisionRepository } from './decision.repository';
import { ExceptionRepository } from './exception.repository';
import { ExceptionService } from './exception.service';
import { FinalityService } from './finality.service';
import { LedgerClient } from './ledger.client';
import { LedgerRequestRepository } from './ledger-request.repository';
import { LedgerRequestService } from './ledger-request.service';
import { LimitsRepository } from './limits.repository';
import { PaymentRepository } from './payment.repository';
import { PaymentService } from './payment.service';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationRepository } from './reconciliation.repository';
import { ReconciliationService } from './reconciliation.service';
import { SettlementHandler } from './settlement.handler';
import { SettlementService } from './settlement.service';
import { StatusEvents } from './status-events';
import { TimeoutService } from './timeout.service';

/** Wires settlement's services (plain classes; NestJS only sees the adapters). */
function build(config: SettlementConfig, rt: Runtime) {
  const events = new StatusEvents(config.KAFKA_TOPIC_PREFIX);
  const paymentRepo = new PaymentRepository();
  const requestRepo = new LedgerRequestRepository();
  const limits = new LimitsRepository();
  const ledger = new LedgerClient(
    config.LEDGER_URLS,
    { validators: config.VALIDATOR_PUBLIC_KEYS, quorum: config.LEDGER_QUORUM },
    config.LEDGER_HTTP_TIMEOUT_MS,
  );
  const payments = new PaymentService(config, paymentRepo, new DecisionRepository(), limits, events, rt.log);
  const requests = new LedgerRequestService(config, requestRepo, limits, events, rt.log);
  const exceptionRepo = new ExceptionRepository();
  const exceptions = new ExceptionService(config, paymentRepo, exceptionRepo, events, rt.log);
  const finality = new FinalityService(config, requestRepo, payments, requests, exceptions, rt.log);
  return {
    requests,
    settlement: new SettlementService(payments, requests, finality, exceptions),
    timeouts: new TimeoutService(config, rt.pool, paymentRepo, payments, ledger, rt.log, { repo: exceptionRepo, service: exceptions }),
    reconciliation: new ReconciliationService(config, new ReconciliationRepository(rt.pool), ledger, rt.log),
  };
}

async function main(): Promise<void> {
  const config = settlementConfig();
  const rt = await Runtime.create('settlement', config, path.join(__dirname, '..', 'migrations'), 8);
  if (!rt) return;
  const app = build(config, rt);
  const transport = new KafkaPgTransport({
    kafka: rt.kafka,
    pool: rt.pool,
    groupId: 'settlement',
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    log: rt.log,
    inboxRetentionHours: config.INBOX_RETENTION_HOURS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  });

  @Module({
    imports: [OpsModule.forRoot([...rt.readinessChecks(), { name: 'kafka-consumer', check: () => transport.isConnected() }])],
    controllers: [SettlementHandler, ReconciliationController],
    providers: [
      { provide: SettlementService, useValue: app.settlement },
      { provide: ReconciliationService, useValue: app.reconciliation },
    ],
  })
  class SettlementModule {}

  await retryForever(
    'system account bootstrap',
    () => app.requests.bootstrap(rt.pool),
    rt.log,
    () => false,
  );
  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: SettlementModule,
    transports: [transport],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      app.reconciliation.stop();
      await app.timeouts.stop();
      await rt.close();
    },
  });
  rt.connectInBackground();
  app.timeouts.start();
  app.reconciliation.start();
}

startOrExit(main);
