import { Kafka, logLevel as KafkaLogLevel, LogEntry, TopicPartitionOffset } from 'kafkajs';
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

/** How often a consumer tells Kafka how far it got (a hint; see {@link OffsetHints}). */
export const OFFSET_HINT_INTERVAL_MS = 1_000;

/**
 * The offsets a consumer commits to Kafka as a hint (its authoritative offsets are in Postgres, committed with each
 * batch's effects): tools and the ops console read consumer lag from them. Committed at most once per `intervalMs`,
 * with the latest offset of each partition, instead of after every batch: an offset commit is a round trip to the
 * broker and an append to its offsets log, and at low rates a consumer finishes a batch for almost every message.
 * The lag shown is at most `intervalMs` (and a batch) old; a failed commit is dropped, the next one carries on.
 */
export class OffsetHints {
  private readonly pending = new Map<string, TopicPartitionOffset>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly intervalMs = OFFSET_HINT_INTERVAL_MS,
  ) {}

  /** `offset` is the next offset to consume in the partition. */
  note(topic: string, partition: number, offset: string): void {
    this.pending.set(`${partition} ${topic}`, { topic, partition, offset });
    // Unreferenced: a hint never keeps a process alive (close() flushes it).
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** Commits what is pending now (at shutdown, before the consumer disconnects). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    if (offsets.length > 0) await this.commit(offsets).catch(() => undefined);
  }
}
