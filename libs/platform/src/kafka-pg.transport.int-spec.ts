import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { z } from 'zod';
import { mapLimited } from './concurrency';
import { withTransaction } from './db';
import { ConsumedMessage, KafkaBatch, KafkaPgTransport } from './kafka-pg.transport';
import { createLogger } from './logger';
import { eventually } from './test-support';
import { TestDatabase, freshTestDatabase } from './testing';
import { OutboxRelay, OutboxRow, TAKE_OUTBOX_SQL, enqueueOutbox, outboxMessages, outboxRowMessages } from './outbox';
import { PLATFORM_MIGRATIONS_DIR } from './runtime';

/**
 * Medium tier: the transport and the outbox relay against the real Postgres and Kafka broker
 * (the suite's global setup has started both).
 */
const log = createLogger('platform-test', 'silent');
const kafka = new Kafka({ clientId: 'platform-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');
const prefix = `platformtest-${run}.`;
const schema = z.strictObject({ id: z.string(), n: z.number() });

let db: TestDatabase;
let pool: Pool;

/** Waits for `check` (eventually), and throws if it never held: the tests below assert what follows it. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  if (!(await eventually(async () => check(), Boolean, timeoutMs, 50))) throw new Error('condition not reached in time');
}

/** This file's topics (under `prefix`): created before the tests, deleted after. */
const TOPICS = ['events', 'dlq', 'relayed', 'bulk', 'turns', 'forms', 'replicas'].map((t) => `${prefix}${t}`);

beforeAll(async () => {
  db = await freshTestDatabase('platform_transport', [PLATFORM_MIGRATIONS_DIR], log);
  pool = db.pool;
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({
    waitForLeaders: true,
    topics: TOPICS.map((topic) => ({ topic, numPartitions: 1 })),
  });
  await kafkaAdmin.disconnect();
}, 60_000);

afterAll(async () => {
  await db?.drop();
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.deleteTopics({ topics: TOPICS }).catch(() => undefined);
  await kafkaAdmin.disconnect();
});

function transportWith(seen: ConsumedMessage<{ id: string; n: number }>[]): KafkaPgTransport {
  const transport = new KafkaPgTransport({ kafka, pool, groupId: 'worker', topicPrefix: prefix, log });
  transport.addHandler(
    'events',
    async (batch: KafkaBatch<{ id: string; n: number }>) => {
      seen.push(...batch.messages);
      await batch.ctx.tx.query('SELECT 1');
    },
    true,
    { schema },
  );
  return transport;
}

describe('KafkaPgTransport', () => {
  it('hands each message id to the handler once, dead-letters malformed messages and stores offsets in Postgres', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await producer.send({
      topic: `${prefix}events`,
      messages: [
        { value: JSON.stringify({ id: ids[0], n: 1 }) },
        { value: JSON.stringify({ id: ids[1], n: 2 }) },
        { value: JSON.stringify({ id: ids[0], n: 1 }) }, // published twice by an outbox
        { value: '{"broken": ' },
        { value: JSON.stringify({ id: ids[2], n: 'three' }) }, // wrong type
        { value: JSON.stringify({ id: ids[2], n: 3 }) },
      ],
    });
    await producer.disconnect();

    const seen: ConsumedMessage<{ id: string; n: number }>[] = [];
    const transport = transportWith(seen);
    transport.listen(() => undefined);
    try {
      await until(async () => {
        const { rows } = await pool.query<{ next_offset: bigint }>('SELECT next_offset FROM consumer_offsets');
        return rows[0]?.next_offset === 6n;
      });
    } finally {
      await transport.close();
    }
    expect(seen.map((m) => m.value)).toEqual([
      { id: ids[0], n: 1 },
      { id: ids[1], n: 2 },
      { id: ids[2], n: 3 },
    ]);
    const { rows: outbox } = await pool.query<OutboxRow>('SELECT * FROM outbox ORDER BY id');
    const dead = outboxMessages(outbox).map((m) => ({ topic: m.topic, payload: JSON.parse(m.value) as { reason: string; originOffset: string } }));
    expect(dead.map((r) => [r.topic, r.payload.originOffset])).toEqual([
      [`${prefix}dlq`, '3'],
      [`${prefix}dlq`, '4'],
    ]);
    expect(dead[0].payload.reason).toBe('not JSON');
    expect(dead[1].payload.reason).toContain('n:');

    // A new consumer in the same group resumes from the offsets stored in Postgres: nothing is handled twice. A
    // marker published after it starts is the first (and only) message it hands over, so no fixed wait is needed.
    const again: ConsumedMessage<{ id: string; n: number }>[] = [];
    const second = transportWith(again);
    second.listen(() => undefined);
    await until(() => second.isConnected());
    const marker = { id: randomUUID(), n: 4 };
    const late = kafka.producer();
    await late.connect();
    await late.send({ topic: `${prefix}events`, messages: [{ value: JSON.stringify(marker) }] });
    await late.disconnect();
    try {
      await until(() => again.length > 0);
    } finally {
      await second.close();
    }
    expect(again.map((m) => m.value)).toEqual([marker]);
  }, 60_000);
});

describe('KafkaPgTransport batches', () => {
  type Process = (tx: unknown, topic: string, partition: number, raw: KafkaMessage[], handler: unknown) => Promise<void>;

  /** Drives the transport's batch step directly, as kafkajs would, with messages at the given offsets. */
  function batchRunner(group: string, options: { idempotent?: boolean; idOf?: (offset: number) => string } = {}) {
    const handled: number[] = [];
    const idOf = options.idOf ?? ((o: number) => `${group}-${o}`);
    const transport = new KafkaPgTransport({ kafka, pool, groupId: group, topicPrefix: prefix, log });
    const handler = Object.assign(async (batch: KafkaBatch<{ id: string; n: number }>) => void handled.push(...batch.messages.map((m) => m.value.n)), {
      extras: { schema, ...(options.idempotent === undefined ? {} : { idempotent: options.idempotent }) },
    });
    const process = (transport as unknown as { processBatch: Process }).processBatch.bind(transport);
    const run = (offsets: number[]) =>
      withTransaction(pool, (tx) =>
        process(
          tx,
          `${prefix}events`,
          0,
          offsets.map(
            (o) =>
              ({
                offset: String(o),
                value: Buffer.from(JSON.stringify({ id: idOf(o), n: o })),
                key: null,
                timestamp: '0',
                attributes: 0,
                headers: {},
              }) as KafkaMessage,
          ),
          handler,
        ),
      );
    const stored = async () => {
      const { rows } = await pool.query<{ next_offset: bigint }>('SELECT next_offset FROM consumer_offsets WHERE group_id = $1', [`${prefix}${group}`]);
      return rows[0]?.next_offset ?? null;
    };
    const inboxRows = async () =>
      Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM inbox WHERE group_id = $1', [`${prefix}${group}`])).rows[0].n);
    return { handled, run, stored, inboxRows };
  }

  it('de-duplicates by message id through the inbox, unless the handler is idempotent by business key: then it writes no inbox row', async () => {
    // Offset 2 is offset 0 published again by an outbox relay (same id); offset 4 repeats offset 3 within one batch.
    const idOf = (tag: string) => (o: number) => `${tag}-${o === 2 ? 0 : o === 4 ? 3 : o}`;
    const tagged = `batches-${randomUUID()}`;
    const withInbox = batchRunner(tagged, { idOf: idOf(tagged) });
    await withInbox.run([0, 1]);
    await withInbox.run([2, 3, 4]);
    expect(withInbox.handled).toEqual([0, 1, 3]);
    expect(await withInbox.inboxRows()).toBe(3);

    const plain = `batches-${randomUUID()}`;
    const idempotent = batchRunner(plain, { idempotent: true, idOf: idOf(plain) });
    await idempotent.run([0, 1]);
    await idempotent.run([2, 3, 4]);
    expect(idempotent.handled).toEqual([0, 1, 2, 3]); // the copy reaches the handler, which changes nothing twice
    expect(await idempotent.inboxRows()).toBe(0);
    expect(await idempotent.stored()).toBe(5n);
    await idempotent.run([1, 2]); // below the stored offset: skipped without the inbox
    expect(idempotent.handled).toEqual([0, 1, 2, 3]);
  });

  it('skips messages below the stored offset even when their ids are no longer in the inbox, and never moves it back', async () => {
    const group = `batches-${randomUUID()}`;
    const { handled, run, stored } = batchRunner(group);
    await run([0, 1, 2]);
    expect(handled).toEqual([0, 1, 2]);
    expect(await stored()).toBe(3n);

    // The inbox forgot these ids (retention): a redelivery overlapping the stored offset handles only what is new.
    await pool.query('DELETE FROM inbox WHERE group_id = $1', [`${prefix}${group}`]);
    await run([1, 2, 3, 4]);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    expect(await stored()).toBe(5n);

    await run([0, 1]);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    expect(await stored()).toBe(5n);
  });

  it('lets a consumer that waited for another one’s batch (a rebalance) see the offset that batch stored', async () => {
    const group = `batches-${randomUUID()}`;
    const handled: number[] = [];
    const transport = new KafkaPgTransport({ kafka, pool, groupId: group, topicPrefix: prefix, log });
    const handler = Object.assign(async (batch: KafkaBatch<{ id: string; n: number }>) => void handled.push(...batch.messages.map((m) => m.value.n)), {
      extras: { schema },
    });
    const process = (transport as unknown as { processBatch: Process }).processBatch.bind(transport);
    // Different ids for the same offsets, so only the offset can keep the second consumer from handling them again.
    const messages = (tag: string, offsets: number[]) =>
      offsets.map(
        (o) =>
          ({
            offset: String(o),
            value: Buffer.from(JSON.stringify({ id: `${tag}-${o}`, n: o })),
            key: null,
            timestamp: '0',
            attributes: 0,
            headers: {},
          }) as KafkaMessage,
      );
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await process(first, `${prefix}events`, 0, messages('a', [0, 1, 2]), handler);
      await second.query('BEGIN');
      const waiting = process(second, `${prefix}events`, 0, messages('b', [1, 2, 3]), handler);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(handled).toEqual([0, 1, 2]);
      await first.query('COMMIT');
      await waiting;
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    expect(handled).toEqual([0, 1, 2, 3]);
  });

  it('undoes the stored offset and the inbox with the handler when the handler fails', async () => {
    const group = `batches-${randomUUID()}`;
    const { run, stored } = batchRunner(group);
    await run([0]);
    const failing = new KafkaPgTransport({ kafka, pool, groupId: group, topicPrefix: prefix, log });
    const boom = Object.assign(
      async () => {
        throw new Error('handler failed');
      },
      { extras: { schema } },
    );
    const process = (failing as unknown as { processBatch: Process }).processBatch.bind(failing);
    const message = {
      offset: '1',
      value: Buffer.from(JSON.stringify({ id: `${group}-1`, n: 1 })),
      key: null,
      timestamp: '0',
      attributes: 0,
      headers: {},
    } as KafkaMessage;
    await expect(withTransaction(pool, (tx) => process(tx, `${prefix}events`, 0, [message], boom))).rejects.toThrow('handler failed');
    expect(await stored()).toBe(1n);
    const { rows } = await pool.query('SELECT 1 FROM inbox WHERE group_id = $1 AND message_id = $2', [`${prefix}${group}`, `${group}-1`]);
    expect(rows).toHaveLength(0);
  });

  it('acknowledges a batch that concerns no message of an idempotent handler without a transaction, for a bounded time', async () => {
    const group = `passed-${randomUUID()}`;
    const transport = new KafkaPgTransport({ kafka, pool, groupId: group, topicPrefix: prefix, log, unstoredOffsetsMaxMs: 300 });
    const handled: number[] = [];
    const resolved: string[] = [];
    // Even numbers concern the handler; odd ones do not.
    transport.addHandler('events', async (batch: KafkaBatch<{ id: string; n: number }>) => void handled.push(...batch.messages.map((m) => m.value.n)), true, {
      schema,
      idempotent: true,
      relevant: (value: { n: number }) => value.n % 2 === 0,
    });
    type OnBatch = (payload: unknown) => Promise<void>;
    const onBatch = (transport as unknown as { onBatch: OnBatch }).onBatch.bind(transport);
    const deliver = (offsets: number[], malformed: number[] = []) =>
      onBatch({
        batch: {
          topic: `${prefix}events`,
          partition: 0,
          messages: offsets.map((o) => ({
            offset: String(o),
            value: Buffer.from(malformed.includes(o) ? '{"broken": ' : JSON.stringify({ id: `${group}-${o}`, n: o })),
            key: null,
            timestamp: '0',
            attributes: 0,
            headers: {},
          })),
        },
        resolveOffset: (offset: string) => void resolved.push(offset),
        heartbeat: async () => undefined,
      });
    const stored = async () =>
      (await pool.query<{ next_offset: bigint }>('SELECT next_offset FROM consumer_offsets WHERE group_id = $1', [`${prefix}${group}`])).rows[0]?.next_offset ??
      null;
    const deadLettered = async () =>
      outboxMessages((await pool.query<OutboxRow>('SELECT * FROM outbox ORDER BY id')).rows).filter((m) => {
        const payload = JSON.parse(m.value) as { originTopic?: string; originOffset?: string };
        return m.topic === `${prefix}dlq` && payload.originOffset === '6';
      }).length;
    try {
      await deliver([0, 1]); // the partition's first batch is always stored
      expect([handled, await stored()]).toEqual([[0, 1], 2n]);
      await deliver([3, 5]); // nothing in it concerns the handler: acknowledged, not stored
      expect([handled, await stored(), resolved.at(-1)]).toEqual([[0, 1], 2n, '5']);
      await deliver([6, 7], [6]); // a malformed message always goes through a transaction, to the dead-letter topic
      expect([handled, await stored(), await deadLettered()]).toEqual([[0, 1, 7], 8n, 1]);
      await deliver([9]);
      expect(await stored()).toBe(8n);
      await new Promise((resolve) => setTimeout(resolve, 350)); // past unstoredOffsetsMaxMs: stored again
      await deliver([11]);
      expect([handled, await stored()]).toEqual([[0, 1, 7, 11], 12n]);
      await deliver([12, 13]); // one message concerns the handler: the whole batch goes through a transaction
      expect([handled, await stored()]).toEqual([[0, 1, 7, 11, 12, 13], 14n]);
    } finally {
      await transport.close();
    }
  });
});

describe('OutboxRelay', () => {
  /**
   * A relay of the test database and a consumer of `topic` from its start, handing each message to `onMessage`; `body`
   * starts the relay when it wants. Both are torn down afterwards.
   */
  async function withRelay(
    topic: string,
    group: string,
    onMessage: (message: KafkaMessage) => void,
    body: (relay: OutboxRelay) => Promise<void>,
    maxBytes?: number,
  ): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    const relay = new OutboxRelay(pool, producer, log);
    const consumer = kafka.consumer({ groupId: `${group}-${run}`, ...(maxBytes ? { maxBytes } : {}) });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => onMessage(message) });
    try {
      await body(relay);
    } finally {
      await consumer.disconnect();
      await relay.stop();
      await producer.disconnect();
    }
  }
  const numberOf = (message: KafkaMessage) => (JSON.parse(message.value?.toString() ?? '{}') as { n: number }).n;
  const outboxRows = async () => (await pool.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n as number;

  it('publishes rows committed with a transaction, in order, and deletes them once Kafka acknowledged them', async () => {
    await pool.query('DELETE FROM outbox');
    const received: string[] = [];
    await withRelay(
      `${prefix}relayed`,
      'relay-check',
      (message) => received.push(message.value?.toString() ?? ''),
      async (relay) => {
        relay.start();
        await withTransaction(pool, (tx) =>
          enqueueOutbox(
            tx,
            [1, 2, 3].map((n) => ({ topic: `${prefix}relayed`, payload: { n } })),
          ),
        );
        await expect(
          withTransaction(pool, async (tx) => {
            await enqueueOutbox(tx, [{ topic: `${prefix}relayed`, payload: { n: 99 } }]);
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        await until(() => received.length >= 3);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(received).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
        expect(await outboxRows()).toBe(0);
      },
    );
  }, 60_000);

  it("relays a transaction's messages from one row, and rows of the one-message form (the validators') between them, in order", async () => {
    await pool.query('DELETE FROM outbox');
    const topic = `${prefix}forms`;
    const single = (n: number) =>
      pool.query('INSERT INTO outbox (topic, message_key, payload) VALUES ($1, $2, $3::jsonb)', [topic, `k${n}`, JSON.stringify({ n })]);
    await single(0);
    await withTransaction(pool, (tx) =>
      enqueueOutbox(
        tx,
        [1, 2, 3].map((n) => ({ topic, key: `k${n}`, payload: { n }, headers: { 'x-n': String(n) } })),
      ),
    );
    await single(4);
    expect((await pool.query('SELECT message_count FROM outbox ORDER BY id')).rows.map((r) => r.message_count)).toEqual([1, 3, 1]);
    const received: { key: string; n: number; header: string | null }[] = [];
    await withRelay(
      topic,
      'relay-forms',
      (message) => received.push({ key: message.key?.toString() ?? '', n: numberOf(message), header: message.headers?.['x-n']?.toString() ?? null }),
      async (relay) => {
        relay.start();
        await until(() => received.length >= 5);
        expect(received).toEqual([
          { key: 'k0', n: 0, header: null },
          { key: 'k1', n: 1, header: '1' },
          { key: 'k2', n: 2, header: '2' },
          { key: 'k3', n: 3, header: '3' },
          { key: 'k4', n: 4, header: null },
        ]);
        // The relay deletes its rows when it commits, just after Kafka acknowledged them: a consumer may be quicker.
        await until(async () => (await outboxRows()) === 0);
      },
    );
  }, 60_000);

  it('takes rows until they hold the batch bound in messages, and always at least one row', async () => {
    await pool.query('DELETE FROM outbox');
    const enqueue = (count: number) =>
      withTransaction(pool, (tx) =>
        enqueueOutbox(
          tx,
          Array.from({ length: count }, (_, n) => ({ topic: `${prefix}take`, payload: { n } })),
        ),
      );
    for (const count of [1_500, 600, 10]) await enqueue(count);
    const take = async () =>
      withTransaction(pool, async (tx) =>
        (await tx.query<OutboxRow>(TAKE_OUTBOX_SQL(2_000))).rows.sort((a, b) => Number(a.id - b.id)).map((r) => outboxRowMessages(r).length),
      );
    expect(await take()).toEqual([1_500, 600]); // 1,500 held fewer than 2,000: the next row joins, whatever its size
    expect(await take()).toEqual([10]);
    expect(await take()).toEqual([]);
    await enqueue(2_500);
    await enqueue(1);
    expect(await take()).toEqual([2_500]);
    expect(await take()).toEqual([1]);
  });

  it('publishes nothing while another relay of the database holds the relay lock, then everything in id order', async () => {
    await pool.query('DELETE FROM outbox');
    const other = await pool.connect(); // stands for another replica's relay in the middle of a batch
    await other.query('BEGIN');
    await other.query("SELECT pg_advisory_xact_lock(hashtext('nostro.outbox.relay'))");
    const received: number[] = [];
    try {
      await withRelay(
        `${prefix}turns`,
        'relay-turns',
        (message) => received.push(numberOf(message)),
        async (relay) => {
          relay.start();
          for (let n = 0; n < 5; n++) await withTransaction(pool, (tx) => enqueueOutbox(tx, [{ topic: `${prefix}turns`, payload: { n } }]));
          await new Promise((resolve) => setTimeout(resolve, 1_500)); // woken five times, and polled once: it waits its turn
          expect(received).toEqual([]);
          expect(await outboxRows()).toBe(5);
          await other.query('COMMIT');
          await until(() => received.length >= 5);
          expect(received).toEqual([0, 1, 2, 3, 4]);
        },
      );
    } finally {
      other.release();
    }
  }, 60_000);

  it('two relays of one database, woken together for every transaction, publish each message once', async () => {
    await pool.query('DELETE FROM outbox');
    const received: number[] = [];
    const producer = kafka.producer();
    await producer.connect();
    const second = new OutboxRelay(pool, producer, log); // another replica of the service
    try {
      await withRelay(
        `${prefix}replicas`,
        'relay-replicas',
        (message) => received.push(numberOf(message)),
        async (relay) => {
          relay.start();
          second.start();
          // Many small transactions from several writers at once: both relays race for every batch.
          await mapLimited(
            Array.from({ length: 300 }, (_, n) => n),
            6,
            async (n) => withTransaction(pool, (tx) => enqueueOutbox(tx, [{ topic: `${prefix}replicas`, payload: { n } }])),
          );
          await until(() => received.length >= 300, 30_000);
          await new Promise((resolve) => setTimeout(resolve, 500)); // a message published twice would arrive by now
          expect(received).toHaveLength(300);
          expect(new Set(received).size).toBe(300);
          expect(await outboxRows()).toBe(0);
          expect(relay.published + second.published).toBe(300);
        },
      );
    } finally {
      await second.stop();
      await producer.disconnect();
    }
  }, 60_000);

  it("relays a backlog larger than Kafka's message size (2,000 messages of 2 KiB to a 1 MiB topic) without stalling", async () => {
    await pool.query('DELETE FROM outbox');
    const padding = 'p'.repeat(2_048);
    await withTransaction(pool, (tx) =>
      enqueueOutbox(
        tx,
        Array.from({ length: 2_000 }, (_, n) => ({ topic: `${prefix}bulk`, payload: { n, padding } })),
      ),
    );
    const received: number[] = [];
    await withRelay(
      `${prefix}bulk`,
      'relay-bulk',
      (message) => received.push(numberOf(message)),
      async (relay) => {
        relay.start();
        await until(() => received.length >= 2_000, 60_000);
        expect(received).toEqual(Array.from({ length: 2_000 }, (_, n) => n));
        expect(await outboxRows()).toBe(0);
      },
      16 * 1024 * 1024,
    );
  }, 120_000);
});
