import { Provider, Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Logger, Pool, ListCursorCodec } from '@nostro/platform';
import type { Kafka } from 'kafkajs';
import { GatewayConfig } from '../config';
import { LedgerClient } from '../ledger/ledger.client';
import { OperatorsRepository } from '../operators/operators.repository';
import { ParticipantsRepository } from '../participants/participants.repository';
import { PaymentsRepository } from '../payments/payments.repository';
import { ScreeningAdminService } from '../screening/screening-admin.service';
import { POOL } from '../common/tokens';
import { WebhookAdminService } from '../webhooks/webhook-admin.service';
import { OpsActionsController } from './ops-actions.controller';
import { OpsActionsService } from './ops-actions.service';
import { OpsAdminForwarder } from './ops-admin.forwarder';
import { OpsApiController } from './ops-api.controller';
import { OpsAuditRepository } from './ops-audit.repository';
import { OpsSessionGuard } from './ops-auth.guard';
import { OpsHeadersInterceptor } from './ops-headers.interceptor';
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
import { OpsConfig, opsConfig } from './ops.config';
import { OPS_CONFIG } from './ops.tokens';

export interface OpsConsoleDeps {
  config: GatewayConfig;
  kafka: Kafka;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * The operations console's controllers and providers, added to the gateway's module (apps/gateway/src/main.ts).
 * They use the gateway's own providers (pool, repositories, operator API services) by their tokens. The
 * console's configuration is read here, at start-up, so a bad value stops the gateway with one line.
 */
export function opsConsole(deps: OpsConsoleDeps): { controllers: Type[]; providers: Provider[] } {
  const ops = opsConfig(deps.env ?? process.env, deps.config.PUBLIC_BASE_URL);
  const log = deps.log.child({ component: 'ops-console' });
  return {
    controllers: [OpsSessionController, OpsApiController, OpsActionsController, OpsStreamController, OpsStaticController],
    providers: [
      { provide: OPS_CONFIG, useValue: ops },
      { provide: OpsSessionRepository, useFactory: (pool: Pool) => new OpsSessionRepository(pool), inject: [POOL] },
      { provide: OpsAuditRepository, useFactory: (pool: Pool) => new OpsAuditRepository(pool), inject: [POOL] },
      { provide: OpsPaymentsRepository, useFactory: (pool: Pool) => new OpsPaymentsRepository(pool, ops.queryTimeoutMs), inject: [POOL] },
      { provide: OpsOverviewRepository, useFactory: (pool: Pool) => new OpsOverviewRepository(pool), inject: [POOL] },
      { provide: OpsLedgerClient, useValue: new OpsLedgerClient(deps.config.LEDGER_URLS) },
      { provide: OpsKafkaLag, useValue: new OpsKafkaLag(deps.kafka, deps.config.KAFKA_TOPIC_PREFIX) },
      { provide: OpsAdminForwarder, useFactory: (host: HttpAdapterHost) => new OpsAdminForwarder(host), inject: [HttpAdapterHost] },
      {
        provide: OpsSessionService,
        useFactory: (s: OpsSessionRepository, o: OperatorsRepository, a: OpsAuditRepository) => new OpsSessionService(ops, s, o, a),
        inject: [OpsSessionRepository, OperatorsRepository, OpsAuditRepository],
      },
      {
        provide: OpsOverviewService,
        useFactory: (r: OpsOverviewRepository, p: OpsPaymentsRepository, l: OpsLedgerClient, k: OpsKafkaLag, w: WebhookAdminService) => new OpsOverviewService(r, p, l, k, w, log),
        inject: [OpsOverviewRepository, OpsPaymentsRepository, OpsLedgerClient, OpsKafkaLag, WebhookAdminService],
      },
      {
        provide: OpsReadService,
        useFactory: (...d: ConstructorParameters<typeof OpsReadService>) => new OpsReadService(...d),
        inject: [OpsPaymentsRepository, PaymentsRepository, ParticipantsRepository, LedgerClient, OpsLedgerClient, ScreeningAdminService, OpsAuditRepository, OpsAdminForwarder, ListCursorCodec],
      },
      { provide: OpsActionsService, useFactory: (f: OpsAdminForwarder, a: OpsAuditRepository) => new OpsActionsService(f, a), inject: [OpsAdminForwarder, OpsAuditRepository] },
      {
        provide: OpsStreamService,
        useFactory: (c: OpsConfig, pool: Pool, p: OpsPaymentsRepository, o: OpsOverviewService, s: OpsSessionService) => new OpsStreamService(c, pool, p, o, s, log),
        inject: [OPS_CONFIG, POOL, OpsPaymentsRepository, OpsOverviewService, OpsSessionService],
      },
      OpsSessionGuard,
      OpsHeadersInterceptor,
    ],
  };
}

export type { OpsConfig };
