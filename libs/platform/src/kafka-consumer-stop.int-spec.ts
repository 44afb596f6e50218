import { randomBytes } from 'node:crypto';
import { Consumer, EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import { eventually } from './testing';

/**
 * Medium tier, against the real broker: how a kafkajs consumer stops with `patches/kafkajs+2.2.4.patch`. Unpatched,
 * `disconnect()` waited for the fetch in flight, which an idle broker holds for `maxWaitTimeInMs`, so every service
 * took seconds to stop (one per consumer). Patched, an idle fetch is abandoned; a batch being handled is still
 * waited for, nothing fetched but not handled is lost or committed, and the abandoned fetch, when it ends later,
 * does not bring the stopped consumer back (no reconnection, no join).
 */
const kafka = new Kafka({ clientId: 'consumer-stop-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const topic = `platformtest-stop-${randomBytes(4).toString('hex')}`;
/**
 * Far longer than a stop takes (tens of milliseconds), so that a stop that waited for the long poll cannot pass; not
 * longer, as kafkajs may also sleep this long in an abandoned fetch (a timer that keeps a Jest run alive until then).
 */
const LONG_POLL_MS = 10_000;

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
}, 60_000);

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

async function send(values: string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

/**
 * A consumer of `of` (the test's topic by default) in `groupId` whose handler is `handle`, on `client` (this file's by
 * default), running once it has joined and fetched.
 */
async function running(
  groupId: string,
  handle: (p: EachBatchPayload) => Promise<void>,
  { client = kafka, of = topic }: { client?: Kafka; of?: string } = {},
): Promise<Consumer> {
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: LONG_POLL_MS, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const fetched = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH_START, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: of, fromBeginning: true });
  await consumer.run({ eachBatchAutoResolve: true, eachBatch: handle });
  await fetched;
  return consumer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a kafkajs consumer stopping (patched)', () => {
  it('does not wait for an idle fetch held by the broker', async () => {
    const consumer = await running(`stop-idle-${randomBytes(3).toString('hex')}`, async () => undefined);
    await sleep(500); // the fetch is now waiting at the broker, which holds it for LONG_POLL_MS
    const started = Date.now();
    await consumer.disconnect();
    expect(Date.now() - started).toBeLessThan(LONG_POLL_MS / 2);
  }, 60_000);

  it('does not reconnect when the fetch it abandoned fails afterwards (its topic deleted)', async () => {
    const own = `${topic}-gone`;
    const admin = kafka.admin();
    await admin.connect();
    // What the consumer's own client does after it stopped (kafkajs's debug log; nothing, if it stays stopped).
    let stopped = false;
    const after: string[] = [];
    const watched = new Kafka({
      clientId: 'consumer-stop-gone',
      brokers: ['127.0.0.1:9092'],
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry) => {
        if (stopped && (entry.log.message === 'Connecting' || /refreshing|[Jj]oin/.test(entry.log.message))) after.push(entry.log.message);
      },
    });
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: own, numPartitions: 1 }] });
      const consumer = await running(`stop-gone-${randomBytes(3).toString('hex')}`, async () => undefined, { client: watched, of: own });
      await sleep(500);
      await consumer.disconnect();
      stopped = true;
      // The abandoned fetch is answered "does not host this topic-partition"; kafkajs's recovery from that would
      // refresh the metadata (a new connection) and join the group again, from a consumer that was stopped.
      await admin.deleteTopics({ topics: [own] });
      await sleep(1_500);
      expect(after).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('waits for the batch being handled, commits it, and leaves the rest to the next member of the group', async () => {
    const groupId = `stop-busy-${randomBytes(3).toString('hex')}`;
    await send(['a', 'b', 'c']);
    let release: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const first = await running(groupId, async ({ batch }) => {
      entered();
      await handling;
      handled.push(...batch.messages.map((m) => String(m.value)));
    });
    await inHandler;
    let stopped = false;
    const stopping = first.disconnect().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false); // the handler holds the stop
    release();
    await stopping;
    expect(handled).toEqual(['a', 'b', 'c']);

    // The next member starts after what was handled and sees what was sent after it, once.
    await send(['d']);
    const again: string[] = [];
    const second = await running(groupId, async ({ batch }) => {
      again.push(...batch.messages.map((m) => String(m.value)));
    });
    await eventually(
      async () => again.length,
      (n) => n >= 1,
      20_000,
      50,
    );
    await second.disconnect();
    expect(again).toEqual(['d']);
  }, 60_000);
});
