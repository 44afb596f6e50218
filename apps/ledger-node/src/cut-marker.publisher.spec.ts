import { createLogger } from '@nostro/platform';
import { ledgerEntrySchema } from '@nostro/shared';
import { Producer, ProducerRecord } from 'kafkajs';
import { LedgerConfig } from './config';
import { BLOCK_WAIT_PER_TX_MS, CutMarkerPublisher, IDLE_CHECK_MS, OpenBlock, blockWaitMs } from './cut-marker.publisher';

const config = { VALIDATOR_ID: 'v1', KAFKA_TOPIC_PREFIX: 'test.', BLOCK_TIMEOUT_MS: 50, BLOCK_TIMEOUT_MAX_MS: 150 } as LedgerConfig;

/** The ordered stream as this validator's producer writes to it; `down` makes sends fail. */
class Stream {
  records: ProducerRecord[] = [];
  down = false;

  asProducer(): Producer {
    return {
      send: async (record: ProducerRecord) => {
        if (this.down) throw new Error('broker unavailable');
        this.records.push(record);
        return [];
      },
    } as unknown as Producer;
  }

  /** The markers published, parsed with the stream's own schema. */
  markers() {
    return this.records.flatMap((r) => r.messages.map((m) => ({ topic: r.topic, acks: r.acks, entry: ledgerEntrySchema.parse(JSON.parse(String(m.value))) })));
  }
}

describe('blockWaitMs', () => {
  it('is BLOCK_TIMEOUT_MS after an empty block, grows by BLOCK_WAIT_PER_TX_MS a transaction and stops at BLOCK_TIMEOUT_MAX_MS', () => {
    expect(BLOCK_WAIT_PER_TX_MS).toBe(2.5);
    const defaults = { BLOCK_TIMEOUT_MS: 50, BLOCK_TIMEOUT_MAX_MS: 300 };
    expect([0, 1, 2, 10, 20, 40, 99, 100, 101, 1_000].map((n) => blockWaitMs(defaults, n))).toEqual([50, 53, 55, 75, 100, 150, 298, 300, 300, 300]);
    // Equal bounds: a fixed timeout.
    expect([0, 30, 1_000].map((n) => blockWaitMs({ BLOCK_TIMEOUT_MS: 50, BLOCK_TIMEOUT_MAX_MS: 50 }, n))).toEqual([50, 50, 50]);
  });

  it('settles at a wait that grows with the rate: 67 ms at 100 tx/s, 100 ms at 200/s, 200 ms at 300/s, the cap from about 334/s', () => {
    const defaults = { BLOCK_TIMEOUT_MS: 50, BLOCK_TIMEOUT_MAX_MS: 300 };
    // A block that waited w ms at r transactions a second holds r·w/1000 of them; iterate until the wait repeats.
    const settled = (rate: number) => {
      let wait = 50;
      for (let i = 0; i < 200; i++) wait = blockWaitMs(defaults, (rate * wait) / 1_000);
      return Math.round(wait);
    };
    expect([0, 100, 200, 300, 334, 400, 1_000].map(settled)).toEqual([50, 67, 100, 200, 300, 300, 300]);
  });
});

describe('CutMarkerPublisher', () => {
  let stream: Stream;
  let block: { nextHeight: number; pendingCount: number; pendingSince: number | null; nextDeadline: number | null; previousTxCount: number };
  let mayPropose: boolean;
  let publisher: CutMarkerPublisher;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    stream = new Stream();
    block = { nextHeight: 7, pendingCount: 0, pendingSince: null, nextDeadline: null, previousTxCount: 0 };
    mayPropose = true;
    publisher = new CutMarkerPublisher(config, stream.asProducer(), block satisfies OpenBlock, () => mayPropose, createLogger('marker-test', 'silent'));
    publisher.start();
  });

  afterEach(() => {
    publisher.stop();
    jest.useRealTimers();
  });

  it('proposes a cut for the open block once it has waited BLOCK_TIMEOUT_MS, once per height while it is fresh', async () => {
    Object.assign(block, { pendingCount: 2, pendingSince: Date.now() });
    publisher.arm(); // as the stream consumer does after each batch
    await jest.advanceTimersByTimeAsync(25);
    expect(stream.markers()).toEqual([]);
    await jest.advanceTimersByTimeAsync(25);
    expect(stream.markers()).toEqual([{ topic: 'test.ledger.tx', acks: -1, entry: { kind: 'cut', height: 7, validator: 'v1' } }]);
    await jest.advanceTimersByTimeAsync(400);
    expect(stream.markers()).toHaveLength(1);
    // Still open 500 ms after its marker (the marker was lost or ignored): proposed again.
    await jest.advanceTimersByTimeAsync(125);
    expect(stream.markers()).toHaveLength(2);

    Object.assign(block, { nextHeight: 8, pendingSince: Date.now() });
    publisher.arm(); // as the stream consumer does after each batch
    await jest.advanceTimersByTimeAsync(50);
    expect(stream.markers().map((m) => m.entry)).toEqual([
      { kind: 'cut', height: 7, validator: 'v1' },
      { kind: 'cut', height: 7, validator: 'v1' },
      { kind: 'cut', height: 8, validator: 'v1' },
    ]);
  });

  it('lets the open block wait longer after a busy block: BLOCK_TIMEOUT_MS and 2.5 ms per transaction the previous one held, at most 150 ms here', async () => {
    Object.assign(block, { pendingCount: 40, pendingSince: Date.now(), previousTxCount: 24 });
    publisher.arm();
    await jest.advanceTimersByTimeAsync(109);
    expect(stream.markers()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(stream.markers().map((m) => m.entry)).toEqual([{ kind: 'cut', height: 7, validator: 'v1' }]);

    Object.assign(block, { nextHeight: 8, pendingSince: Date.now(), previousTxCount: 400 });
    publisher.arm();
    await jest.advanceTimersByTimeAsync(149);
    expect(stream.markers()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(stream.markers()).toHaveLength(2);

    // Quiet again: the next block after a small one waits about BLOCK_TIMEOUT_MS (here 50 + 5).
    Object.assign(block, { nextHeight: 9, pendingCount: 1, pendingSince: Date.now(), previousTxCount: 2 });
    publisher.arm();
    await jest.advanceTimersByTimeAsync(54);
    expect(stream.markers()).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(stream.markers().map((m) => m.entry)).toEqual([7, 8, 9].map((height) => ({ kind: 'cut', height, validator: 'v1' })));
  });

  it('proposes nothing for an empty block, nor while the validator may not propose (not caught up, halted)', async () => {
    await jest.advanceTimersByTimeAsync(500);
    Object.assign(block, { pendingCount: 1, pendingSince: Date.now() });
    publisher.arm(); // as the stream consumer does after each batch
    mayPropose = false;
    await jest.advanceTimersByTimeAsync(500);
    expect(stream.markers()).toEqual([]);
    mayPropose = true;
    publisher.arm(); // by the batch that caught up
    await jest.advanceTimersByTimeAsync(25);
    expect(stream.markers().map((m) => m.entry)).toEqual([{ kind: 'cut', height: 7, validator: 'v1' }]);
  });

  it('proposes the same height again after a failed send', async () => {
    Object.assign(block, { pendingCount: 1, pendingSince: Date.now() });
    publisher.arm(); // as the stream consumer does after each batch
    stream.down = true;
    await jest.advanceTimersByTimeAsync(100);
    expect(stream.markers()).toEqual([]);
    stream.down = false;
    await jest.advanceTimersByTimeAsync(25);
    expect(stream.markers().map((m) => m.entry)).toEqual([{ kind: 'cut', height: 7, validator: 'v1' }]);
  });

  it('proposes an empty block once a queued transfer’s deadline has passed, so an idle network times out its queue', async () => {
    Object.assign(block, { nextDeadline: Date.now() + 200 });
    publisher.arm(); // as the stream consumer does after each batch
    await jest.advanceTimersByTimeAsync(175);
    expect(stream.markers()).toEqual([]);
    await jest.advanceTimersByTimeAsync(50);
    expect(stream.markers().map((m) => m.entry)).toEqual([{ kind: 'cut', height: 7, validator: 'v1' }]);
    // Ignored by the cutters (stamped before the deadline by the broker): proposed again later, not in a flood.
    await jest.advanceTimersByTimeAsync(450);
    expect(stream.markers()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(75);
    expect(stream.markers()).toHaveLength(2);
  });

  it('keeps no timer but the idle check while nothing is due, and sees a change no batch announced within IDLE_CHECK_MS', async () => {
    await jest.advanceTimersByTimeAsync(200);
    expect(jest.getTimerCount()).toBe(1);
    block.pendingCount = 1;
    block.pendingSince = Date.now();
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(IDLE_CHECK_MS - 200 - 1);
    expect(stream.markers()).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(stream.markers().map((m) => m.entry)).toEqual([{ kind: 'cut', height: 7, validator: 'v1' }]);
  });

  it('does not look again and again while a proposal is due but may not be made (not caught up, halted)', async () => {
    publisher.stop();
    const looks = jest.fn(() => false);
    publisher = new CutMarkerPublisher(config, stream.asProducer(), block, looks, createLogger('marker-test', 'silent'));
    publisher.start();
    Object.assign(block, { pendingCount: 1, pendingSince: Date.now() });
    publisher.arm();
    await jest.advanceTimersByTimeAsync(IDLE_CHECK_MS - 1);
    expect(looks).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(looks).toHaveBeenCalledTimes(2);
    expect(stream.markers()).toEqual([]);
  });

  it('stops proposing once stopped', async () => {
    publisher.stop();
    Object.assign(block, { pendingCount: 1, pendingSince: Date.now() });
    publisher.arm(); // as the stream consumer does after each batch
    await jest.advanceTimersByTimeAsync(500);
    expect(stream.markers()).toEqual([]);
  });
});
