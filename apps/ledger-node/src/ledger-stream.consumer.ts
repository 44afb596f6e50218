import { AssertionError } from 'node:assert';
import { Logger, OffsetHints, counter, retryForever, sessionSettings, topicName } from '@nostro/platform';
import { Topic, ledgerEntrySchema } from '@nostro/shared';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { BlockPipeline, StreamEntry } from './block.pipeline';
import { LedgerConfig } from './config';
import { LedgerRepository } from './ledger.repository';

/** Messages parsed (and checked for known ids, one query) at a time, so parsing overlaps the block writes. */
const DECODE_CHUNK = 4_096;

const streamBatches = counter('ledger_stream_batches_total', 'Batches of the ordered stream (ledger.tx) this validator fetched and fed to its blocks');
const RECOVERY_DELAY_MS = 1_000;

/** The validator's halt switch, as the consumer sees it: it reads it, and throws it when the stream is unusable. */
export interface HaltSwitch {
  haltedBecause(): string | null;
  halt(reason: string): void;
}

/**
 * Reads the ordered ledger stream into the block pipeline. Offsets live only with the blocks: on every group join
 * the consumer seeks to the offset after the last committed block, and after a failed block write it reloads the
 * pipeline and seeks back there (the Kafka commit, once a second at most, is a hint only). Halts the validator
 * rather than skip entries when the stream ends before its own chain.
 */
export class LedgerStreamConsumer {
  private consumer: Consumer | null = null;
  /** Kafka's copy of the stream offset (a hint for lag tools; the chain in Postgres holds the truth). */
  private readonly offsetHints = new OffsetHints(async (offsets) => {
    await this.consumer?.commitOffsets(offsets);
  });
  private stopped = false;
  private connected = false;
  private needsReload = false;
  private caughtUp = false;

  constructor(
    private readonly config: LedgerConfig,
    private readonly repo: LedgerRepository,
    private readonly kafka: Kafka,
    private readonly pipeline: BlockPipeline,
    private readonly halts: HaltSwitch,
    private readonly log: Logger,
    /** Called after each batch, whatever came of it: the open block may have changed (the cut-marker publisher's arm). */
    private readonly afterBatch: () => void = () => undefined,
  ) {}

  isConnected(): boolean {
    return this.connected;
  }

  /** True when the last batch left less than a full block unread: only then is a cut marker worth proposing. */
  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  start(): void {
    void retryForever(
      'ledger stream consumer start',
      () => this.connect(),
      this.log,
      () => this.stopped || this.halts.haltedBecause() !== null,
    );
  }

  /** Stops the consumer's fetch loop (the validator halted); `stop()` still disconnects it at shutdown. */
  stopFetching(): void {
    void this.consumer?.stop().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.offsetHints.flush();
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private stream(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX);
  }

  private async reload(): Promise<void> {
    await this.pipeline.reload();
    this.needsReload = false;
  }

  private async connect(): Promise<void> {
    const stored = await this.repo.activeHalt();
    if (stored) {
      this.halts.halt(`${stored.reason} (recorded before this start; clear it in table halts once resolved)`);
      return;
    }
    await this.reload();
    if (await this.streamShorterThanChain()) return;
    const consumer = this.kafka.consumer({
      groupId: `${this.config.KAFKA_TOPIC_PREFIX}ledger-${this.config.VALIDATOR_ID}`,
      maxBytes: 32 * 1024 * 1024,
      maxBytesPerPartition: 16 * 1024 * 1024,
      ...sessionSettings(this.config.KAFKA_SESSION_TIMEOUT_MS),
    });
    consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic: this.stream(), partition: 0, offset: this.pipeline.committed.nextOffset.toString() }));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.stream(), fromBeginning: true });
      this.consumer = consumer;
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatchThen(p) });
    } catch (error) {
      this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.connected = true;
    this.log.info({ height: this.pipeline.committed.height, nextOffset: this.pipeline.committed.nextOffset.toString() }, 'ledger stream consumer running');
  }

  /**
   * Halts when the stream ends before the offset this validator's own chain reached: the topic was recreated or
   * truncated. Kafka would reset the consumer to the start and every new entry below that offset would be skipped.
   */
  private async streamShorterThanChain(highWatermark?: string): Promise<boolean> {
    let high = highWatermark;
    if (high === undefined) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        high = (await admin.fetchTopicOffsets(this.stream())).find((p) => p.partition === 0)?.high ?? '0';
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    const next = this.pipeline.committed.nextOffset;
    if (BigInt(high) >= next) return false;
    this.halts.halt(
      `the ledger stream ${this.stream()} ends at offset ${high}, before this validator's chain (next offset ${next}): the topic was recreated or truncated`,
    );
    return true;
  }

  private async onBatchThen(payload: EachBatchPayload): Promise<void> {
    try {
      await this.onBatch(payload);
    } finally {
      this.afterBatch();
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.halts.haltedBecause() || this.stopped) return;
    if (await this.streamShorterThanChain(batch.highWatermark)) return;
    if (this.needsReload) return this.recover(payload);
    const fedFrom = this.pipeline.nextFeedOffset;
    streamBatches.inc();
    this.pipeline.beginBatch();
    const control = { isRunning: () => payload.isRunning() && !this.halts.haltedBecause(), heartbeat: () => payload.heartbeat() };
    try {
      for (let i = 0; i < batch.messages.length && control.isRunning(); i += DECODE_CHUNK) {
        const decoded = this.decode(batch.messages.slice(i, i + DECODE_CHUNK));
        if (decoded.length > 0) await this.pipeline.feedChunk(decoded, control);
      }
      await this.pipeline.drainWrites();
    } catch (error) {
      if (this.halts.haltedBecause()) return;
      // A broken invariant is corrupt state, not a failed write: replaying would only break it again.
      if (error instanceof AssertionError) return this.halts.halt(error.message);
      this.log.error({ err: error, height: this.pipeline.committed.height }, 'block write failed; replaying the stream from the last committed block');
      this.needsReload = true;
      // A write still in flight may yet commit: the reload must see the database after it, not before.
      await this.pipeline.settleWrites();
      return this.recover(payload);
    }
    this.caughtUp = BigInt(batch.highWatermark) - this.pipeline.nextFeedOffset < BigInt(this.config.BLOCK_MAX_TX);
    if (this.pipeline.nextFeedOffset === fedFrom) return;
    payload.resolveOffset((this.pipeline.nextFeedOffset - 1n).toString());
    this.offsetHints.note(batch.topic, batch.partition, this.pipeline.committed.nextOffset.toString());
    await payload.heartbeat();
  }

  /** Parses the messages the pipeline has not seen yet. A malformed one is passed on as null (skipped, in order). */
  private decode(messages: KafkaMessage[]): StreamEntry[] {
    const from = this.pipeline.nextFeedOffset;
    const out: StreamEntry[] = [];
    for (const message of messages) {
      if (BigInt(message.offset) < from) continue;
      const parsed = ledgerEntrySchema.safeParse(safeJson(message.value?.toString('utf8')));
      if (!parsed.success) this.log.error({ offset: message.offset, issues: parsed.error.issues.slice(0, 3) }, 'malformed ledger stream entry skipped');
      out.push({ entry: parsed.success ? parsed.data : null, offset: message.offset, timestamp: Number(message.timestamp) });
    }
    return out;
  }

  /** Reloads from the database and rewinds the consumer to the offset after the last committed block. */
  private async recover(payload: EachBatchPayload): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.log.error({ err: error }, 'reloading the ledger state failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, RECOVERY_DELAY_MS));
    }
    this.consumer?.seek({ topic: payload.batch.topic, partition: payload.batch.partition, offset: this.pipeline.committed.nextOffset.toString() });
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
