import { Producer } from 'kafkajs';
import { Pool, PoolClient, QueryResult } from 'pg';
import { Logger } from './logger';

export interface OutboxMessage {
  topic: string;
  key?: string | null;
  payload: unknown;
  headers?: Record<string, string>;
}

const NOTIFY_CHANNEL = 'outbox';
const BATCH_MAX = 2_000;
/** Payload bytes per produce request: under the brokers' default message size (1 MiB) with room for headers. */
const REQUEST_BYTES_MAX = 512 * 1024;
const POLL_INTERVAL_MS = 1_000;
/**
 * The transaction-level advisory lock a relay holds while it publishes a batch: one relay of a database at a time
 * (replicas of a service share its outbox), so rows reach Kafka in id order whichever replica sends them.
 */
const RELAY_LOCK = "hashtext('nostro.outbox.relay')";
const RETRY_DELAY_MS = 500;

/**
 * Writes messages to the outbox inside the caller's transaction; the relay is woken at commit. One statement (one
 * round trip) and one row, however many the messages: the row and the notification together. Each message's value
 * is serialised here, once: the relay sends it as it is.
 */
export async function enqueueOutbox(client: PoolClient, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `WITH added AS (INSERT INTO outbox (messages, message_count) VALUES ($1, $2) RETURNING 1)
     SELECT pg_notify('${NOTIFY_CHANNEL}', '') FROM added`,
    [encodeEnvelope(messages), messages.length],
  );
}

/** One message of an envelope row: [topic, key, headers, value]. */
type EnvelopeEntry = [string, string | null, Record<string, string>, string];

/** The `messages` column of an outbox row: a JSON array of {@link EnvelopeEntry}, values serialised. */
export function encodeEnvelope(messages: readonly OutboxMessage[]): string {
  return JSON.stringify(messages.map((m): EnvelopeEntry => [m.topic, m.key ?? null, m.headers ?? {}, JSON.stringify(m.payload)]));
}

/** A row as the relay took it: one message (the earlier form, still written by the validators) or an envelope. */
export interface OutboxRow {
  id: bigint;
  topic: string | null;
  message_key: string | null;
  headers: Record<string, string> | null;
  payload: unknown;
  messages: string | null;
}

/** The messages of rows taken from the outbox, in the order they were enqueued (rows by id), as they go to Kafka. */
export function outboxMessages(rows: readonly OutboxRow[]): OutgoingMessage[] {
  return [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).flatMap(outboxRowMessages);
}

/** A row's messages, in the order they were enqueued, as they go to Kafka. */
export function outboxRowMessages(row: OutboxRow): OutgoingMessage[] {
  if (row.messages === null) {
    return [{ topic: row.topic as string, key: row.message_key, headers: row.headers ?? {}, value: JSON.stringify(row.payload) }];
  }
  return (JSON.parse(row.messages) as EnvelopeEntry[]).map(([topic, key, headers, value]) => ({ topic, key, headers, value }));
}

/**
 * Takes rows in id order until they hold `max` messages or more (at least one row), deleting them in the same
 * statement; the caller commits the deletion once the messages are safely elsewhere. Only under the relay lock
 * ({@link RELAY_LOCK}, tried once, before any row is read): while another relay of the database holds it, the
 * statement takes nothing. Its snapshot may predate the lock (taken at the statement's start): rows another relay
 * deleted and committed in between are skipped by the deletion (they are gone), not returned.
 */
export const TAKE_OUTBOX_SQL = (max: number) =>
  `WITH relay AS (SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS held)
   DELETE FROM outbox WHERE (SELECT held FROM relay) AND id IN (
     SELECT id FROM (SELECT id, sum(message_count) OVER (ORDER BY id) - message_count AS before FROM outbox ORDER BY id LIMIT ${max}) AS o
      WHERE before < ${max})
   RETURNING id, topic, message_key, headers, payload, messages`;

/**
 * Publishes outbox rows to Kafka in id order, woken by LISTEN/NOTIFY (with a slow poll as a safety net).
 * A batch is deleted only after Kafka acknowledged it, so a crash re-publishes rather than loses: consumers
 * de-duplicate by message id. Replicas sharing a database publish one at a time (an advisory lock per batch), so
 * the order holds across them too.
 */
export class OutboxRelay {
  private listener: PoolClient | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  private pending = true;
  private loop: Promise<void> | null = null;
  published = 0;

  constructor(
    private readonly pool: Pool,
    private readonly producer: Producer,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${NOTIFY_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = null;
    }
  }

  private async listen(): Promise<void> {
    if (this.listener) return;
    const client = await this.pool.connect();
    client.on('notification', () => this.signal());
    client.on('error', () => {
      this.listener = null;
    });
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.listener = client;
  }

  private signal(): void {
    this.pending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.listen();
        this.pending = false;
        const sent = await this.publishBatch();
        if (sent >= BATCH_MAX) this.pending = true;
        if (!this.pending) await this.sleep(POLL_INTERVAL_MS);
      } catch (error) {
        this.log.warn({ err: error }, 'outbox relay: publish failed, retrying');
        this.listener?.release(true);
        this.listener = null;
        await this.sleep(RETRY_DELAY_MS);
      }
    }
  }

  private async publishBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      // One round trip opens the transaction and takes the rows (a simple-protocol query of two statements: the
      // take has no parameters), a second commits: the lock, the take and the deletion are one statement. While
      // another replica's relay holds the lock the take is empty: that relay takes these rows too (every relay is
      // woken), in order. The deletion commits only after Kafka acknowledged every message, and a failure rolls it
      // back, so the rows are published again (at least once). Under the relay lock no other relay deletes rows, so
      // they need no row locks (FOR UPDATE would write one WAL record per row before its deletion).
      const [, taken] = (await client.query(`BEGIN; ${TAKE_OUTBOX_SQL(BATCH_MAX)}`)) as unknown as [QueryResult, QueryResult<OutboxRow>];
      const rows = taken.rows;
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const messages = outboxMessages(rows);
      // In requests under Kafka's message size: kafkajs sends all of a partition's messages of one request as one
      // record batch, and a batch over the broker's limit would be refused for ever and stall the relay.
      for (const chunk of bySize(messages, REQUEST_BYTES_MAX)) await this.producer.sendBatch({ topicMessages: groupByTopic(chunk), acks: -1 });
      await client.query('COMMIT');
      this.published += messages.length;
      return messages.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** A message as it goes to Kafka: the payload serialised once. */
export interface OutgoingMessage {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: string;
}

/**
 * Items in order, cut into runs whose sizes add up to at most `maxBytes` (never an empty run; an item larger than the
 * bound travels alone).
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Messages in order, in runs whose values add up to at most `maxBytes` (the topics that carry large ones allow them). */
export function bySize<T extends { value: string }>(messages: readonly T[], maxBytes: number): T[][] {
  return chunkBySize(messages, (m) => Buffer.byteLength(m.value), maxBytes);
}

function groupByTopic(messages: readonly OutgoingMessage[]) {
  const byTopic = new Map<string, { key: string | null; value: string; headers: Record<string, string> }[]>();
  for (const { topic, key, value, headers } of messages) {
    const list = byTopic.get(topic) ?? [];
    list.push({ key, value, headers });
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}
