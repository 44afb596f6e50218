import { DynamicModule, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ListCursorCodec, Logger, Pool } from '@nostro/platform';
import type { Kafka } from 'kafkajs';
import { OpsActionsController } from './ops-actions.controller';
import { OpsActionsService } from './ops-actions.service';
import { OpsAdminForwarder } from './ops-admin.forwarder';
import { OpsApiController } from './ops-api.controller';
import { OpsAuditRepository } from './ops-audit.repository';
import { OpsSessionGuard } from './ops-auth.guard';
import { OpsHeadersInterceptor } from './ops-headers.interceptor';
import { OpsConsoleHost } from './ops-host.port';
import { OpsKafkaLag } from './ops-kafka-lag';
import { OpsLedgerClient } from './ops-ledger.client';
import { OpsOverviewRepository } from './ops-overview.repository';
import { OpsOverviewService } from './ops-overview.service';
import { OpsPaymentsRepository } from './ops-payments.repository';
import { OpsReadService } from './ops-read.service';
import { OpsSessionController } from './ops-session.controller';
import { OpsSessionRepository } from './ops-session.repository';
import { OpsSessionService } from './ops-session.service';
import { OpsStaticController } from './ops-static.controller';
import { OpsStreamController } from './ops-stream.controller';
import { OpsStreamService } from './ops-stream.service';
import { OpsConfig } from './ops.config';
import { OPS_CONFIG } from './ops.tokens';

/** What the console needs from the service that mounts it (the gateway). */
export interface OpsConsoleDeps {
  /** The console's settings, read once at start-up (opsConfig). */
  config: OpsConfig;
  /** The validators' internal APIs (the host's LEDGER_URLS): status and the block explorer. */
  ledgerUrls: string[];
  /** The deployment's topic and consumer group prefix (KAFKA_TOPIC_PREFIX), for the consumer lag. */
  kafkaTopicPrefix: string;
  /** The host's database: sessions, audit log, its payments read model. */
  pool: Pool;
  kafka: Kafka;
  log: Logger;
  /** The host's list cursor codec, so the console's cursors are keyed like every other list's. */
  cursors: ListCursorCodec;
  /** The host's reads the console shows (operators, payments, participants, ledger, screening, webhooks). */
  host: OpsConsoleHost;
}

/**
 * The operations console (docs/ops-console.md): its controllers under /ops and the providers behind them, as a
 * NestJS module the gateway imports (apps/gateway/src/main.ts). Everything it needs from the gateway comes in
 * through `deps`; operator actions go through the gateway's own operator API in-process (OpsAdminForwarder).
 */
@Module({})
export class OpsConsoleModule {
  static register(deps: OpsConsoleDeps): DynamicModule {
    const ops = deps.config;
    const pool = deps.pool;
    const log = deps.log.child({ component: 'ops-console' });
    return {
      module: OpsConsoleModule,
      controllers: [OpsSessionController, OpsApiController, OpsActionsController, OpsStreamController, OpsStaticController],
      providers: [
        { provide: OPS_CONFIG, useValue: ops },
        { provide: OpsSessionRepository, useValue: new OpsSessionRepository(pool) },
        { provide: OpsAuditRepository, useValue: new OpsAuditRepository(pool) },
        { provide: OpsPaymentsRepository, useValue: new OpsPaymentsRepository(pool, ops.queryTimeoutMs) },
        { provide: OpsOverviewRepository, useValue: new OpsOverviewRepository(pool) },
        { provide: OpsLedgerClient, useValue: new OpsLedgerClient(deps.ledgerUrls) },
        { provide: OpsKafkaLag, useValue: new OpsKafkaLag(deps.kafka, deps.kafkaTopicPrefix) },
        { provide: OpsAdminForwarder, useFactory: (host: HttpAdapterHost) => new OpsAdminForwarder(host), inject: [HttpAdapterHost] },
        {
          provide: OpsSessionService,
          useFactory: (s: OpsSessionRepository, a: OpsAuditRepository) => new OpsSessionService(ops, s, deps.host, a),
          inject: [OpsSessionRepository, OpsAuditRepository],
        },
        {
          provide: OpsOverviewService,
          useFactory: (r: OpsOverviewRepository, p: OpsPaymentsRepository, l: OpsLedgerClient, k: OpsKafkaLag) =>
            new OpsOverviewService(r, p, l, k, deps.host, log),
          inject: [OpsOverviewRepository, OpsPaymentsRepository, OpsLedgerClient, OpsKafkaLag],
        },
        {
          provide: OpsReadService,
          useFactory: (p: OpsPaymentsRepository, l: OpsLedgerClient, a: OpsAuditRepository, f: OpsAdminForwarder) =>
            new OpsReadService(p, deps.host, l, a, f, deps.cursors),
          inject: [OpsPaymentsRepository, OpsLedgerClient, OpsAuditRepository, OpsAdminForwarder],
        },
        {
          provide: OpsActionsService,
          useFactory: (f: OpsAdminForwarder, a: OpsAuditRepository) => new OpsActionsService(f, a),
          inject: [OpsAdminForwarder, OpsAuditRepository],
        },
        {
          provide: OpsStreamService,
          useFactory: (p: OpsPaymentsRepository, o: OpsOverviewService, s: OpsSessionService) => new OpsStreamService(ops, pool, p, o, s, log),
          inject: [OpsPaymentsRepository, OpsOverviewService, OpsSessionService],
        },
        OpsSessionGuard,
        OpsHeadersInterceptor,
      ],
    };
  }
}

export type { OpsConfig };
