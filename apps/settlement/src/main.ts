import { Module } from '@nestjs/common';
import { KafkaPgTransport, OpsModule, Runtime, retryForever, runService, startOrExit } from '@nostro/platform';
import path from 'node:path';
import { settlementConfig } from './config';
import { SettlementHandler } from './settlement.handler';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';

async function main(): Promise<void> {
  const config = settlementConfig();
  const rt = await Runtime.create('settlement', config, path.join(__dirname, '..', 'migrations'));
  if (!rt) return;
  const service = new SettlementService(config, new SettlementRepository(), rt.log);
  const transport = new KafkaPgTransport({ kafka: rt.kafka, pool: rt.pool, groupId: 'settlement', topicPrefix: config.KAFKA_TOPIC_PREFIX, log: rt.log });

  @Module({
    imports: [OpsModule.forRoot([...rt.readinessChecks(), { name: 'kafka-consumer', check: () => transport.isConnected() }])],
    controllers: [SettlementHandler],
    providers: [{ provide: SettlementService, useValue: service }],
  })
  class SettlementModule {}

  await retryForever('system account bootstrap', () => service.bootstrap(rt.pool), rt.log, () => false);
  await runService({
    name: rt.name,
    host: config.HOST,
    port: config.PORT,
    log: rt.log,
    module: SettlementModule,
    transports: [transport],
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onClose: () => rt.close(),
  });
  rt.connectInBackground();
}

startOrExit(main);
