import { bootstrapEntry, depositEntry } from './testing/ledger-fixtures';
import { createLogger } from '@nostro/platform';
import { LedgerEntry, LedgerState, base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Gauge, register } from 'prom-client';
import { ChainService } from './chain.service';
import { LedgerConfig } from './config';
import { FinalityService } from './finality.service';
import { MemoryLedger } from './testing/memory-ledger';

const keys = generateEd25519KeyPair();
const config = {
  VALIDATOR_ID: 'v0',
  NETWORK_ID: 'chain-test',
  BLOCK_MAX_TX: 3,
  BLOCK_TIMEOUT_MS: 50,
  BLOCK_TIMEOUT_MAX_MS: 150,
  LEDGER_QUORUM: 2,
  KAFKA_TOPIC_PREFIX: 'test.',
  KAFKA_SESSION_TIMEOUT_MS: 30_000,
  signingSeed: base64UrlEncode(keys.seed),
} as LedgerConfig;
const TOPIC = 'test.ledger.tx';

/** One partition of the ordered stream, and what the validator's consumer told Kafka. */
class Broker {
  messages: KafkaMessage[] = [];
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  seeks: string[] = [];
  commits: string[] = [];
  consumerStopped = false;

  append(entries: (LedgerEntry | string)[]): void {
    for (const entry of entries) {
      const offset = this.messages.length;
      this.messages.push({
        offset: String(offset),
        timestamp: String(1_700_000_000_000 + offset),
        value: Buffer.from(typeof entry === 'string' ? entry : JSON.stringify(entry)),
      } as KafkaMessage);
    }
  }

  /** Delivers one batch: the messages from `offset` to the end of the partition. */
  async deliver(offset: number): Promise<void> {
    if (!this.eachBatch) throw new Error('the consumer is not running');
    const batch = { topic: TOPIC, partition: 0, highWatermark: String(this.messages.length), messages: this.messages.slice(offset) };
    await this.eachBatch({
      batch,
      isRunning: () => !this.consumerStopped,
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
    } as unknown as EachBatchPayload);
  }

  asKafka(): Kafka {
    const consumer = {
      events: { GROUP_JOIN: 'consumer.group_join' },
      on: () => undefined,
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        this.eachBatch = eachBatch;
      },
      seek: ({ offset }: { offset: string }) => this.seeks.push(offset),
      commitOffsets: async (offsets: { offset: string }[]) => {
        this.commits.push(...offsets.map((o) => o.offset));
      },
      stop: async () => {
        this.consumerStopped = true;
      },
      disconnect: async () => undefined,
    };
    const admin = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: String(this.messages.length), offset: String(this.messages.length) }],
    };
    return { consumer: () => consumer, admin: () => admin } as unknown as Kafka;
  }
}

const silent = createLogger('chain-test', 'silent');
const finality = { afterOwnBlock: async () => 'pending', sweep: async () => undefined } as unknown as FinalityService;
const producer = { send: async () => [] } as unknown as Producer;
const bootstrap = bootstrapEntry;
const deposit = depositEntry;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not reached');
}

describe('ChainService', () => {
  let db: MemoryLedger;
  let broker: Broker;
  let chain: ChainService;

  beforeEach(() => {
    db = new MemoryLedger();
    broker = new Broker();
    chain = new ChainService(config, db.asRepository(), broker.asKafka(), producer, finality, silent);
  });

  afterEach(async () => {
    await chain.stop();
    jest.restoreAllMocks();
  });

  async function started(): Promise<void> {
    chain.start();
    await until(() => chain.isRunning() || chain.haltedBecause() !== null);
  }

  it('applies the stream block by block, skipping a malformed entry, and tells Kafka the offset after its last block', async () => {
    broker.append([bootstrap, deposit(100n), 'not json', deposit(200n), deposit(300n), deposit(400n)]);
    await started();
    await broker.deliver(0);
    expect(db.blocks.map((b) => b.block.leaves.length)).toEqual([3]);
    expect({ height: chain.tipHeight, nextOffset: chain.nextOffset, halted: chain.haltedBecause(), running: chain.isRunning() }).toEqual({
      height: 1,
      nextOffset: 4n,
      halted: null,
      running: true,
    });
    broker.append([
      { kind: 'cut', height: 2, validator: 'v1' },
      { kind: 'cut', height: 2, validator: 'v2' },
    ]);
    await broker.deliver(6);
    expect(db.blocks.map((b) => b.block.leaves.length)).toEqual([3, 2]);
    expect({ height: chain.tipHeight, nextOffset: chain.nextOffset }).toEqual({ height: 2, nextOffset: 7n });
    // Kafka's copy of the offset is a hint, committed once a second at most (and at stop): the latest one.
    await chain.stop();
    expect(broker.commits).toEqual(['7']);
  });

  it('after a failed block write, rewinds to the last committed block and re-cuts the same blocks', async () => {
    broker.append([bootstrap, deposit(1n), deposit(2n), deposit(3n), deposit(4n), deposit(5n)]);
    await started();
    await broker.deliver(0);
    broker.append([deposit(6n), deposit(7n), deposit(8n)]);
    db.failNextWrite = true;
    await broker.deliver(6);
    expect(broker.seeks).toEqual(['6']);
    await broker.deliver(6);
    expect(db.blocks.map((b) => b.block.header.height)).toEqual([1, 2, 3]);
    expect(chain.haltedBecause()).toBeNull();
  });

  it('halts, loudly and without replaying, when a block breaks a ledger invariant', async () => {
    broker.append([bootstrap, deposit(100n), deposit(200n)]);
    await started();
    await broker.deliver(0);
    // A state machine bug: a transfer that credits without debiting.
    jest.spyOn(LedgerState.prototype, 'applyTransfer').mockImplementation(function (this: LedgerState, tx) {
      const credited = tx.postings.find((p) => BigInt(p.amount) > 0n);
      const account = credited && this.account(credited.account);
      if (account) account.balance += BigInt(credited.amount);
      return { status: 'accepted' };
    });
    broker.append([deposit(1n), deposit(2n), deposit(3n)]);
    await broker.deliver(3);
    expect(chain.haltedBecause()).toBe('ledger invariant broken by block 2: USD balances sum to 6, not zero');
    expect({ running: chain.isRunning(), consumerStopped: broker.consumerStopped, seeks: broker.seeks, tip: chain.tipHeight }).toEqual({
      running: false,
      consumerStopped: true,
      seeks: [],
      tip: 1,
    });
    expect(db.blocks).toHaveLength(1);
    expect((await (register.getSingleMetric('ledger_halted') as Gauge).get()).values[0]?.value).toBe(1);
  });

  it('halts instead of skipping entries when the stream ends before its own chain', async () => {
    broker.append([bootstrap, deposit(1n), deposit(2n)]);
    await started();
    await broker.deliver(0);
    await chain.stop();

    const recreated = new Broker();
    chain = new ChainService(config, db.asRepository(), recreated.asKafka(), producer, finality, silent);
    await started();
    expect(chain.haltedBecause()).toBe(
      "the ledger stream test.ledger.tx ends at offset 0, before this validator's chain (next offset 3): the topic was recreated or truncated",
    );
    expect(recreated.eachBatch).toBeNull();
  });

  it('stays halted at start while a divergence is recorded', async () => {
    db.halt = { height: 4, ownHash: 'a'.repeat(64), quorumHash: 'b'.repeat(64), reason: 'divergence at height 4' };
    await started();
    expect(chain.haltedBecause()).toBe('divergence at height 4 (recorded before this start; clear it in table halts once resolved)');
    expect(broker.eachBatch).toBeNull();
  });
});
