import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from './config';
import { KafkaPgTransport } from './kafka-pg.transport';
import { Logger, correlationIdFrom } from './logger';
import { clientErrorHandler, drainUnreadBody, frameworkErrors, parseJsonBody, parseXmlBody, refuseContentCoding } from './http-edge';
import { httpDuration } from './metrics';
import { ProblemFilter } from './problem';

/** Request bodies are limited to 1 MiB (API.md, Conventions). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string): void {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}

export interface ServiceOptions {
  name: string;
  host: string;
  port: number;
  log: Logger;
  module: unknown;
  transports?: KafkaPgTransport[];
  shutdownTimeoutMs: number;
  /** Accept `application/xml` bodies (kept as text) besides JSON: the gateway's ISO 20022 routes. */
  xmlBodies?: boolean;
  /** Adds the service's own Fastify hooks before it listens (the gateway's audit of operator calls). */
  configure?: (fastify: FastifyInstance) => void;
  /** Called after HTTP and consumers stopped: stop relays, close pools and producers. */
  onClose?: () => Promise<void>;
}

/** Starts one service: HTTP (Fastify) + Kafka transports, JSON logs with correlation ids, graceful shutdown. */
export async function runService(options: ServiceOptions): Promise<NestFastifyApplication> {
  const { log } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => correlationIdFrom(req.headers['x-correlation-id']),
    trustProxy: false,
    frameworkErrors,
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module as never, adapter, {
    rawBody: true,
    logger: new PinoNestLogger(log.child({ component: 'nest' })),
  });
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, parseJsonBody);
  if (options.xmlBodies) app.useBodyParser(['application/xml', 'text/xml'], { bodyLimit: BODY_LIMIT_BYTES }, parseXmlBody);
  app.useGlobalFilters(new ProblemFilter(log));
  instrument(app, log);
  options.configure?.(app.getHttpAdapter().getInstance());
  for (const strategy of options.transports ?? []) app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.port, options.host);
  log.info({ port: options.port, host: options.host }, `${options.name} listening on http://${options.host}:${options.port}`);
  handleSignals(app, options);
  return app;
}

function instrument(app: NestFastifyApplication, log: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', refuseContentCoding);
  fastify.addHook('onSend', drainUnreadBody);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-correlation-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    httpDuration.labels(request.method, route, String(reply.statusCode)).observe(seconds);
    if (route.startsWith('/health') || route === '/metrics') return;
    log.info({ correlationId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
}

function handleSignals(app: NestFastifyApplication, options: ServiceOptions): void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    options.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      options.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    void (async () => {
      await app.close();
      await options.onClose?.();
      options.log.info('stopped');
      process.exit(0);
    })().catch((error: unknown) => {
      options.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Runs `main` and turns a configuration problem into one clear line and exit status 78,
 * and any other start-up failure into a logged error and status 1.
 */
export function startOrExit(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
