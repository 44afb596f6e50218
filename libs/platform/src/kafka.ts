import { Kafka, logLevel as KafkaLogLevel, LogEntry } from 'kafkajs';
import { Logger } from './logger';

export function topicName(prefix: string, suffix: string): string {
  return `${prefix}${suffix}`;
}

/** A kafkajs client whose log lines go through our structured logger. */
export function createKafka(brokers: string[], clientId: string, log: Logger): Kafka {
  const child = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (level <= KafkaLogLevel.ERROR) child.error(rest, message);
        else child.warn(rest, message);
      },
  });
}

export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

/** Retries `fn` with capped exponential backoff until it succeeds or `isStopped()`; logs one line per failure. */
export async function retryForever(what: string, fn: () => Promise<void>, log: Logger, isStopped: () => boolean): Promise<boolean> {
  let delayMs = 500;
  while (!isStopped()) {
    try {
      await fn();
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, `${what} failed (${reason}); retrying in ${Math.round(delayMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 15_000);
    }
  }
  return false;
}
