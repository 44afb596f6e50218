import { Controller, DynamicModule, Get, Inject, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CHECK_TIMEOUT_MS).unref());
  try {
    return await Promise.race([Promise.resolve(check.check()), timeout]);
  } catch {
    return false;
  }
}

@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** Ready only when every dependency (Postgres, Redis, Kafka, …) answers. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: string; checks: Record<string, string> }> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const ok = results.every(([, up]) => up);
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'unavailable', checks: Object.fromEntries(results.map(([n, up]) => [n, up ? 'up' : 'down'])) };
  }
}

@Controller()
export class MetricsController {
  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', register.contentType);
    return register.metrics();
  }
}

let defaultMetricsStarted = false;
/**
 * How often the event loop's delay is sampled for `nodejs_eventloop_lag_*`. prom-client's default, 10 ms, woke every
 * service 100 times a second, idle or not. Each sample is the time between two checks, so the lag is the reported
 * value minus this: the alert NostroEventLoopLagHigh and the dashboard (k8s/monitoring) subtract 0.1 s.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Health and Prometheus endpoints for one service. */
@Module({})
export class OpsModule {
  static forRoot(checks: ReadinessCheck[]): DynamicModule {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics({ eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
      defaultMetricsStarted = true;
    }
    return {
      module: OpsModule,
      controllers: [HealthController, MetricsController],
      providers: [{ provide: READINESS_CHECKS, useValue: checks }],
    };
  }
}
