import { Logger, counter, histogram, retryForever, sessionSettings, topicName } from '@nostro/platform';
import {
  BlockCutter,
  BlockSignatureMessage,
  LedgerEntry,
  LedgerState,
  SealedBlock,
  Topic,
  genesisPrevHash,
  ledgerEntrySchema,
  signBlock,
} from '@nostro/shared';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Gauge, register } from 'prom-client';
import { LedgerConfig } from './config';
import { FinalityService } from './finality.service';
import { LedgerRepository } from './ledger.repository';

const blocksCut = counter('ledger_blocks_total', 'Blocks cut and applied by this validator');
const txApplied = counter('ledger_transactions_total', 'Transactions recorded in blocks, by outcome', ['outcome']);
const entriesSkipped = counter('ledger_entries_skipped_total', 'Stream entries not recorded, by reason', ['reason']);
const blockApplySeconds = histogram('ledger_block_apply_seconds', 'Time to persist one block', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
const halted = (register.getSingleMetric('ledger_halted') as Gauge | undefined) ?? new Gauge({ name: 'ledger_halted', help: '1 when this validator stopped applying blocks (divergence)' });
const tipHeight = (register.getSingleMetric('ledger_height') as Gauge | undefined) ?? new Gauge({ name: 'ledger_height', help: 'Height of the last block this validator applied' });

/** Sealed blocks written to Postgres while the next ones are cut (bounded, so memory and lag stay bounded). */
const WRITES_IN_FLIGHT_MAX = 2;
/** Messages parsed (and checked for known ids, one query) at a time, so parsing overlaps the block writes. */
const DECODE_CHUNK = 4_096;
const RECOVERY_DELAY_MS = 1_000;
const FINALITY_SWEEP_MS = 500;

interface Decoded {
  entry: LedgerEntry | null;
  offset: string;
  timestamp: number;
}

/**
 * Reads the ordered ledger stream, cuts blocks deterministically, applies each block to this validator's database
 * in one transaction (together with the stream offset it ends at), signs the header and publishes the signature.
 * Offsets live only with the blocks: after a crash the validator reloads its state and resumes after the last block.
 * Cutting (CPU) and writing (Postgres) overlap: up to WRITES_IN_FLIGHT_MAX sealed blocks wait for their commit,
 * in order; a failed write discards everything after the last committed block and replays the stream from there.
 */
export class ChainService {
  private consumer: Consumer | null = null;
  private cutter!: BlockCutter;
  /** Ids recorded by blocks sealed during the current Kafka batch (earlier ones are in the database). */
  private readonly recentIds = new Set<string>();
  private knownInBatch = new Set<string>();
  private writes: Promise<void>[] = [];
  private committed = { height: 0, nextOffset: 0n };
  private stopped = false;
  private connected = false;
  private haltReason: string | null = null;
  private needsReload = false;
  private caughtUp = false;
  private pendingSince: number | null = null;
  private lastMarkerHeight = 0;
  private markerTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly config: LedgerConfig,
    private readonly repo: LedgerRepository,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly finality: FinalityService,
    private readonly log: Logger,
  ) {}

  get tipHeight(): number {
    return this.committed.height;
  }

  get nextOffset(): bigint {
    return this.committed.nextOffset;
  }

  isRunning(): boolean {
    return this.connected && this.haltReason === null;
  }

  haltedBecause(): string | null {
    return this.haltReason;
  }

  /** Stops applying blocks (divergence from the quorum): loud, never silent. */
  halt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    halted.set(1);
    this.log.fatal({ reason }, 'VALIDATOR HALTED: it stops applying blocks until an operator intervenes (docs/ledger.md, "Divergence")');
    void this.consumer?.stop().catch(() => undefined);
  }

  start(): void {
    void retryForever('ledger stream consumer start', () => this.connect(), this.log, () => this.stopped || this.haltReason !== null);
    this.markerTimer = setInterval(() => void this.proposeCut(), Math.max(5, Math.floor(this.config.BLOCK_TIMEOUT_MS / 2)));
    this.sweepTimer = setInterval(() => void this.sweepFinality(), FINALITY_SWEEP_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.markerTimer) clearInterval(this.markerTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private stream(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX);
  }

  /** Loads the last applied block and the state after it. Called at start and after any failed block write. */
  private async reload(): Promise<void> {
    const [snapshot, tip] = await Promise.all([this.repo.loadSnapshot(), this.repo.loadTip()]);
    const nextOffset = tip.nextOffset ?? 0n;
    this.cutter = new BlockCutter(new LedgerState(snapshot), { nextHeight: tip.height + 1, prevHash: tip.hash ?? genesisPrevHash(this.config.NETWORK_ID), nextOffset }, {
      blockMaxTx: this.config.BLOCK_MAX_TX,
      isKnown: (id) => this.knownInBatch.has(id) || this.recentIds.has(id),
    });
    this.committed = { height: tip.height, nextOffset };
    this.writes = [];
    this.recentIds.clear();
    this.pendingSince = null;
    this.needsReload = false;
    tipHeight.set(tip.height);
  }

  private async connect(): Promise<void> {
    const stored = await this.repo.activeHalt();
    if (stored) {
      this.halt(`${stored.reason} (recorded before this start; clear it in table halts once resolved)`);
      return;
    }
    await this.reload();
    if (await this.streamShorterThanChain()) return;
    const consumer = this.kafka.consumer({ groupId: `${this.config.KAFKA_TOPIC_PREFIX}ledger-${this.config.VALIDATOR_ID}`, maxBytes: 32 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024, ...sessionSettings(this.config.KAFKA_SESSION_TIMEOUT_MS) });
    consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic: this.stream(), partition: 0, offset: this.committed.nextOffset.toString() }));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.stream(), fromBeginning: true });
      this.consumer = consumer;
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
    } catch (error) {
      this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.connected = true;
    this.log.info({ height: this.committed.height, nextOffset: this.committed.nextOffset.toString() }, 'ledger stream consumer running');
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
    const next = this.committed.nextOffset;
    if (BigInt(high) >= next) return false;
    this.halt(`the ledger stream ${this.stream()} ends at offset ${high}, before this validator's chain (next offset ${next}): the topic was recreated or truncated`);
    return true;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.haltReason || this.stopped) return;
    if (await this.streamShorterThanChain(batch.highWatermark)) return;
    if (this.needsReload) return this.recover(payload);
    const fedFrom = this.cutter.nextOffset;
    // Every block of earlier batches is committed (writes are drained at the end of each batch): the database
    // knows their ids; this set only needs the ids of blocks sealed during this batch.
    this.recentIds.clear();
    try {
      for (let i = 0; i < batch.messages.length && payload.isRunning() && !this.haltReason; i += DECODE_CHUNK) {
        const decoded = this.decode(batch.messages.slice(i, i + DECODE_CHUNK));
        if (decoded.length > 0) await this.feedChunk(decoded, payload);
      }
      await this.drainWrites();
    } catch (error) {
      if (this.haltReason) return;
      this.log.error({ err: error, height: this.committed.height }, 'block write failed; replaying the stream from the last committed block');
      this.needsReload = true;
      // A write still in flight may yet commit: the reload must see the database after it, not before.
      await Promise.allSettled(this.writes);
      return this.recover(payload);
    }
    this.caughtUp = BigInt(batch.highWatermark) - this.cutter.nextOffset < BigInt(this.config.BLOCK_MAX_TX);
    if (this.cutter.nextOffset === fedFrom) return;
    payload.resolveOffset((this.cutter.nextOffset - 1n).toString());
    await payload
      .commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: this.committed.nextOffset.toString() }] }] })
      .catch(() => undefined);
    await payload.heartbeat();
  }

  /** Parses the messages the cutter has not seen yet. A malformed one is passed on as null (skipped, in order). */
  private decode(messages: KafkaMessage[]): Decoded[] {
    const from = this.cutter.nextOffset;
    const out: Decoded[] = [];
    for (const message of messages) {
      if (BigInt(message.offset) < from) continue;
      const parsed = ledgerEntrySchema.safeParse(safeJson(message.value?.toString('utf8')));
      if (!parsed.success) this.log.error({ offset: message.offset, issues: parsed.error.issues.slice(0, 3) }, 'malformed ledger stream entry skipped');
      out.push({ entry: parsed.success ? parsed.data : null, offset: message.offset, timestamp: Number(message.timestamp) });
    }
    return out;
  }

  /** Feeds a chunk: one query first for which of its ids are already in a committed block, then the entries. */
  private async feedChunk(decoded: Decoded[], payload: EachBatchPayload): Promise<void> {
    const ids: string[] = [];
    for (const { entry } of decoded) if (entry && entry.kind !== 'cut') ids.push(entry.id);
    this.knownInBatch = await this.repo.knownIds(ids);
    for (const item of decoded) {
      if (!payload.isRunning() || this.haltReason) return;
      const block = this.feed(item);
      if (!block) continue;
      await this.enqueueWrite(block);
      await payload.heartbeat();
    }
  }

  /** Feeds one entry to the cutter; returns the block it sealed, if any. */
  private feed(item: Decoded): SealedBlock | null {
    const result = this.cutter.feed(item.entry, item.offset, item.timestamp);
    switch (result.kind) {
      case 'pending':
        this.pendingSince ??= Date.now();
        return null;
      case 'duplicate':
      case 'malformed':
        entriesSkipped.labels(result.kind).inc();
        return null;
      case 'sealed':
        this.pendingSince = this.cutter.pendingCount > 0 ? Date.now() : null;
        for (const leaf of result.block.leaves) this.recentIds.add(leaf.id);
        return result.block;
      default:
        return null;
    }
  }

  /** Queues the block's write after the previous one; waits for the oldest when too many are in flight. */
  private async enqueueWrite(block: SealedBlock): Promise<void> {
    const previous = this.writes[this.writes.length - 1] ?? Promise.resolve();
    const write = previous.then(() => this.persist(block));
    write.catch(() => undefined); // awaited below or in drainWrites; this only silences the unhandled rejection
    this.writes.push(write);
    if (this.writes.length > WRITES_IN_FLIGHT_MAX) await this.writes.shift();
  }

  private async drainWrites(): Promise<void> {
    const last = this.writes[this.writes.length - 1];
    this.writes = [];
    if (last) await last;
  }

  /** Reloads from the database and rewinds the consumer to the offset after the last committed block. */
  private async recover(payload: EachBatchPayload): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.log.error({ err: error }, 'reloading the ledger state failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, RECOVERY_DELAY_MS));
    }
    this.consumer?.seek({ topic: payload.batch.topic, partition: payload.batch.partition, offset: this.committed.nextOffset.toString() });
  }

  private async persist(block: SealedBlock): Promise<void> {
    if (this.haltReason) throw new Error('validator halted');
    const started = process.hrtime.bigint();
    const { header, hash } = block;
    const signature = signBlock(hash, Buffer.from(this.config.signingSeed, 'base64url'));
    const message: BlockSignatureMessage = { validator: this.config.VALIDATOR_ID, height: header.height, hash, signature };
    const stored = await this.repo.insertBlock(block, {
      validator: message.validator,
      signature,
      quorum: this.config.LEDGER_QUORUM,
      topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_SIGNATURES),
      payload: message,
    });
    this.committed = { height: header.height, nextOffset: BigInt(block.lastOffset) + 1n };
    for (const leaf of block.leaves) txApplied.labels(leaf.outcome.status).inc();
    blocksCut.inc();
    tipHeight.set(header.height);
    blockApplySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await this.finality.afterOwnBlock({ block: { ...header, hash }, leaves: block.leaves }, stored);
  }

  /** Finalises what a missed quorum check left behind (see FinalityService.sweep); never overlaps itself. */
  private async sweepFinality(): Promise<void> {
    if (!this.connected || this.haltReason || this.sweeping) return;
    this.sweeping = true;
    try {
      await this.finality.sweep();
    } catch (error) {
      this.log.warn({ err: error }, 'finality sweep failed; retrying');
    } finally {
      this.sweeping = false;
    }
  }

  /** Proposes closing the current block once it has waited BLOCK_TIMEOUT_MS; the first marker in the stream wins. */
  private async proposeCut(): Promise<void> {
    if (!this.connected || this.haltReason || !this.caughtUp || this.pendingSince === null || this.cutter.pendingCount === 0) return;
    if (Date.now() - this.pendingSince < this.config.BLOCK_TIMEOUT_MS) return;
    const height = this.cutter.nextHeight;
    if (this.lastMarkerHeight === height) return;
    this.lastMarkerHeight = height;
    try {
      await this.producer.send({
        topic: this.stream(),
        acks: -1,
        messages: [{ value: JSON.stringify({ kind: 'cut', height, validator: this.config.VALIDATOR_ID }) }],
      });
    } catch (error) {
      this.lastMarkerHeight = 0;
      this.log.warn({ err: error, height }, 'could not publish a cut marker');
    }
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
