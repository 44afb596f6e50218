import { Logger, OutboxMessage, Pool, enqueueOutbox, retryForever, topicName, withTransaction, counter, histogram } from '@nostro/platform';
import {
  BlockCutter,
  BlockSignatureMessage,
  LedgerState,
  SealedBlock,
  Topic,
  genesisPrevHash,
  ledgerEntrySchema,
  signBlock,
} from '@nostro/shared';
import { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { LedgerConfig } from './config';
import { FinalityService } from './finality.service';
import { LedgerRepository } from './ledger.repository';

const blocksCut = counter('ledger_blocks_total', 'Blocks cut and applied by this validator');
const txApplied = counter('ledger_transactions_total', 'Transactions recorded in blocks, by outcome', ['outcome']);
const blockApplySeconds = histogram('ledger_block_apply_seconds', 'Time to persist one block', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);

/**
 * Reads the ordered ledger stream, cuts blocks deterministically, applies each block to this validator's database
 * in one transaction (together with the stream offset it ends at), signs the header and publishes the signature.
 * Offsets live only with the blocks: after a crash the validator reloads its state and resumes after the last block.
 */
export class ChainService {
  private consumer: Consumer | null = null;
  private cutter!: BlockCutter;
  private knownIds = new Set<string>();
  private nextOffset: bigint | null = null;
  private height = 0;
  private stopped = false;
  private connected = false;
  private halted: string | null = null;
  private pendingSince: number | null = null;
  private lastMarkerHeight = 0;
  private markerTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: LedgerConfig,
    private readonly pool: Pool,
    private readonly repo: LedgerRepository,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly finality: FinalityService,
    private readonly log: Logger,
  ) {}

  get tipHeight(): number {
    return this.height;
  }

  isRunning(): boolean {
    return this.connected && this.halted === null;
  }

  haltReason(): string | null {
    return this.halted;
  }

  /** Stops applying blocks (divergence from the quorum): loud, never silent. */
  halt(reason: string): void {
    if (this.halted) return;
    this.halted = reason;
    this.log.fatal({ reason }, 'VALIDATOR HALTED: stops applying blocks until an operator intervenes');
    void this.consumer?.stop().catch(() => undefined);
  }

  start(): void {
    void retryForever('ledger stream consumer start', () => this.connect(), this.log, () => this.stopped);
    this.markerTimer = setInterval(() => void this.proposeCut(), Math.max(5, Math.floor(this.config.BLOCK_TIMEOUT_MS / 2)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.markerTimer) clearInterval(this.markerTimer);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private stream(): string {
    return topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX);
  }

  /** Loads the last applied block and the state after it. Called at start and after any failed block write. */
  private async reload(): Promise<void> {
    const [snapshot, tip, known] = await Promise.all([this.repo.loadSnapshot(), this.repo.loadTip(), this.repo.loadKnownIds()]);
    const prevHash = tip.hash ?? genesisPrevHash(this.config.NETWORK_ID);
    this.cutter = new BlockCutter(new LedgerState(snapshot), { nextHeight: tip.height + 1, prevHash }, {
      blockMaxTx: this.config.BLOCK_MAX_TX,
      isKnown: (id) => this.knownIds.has(id),
    });
    this.knownIds = known;
    this.nextOffset = tip.nextOffset;
    this.height = tip.height;
    this.pendingSince = null;
  }

  private async connect(): Promise<void> {
    await this.reload();
    const consumer = this.kafka.consumer({ groupId: `${this.config.KAFKA_TOPIC_PREFIX}ledger-${this.config.VALIDATOR_ID}`, maxBytes: 32 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024, sessionTimeout: 30_000 });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.nextOffset !== null) consumer.seek({ topic: this.stream(), partition: 0, offset: this.nextOffset.toString() });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.stream(), fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (p) => this.onBatch(p) });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    this.connected = true;
    this.log.info({ height: this.height, nextOffset: this.nextOffset?.toString() ?? 'beginning' }, 'ledger stream consumer running');
  }

  private async onBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || this.halted) return;
      if (this.nextOffset !== null && BigInt(message.offset) < this.nextOffset) continue;
      const parsed = ledgerEntrySchema.safeParse(safeJson(message.value?.toString('utf8')));
      if (!parsed.success) {
        this.log.error({ offset: message.offset, issues: parsed.error.issues.slice(0, 3) }, 'malformed ledger stream entry skipped');
        continue;
      }
      if (parsed.data.kind !== 'cut' && this.pendingSince === null) this.pendingSince = Date.now();
      const block = this.cutter.feed(parsed.data, message.offset, Number(message.timestamp));
      if (!block) continue;
      await this.persist(block).catch(async (error: unknown) => {
        this.log.error({ err: error, height: block.header.height }, 'block write failed; reloading state from the database');
        await this.reload().catch(() => undefined);
        throw error;
      });
      resolveOffset(block.lastOffset);
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(block.lastOffset) + 1n).toString() }] }],
      }).catch(() => undefined);
      await heartbeat();
    }
  }

  private async persist(block: SealedBlock): Promise<void> {
    const started = process.hrtime.bigint();
    const signature = signBlock(block.hash, Buffer.from(this.config.signingSeed, 'base64url'));
    const message: BlockSignatureMessage = { validator: this.config.VALIDATOR_ID, height: block.header.height, hash: block.hash, signature };
    const outbox: OutboxMessage = {
      topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_SIGNATURES),
      key: String(block.header.height),
      payload: message,
    };
    await withTransaction(this.pool, async (tx) => {
      await this.repo.insertBlock(tx, block);
      await this.repo.insertSignature(tx, block.header.height, { validator: message.validator, hash: message.hash, signature });
      await enqueueOutbox(tx, [outbox]);
      await this.finality.checkQuorum(tx, block.header.height);
    });
    for (const leaf of block.leaves) {
      this.knownIds.add(leaf.id);
      txApplied.labels(leaf.outcome.status).inc();
    }
    this.nextOffset = BigInt(block.lastOffset) + 1n;
    this.height = block.header.height;
    this.pendingSince = this.cutter.pendingCount > 0 ? Date.now() : null;
    blocksCut.inc();
    blockApplySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Proposes closing the current block once it has waited BLOCK_TIMEOUT_MS; the first marker in the stream wins. */
  private async proposeCut(): Promise<void> {
    if (!this.connected || this.halted || this.pendingSince === null || this.cutter.pendingCount === 0) return;
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
