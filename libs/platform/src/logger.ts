import { randomUUID } from 'node:crypto';
import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs on stdout, one object per line, with the service name on every line. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.signature'], censor: '[redacted]' },
  });
}

const CORRELATION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is sane, else a new one. */
export function correlationIdFrom(value: unknown): string {
  return typeof value === 'string' && CORRELATION_PATTERN.test(value) ? value : randomUUID();
}
