import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { withTransaction } from './db';
import { OffsetHints, headersToStrings, retryForever, topicName } from './kafka';
import { DEFAULT_INBOX_RETENTION_HOURS, InboxPruner } from './inbox';
import { Logger, correlationIdFrom } from './logger';
import { counter } from './metrics';
import { OutboxMessage, enqueueOutbox } from './outbox';

/** Malformed messages sent to the dead-letter topic, by the topic they came from (alert NostroDeadLettersGrowing). */
const deadLetters = counter('nostro_dead_letters_total', 'Malformed messages sent to the dead-letter topic, by origin topic', ['topic']);
/** Batches acknowledged without a Postgres transaction: none of their messages concerned the handler (PatternExtras.relevant). */
const batchesPassed = counter(
  'nostro_consumer_batches_passed_total',
  'Consumed batches none of whose messages concerned the handler, acknowledged without a transaction',
  ['topic'],
);

export interface ConsumedMessage<T> {
  id: string;
  key: string | null;
  value: T;
  offset: string;
  /** Broker timestamp, Unix ms. */
  timestamp: number;
  correlationId: string;
}

/** Everything a handler may touch: one Postgres transaction that also records the offsets and message ids. */
export interface BatchContext {
  tx: PoolClient;
  topic: string;
  partition: number;
  log: Logger;
  publish(messages: readonly OutboxMessage[]): Promise<void>;
  topicName(suffix: string): string;
}

export interface KafkaBatch<T> {
  messages: ConsumedMessage<T>[];
  ctx: BatchContext;
}

/** Options a handler passes as the second argument of `@EventPattern(topicSuffix, { schema })`. */
export interface PatternExtras {
  schema: z.ZodType;
  /**
   * True when every state change the handler makes is idempotent by business key, so that a message delivered twice
   * (the outbox relay may publish one twice, at a later offset) changes nothing the second time: the transport then
   * writes no inbox row for the topic's messages (one insert per message saved), and relies on the stored offsets
   * and on the handler. Only for handlers whose every branch checks the state it changes (docs/architecture.md,
   * "Exactly-once effects").
   */
  idempotent?: boolean;
  /**
   * With `idempotent`: whether the handler acts on a message (a filter on its value, which passed `schema`). A batch of
   * well-formed messages none of which is relevant is acknowledged without a Postgres transaction: the handler is not
   * called and the partition's stored offset does not move, for at most `unstoredOffsetsMaxMs` after it last moved, so
   * a consumer that starts again reads at most that much again, which changes nothing. For consumers of a topic most
   * of whose messages concern someone else (fx-quote takes only final payment statuses from settlement.events).
   */
  relevant?: (value: never) => boolean;
}

export interface KafkaPgTransportOptions {
  kafka: Kafka;
  pool: Pool;
  groupId: string;
  topicPrefix: string;
  log: Logger;
  fromBeginning?: boolean;
  /** How long the message ids seen stay in the inbox (`INBOX_RETENTION_HOURS`); default 168 h. */
  inboxRetentionHours?: number;
  /** The consumer group session (`KAFKA_SESSION_TIMEOUT_MS`); default {@link DEFAULT_SESSION_TIMEOUT_MS}. */
  sessionTimeoutMs?: number;
  /** How long a partition's stored offset may stay behind batches passed as irrelevant; default {@link UNSTORED_OFFSETS_MAX_MS}. */
  unstoredOffsetsMaxMs?: number;
}

export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** See {@link PatternExtras.relevant}: irrelevant batches go unstored in Postgres for at most this long per partition. */
export const UNSTORED_OFFSETS_MAX_MS = 5_000;
/**
 * Bytes fetched per partition, so per batch and per Postgres transaction: about a thousand messages, a second or so
 * of work even when catching up, far below the session timeout that the heartbeat after each batch must beat.
 */
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** kafkajs consumer settings for a group session: heartbeats at a third of it (at most kafkajs' 3 s default). */
export function sessionSettings(sessionTimeoutMs: number = DEFAULT_SESSION_TIMEOUT_MS): { sessionTimeout: number; heartbeatInterval: number } {
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)) };
}

/**
 * A NestJS microservice transport over kafkajs whose offsets live in Postgres.
 * For each `@EventPattern(topic)` handler it consumes batches and, in one Postgres transaction: skips messages below
 * the stored offset, drops message ids already seen, sends malformed messages to the dead-letter topic (via the
 * outbox), calls the handler with the valid ones, and stores the next offset. Kafka's own offset commit follows,
 * as a hint only. On group join it seeks to the stored offsets. While it listens, an {@link InboxPruner} forgets the
 * group's message ids older than the inbox retention.
 */
export class KafkaPgTransport extends Server implements CustomTransportStrategy {
  private consumer: Consumer | null = null;
  private stopped = false;
  private connected = false;

  private readonly options: KafkaPgTransportOptions;
  readonly inboxPruner: InboxPruner;
  /** When each partition's offset was last stored in Postgres, by `topic:partition` (Date.now()). */
  private readonly storedAt = new Map<string, number>();
  /** Kafka's copy of the offsets (a hint for lag tools; Postgres holds the truth), committed once a second at most. */
  private readonly offsetHints = new OffsetHints(async (offsets) => {
    await this.consumer?.commitOffsets(offsets);
  });

  /** The consumer group is namespaced by the topic prefix, so two clusters can share one broker. */
  constructor(options: KafkaPgTransportOptions) {
    super();
    this.options = { ...options, groupId: `${options.topicPrefix}${options.groupId}` };
    const retentionMs = (options.inboxRetentionHours ?? DEFAULT_INBOX_RETENTION_HOURS) * 3_600_000;
    this.inboxPruner = new InboxPruner({ pool: options.pool, log: options.log, groupId: this.options.groupId, retentionMs });
  }

  /** True once the consumer joined its group; readiness reports it. */
  isConnected(): boolean {
    return this.connected;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    void retryForever(
      'kafka consumer start',
      () => this.start(),
      this.options.log,
      () => this.stopped,
    );
    this.inboxPruner.start();
    callback();
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.inboxPruner.stop();
    await this.offsetHints.flush();
    await this.consumer?.disconnect().catch(() => undefined);
    this.connected = false;
  }

  on(): void {
    throw new Error('KafkaPgTransport does not support event listeners');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private topic(suffix: string): string {
    return topicName(this.options.topicPrefix, suffix);
  }

  private async start(): Promise<void> {
    const { kafka, groupId, fromBeginning = true } = this.options;
    const consumer = kafka.consumer({
      groupId,
      ...sessionSettings(this.options.sessionTimeoutMs),
      maxBytes: 16 * 1024 * 1024,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      // kafkajs restarts a crashed consumer by itself; joining the group again makes it ready again.
      this.connected = true;
      this.seekToStored(consumer, event.payload.memberAssignment).catch((error: unknown) =>
        // Not fatal: messages below the stored offsets are skipped anyway, inside each batch's transaction.
        this.options.log.warn({ err: error }, 'could not seek to the stored offsets'),
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.connected = false;
      if (!event.payload.restart) void this.restartAfterFatalCrash(consumer);
      this.options.log.error({ err: event.payload.error }, 'kafka consumer crashed; kafkajs restarts it');
    });
    try {
      await consumer.connect();
      for (const suffix of this.messageHandlers.keys()) await consumer.subscribe({ topic: this.topic(suffix), fromBeginning });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    this.connected = true;
    this.options.log.info({ groupId, topics: [...this.messageHandlers.keys()] }, 'kafka consumer running');
  }

  /** A crash kafkajs will not retry (it gave up): start a fresh consumer, with the same backoff as at start-up. */
  private async restartAfterFatalCrash(consumer: Consumer): Promise<void> {
    await consumer.disconnect().catch(() => undefined);
    if (this.stopped) return;
    await retryForever(
      'kafka consumer restart',
      () => this.start(),
      this.options.log,
      () => this.stopped,
    );
  }

  private async seekToStored(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const stored = await this.storedOffset(this.options.pool, topic, partition);
        if (stored !== null) consumer.seek({ topic, partition, offset: stored.toString() });
      }
    }
  }

  private async storedOffset(db: Pool, topic: string, partition: number): Promise<bigint | null> {
    const { rows } = await db.query<{ next_offset: bigint }>('SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3', [
      this.options.groupId,
      topic,
      partition,
    ]);
    return rows[0]?.next_offset ?? null;
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const suffix = batch.topic.slice(this.options.topicPrefix.length);
    const handler = this.getHandlerByPattern(suffix);
    if (!handler) throw new Error(`no handler for ${batch.topic}`);
    const extras = handler.extras as PatternExtras | undefined;
    const decoded = batch.messages.map((message) => ({ message, decoded: decode(message, extras?.schema) }));
    const partitionKey = `${batch.topic}:${batch.partition}`;
    if (this.passable(extras, decoded, partitionKey)) {
      batchesPassed.labels(batch.topic).inc();
    } else {
      await withTransaction(this.options.pool, (tx) => this.processBatch(tx, batch.topic, batch.partition, batch.messages, handler, decoded));
      this.storedAt.set(partitionKey, Date.now());
    }
    const last = batch.messages[batch.messages.length - 1].offset;
    resolveOffset(last);
    this.offsetHints.note(batch.topic, batch.partition, (BigInt(last) + 1n).toString());
    await heartbeat();
  }

  /**
   * True when the batch may be acknowledged without a transaction ({@link PatternExtras.relevant}): an idempotent
   * handler with a relevance filter, every message well-formed and none relevant, and the partition's offset stored
   * by this consumer less than `unstoredOffsetsMaxMs` ago.
   */
  private passable(extras: PatternExtras | undefined, decoded: readonly { decoded: Decoded }[], partitionKey: string): boolean {
    if (extras?.idempotent !== true || extras.relevant === undefined) return false;
    const storedAt = this.storedAt.get(partitionKey);
    if (storedAt === undefined || Date.now() - storedAt >= (this.options.unstoredOffsetsMaxMs ?? UNSTORED_OFFSETS_MAX_MS)) return false;
    const relevant = extras.relevant as (value: unknown) => boolean;
    return decoded.every((d) => 'message' in d.decoded && !relevant(d.decoded.message.value));
  }

  /**
   * One batch in the caller's transaction. The first statement both moves the stored offset past the batch and
   * answers what it was (taking the offsets row's lock, so two consumers of a partition after a rebalance run one after
   * the other), and records the valid messages' ids in the inbox; only messages at or above the stored offset whose
   * ids were new go to the handler, each id once per batch. An idempotent handler's messages skip the inbox.
   */
  private async processBatch(
    tx: PoolClient,
    topic: string,
    partition: number,
    raw: KafkaMessage[],
    handler: MessageHandler,
    decoded: readonly { message: KafkaMessage; decoded: Decoded }[] = raw.map((message) => ({
      message,
      decoded: decode(message, (handler.extras as PatternExtras | undefined)?.schema),
    })),
  ): Promise<void> {
    const extras = handler.extras as PatternExtras | undefined;
    const valid = decoded.flatMap((d) => ('message' in d.decoded ? [d.decoded.message] : []));
    const next = BigInt(raw[raw.length - 1].offset) + 1n;
    const { stored, inserted } = await this.advance(tx, topic, partition, next, extras?.idempotent === true ? [] : valid);
    const isNew = extras?.idempotent === true ? () => true : (id: string) => inserted.has(id);
    const isFresh = (offset: string) => stored === null || BigInt(offset) >= stored;
    const dead = decoded.flatMap((d) =>
      'error' in d.decoded && isFresh(d.message.offset) ? [deadLetter(this.topic('dlq'), topic, partition, d.message, d.decoded.error)] : [],
    );
    if (dead.length > 0) {
      deadLetters.labels(topic).inc(dead.length);
      this.options.log.error(
        { topic, count: dead.length, reasons: dead.map((d) => d.headers?.['x-dlq-reason']) },
        'malformed messages sent to the dead-letter topic',
      );
      await enqueueOutbox(tx, dead);
    }
    const seenInBatch = new Set<string>();
    const unseen = valid.filter((m) => {
      if (!isFresh(m.offset) || !isNew(m.id) || seenInBatch.has(m.id)) return false;
      seenInBatch.add(m.id);
      return true;
    });
    const ctx = this.context(tx, topic, partition);
    if (unseen.length > 0) await lastValueFrom(this.transformToObservable(await handler({ messages: unseen, ctx })), { defaultValue: undefined });
  }

  /**
   * Stores `next` as the partition's next offset (never moving it back) and answers the offset stored before, or null
   * for a partition never consumed; inserts the messages' ids into the inbox and answers those that were new. One
   * statement: the upsert keeps the value it replaced in `previous_offset`, read from the row it locked, so a
   * consumer that waited for another's transaction sees that transaction's offset. Ids of messages below the stored
   * offset may be inserted too: they were processed already, so remembering them is harmless.
   */
  private async advance(
    tx: PoolClient,
    topic: string,
    partition: number,
    next: bigint,
    messages: readonly ConsumedMessage<unknown>[],
  ): Promise<{ stored: bigint | null; inserted: Set<string> }> {
    const { rows } = await tx.query<{ stored: string | null; inserted: string[] }>(
      `WITH o AS (
         INSERT INTO consumer_offsets AS c (group_id, topic, partition, next_offset, previous_offset) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (group_id, topic, partition) DO UPDATE
           SET previous_offset = c.next_offset, next_offset = GREATEST(c.next_offset, EXCLUDED.next_offset), updated_at = now()
         RETURNING previous_offset
       ), i AS (
         INSERT INTO inbox (group_id, message_id) SELECT $1, unnest($5::text[]) ON CONFLICT DO NOTHING RETURNING message_id
       )
       SELECT (SELECT previous_offset::text FROM o) AS stored, ARRAY(SELECT message_id FROM i) AS inserted`,
      [this.options.groupId, topic, partition, next.toString(), messages.map((m) => m.id)],
    );
    const stored = rows[0].stored;
    return { stored: stored === null ? null : BigInt(stored), inserted: new Set(rows[0].inserted) };
  }

  private context(tx: PoolClient, topic: string, partition: number): BatchContext {
    return {
      tx,
      topic,
      partition,
      log: this.options.log,
      publish: (messages) => enqueueOutbox(tx, messages),
      topicName: (suffix) => this.topic(suffix),
    };
  }
}

type Decoded = { message: ConsumedMessage<unknown> } | { error: string };

function decode(message: KafkaMessage, schema: z.ZodType | undefined): Decoded {
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    return { error: 'not JSON' };
  }
  const parsed = schema ? schema.safeParse(json) : { success: true as const, data: json };
  if (!parsed.success) {
    return {
      error: parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
    };
  }
  const headers = headersToStrings(message.headers);
  const id = (parsed.data as { id?: unknown }).id;
  return {
    message: {
      id: typeof id === 'string' ? id : `offset:${message.offset}`,
      key: message.key?.toString('utf8') ?? null,
      value: parsed.data,
      offset: message.offset,
      timestamp: Number(message.timestamp),
      correlationId: correlationIdFrom(headers['x-correlation-id']),
    },
  };
}

function deadLetter(dlqTopic: string, topic: string, partition: number, message: KafkaMessage, reason: string): OutboxMessage {
  const raw = message.value?.toString('utf8') ?? '';
  return {
    topic: dlqTopic,
    key: message.key?.toString('utf8') ?? null,
    payload: { originTopic: topic, originPartition: partition, originOffset: message.offset, reason, raw: raw.slice(0, 100_000) },
    headers: { 'x-dlq-reason': reason.slice(0, 500), 'x-origin-topic': topic },
  };
}
