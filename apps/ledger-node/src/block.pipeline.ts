import assert from 'node:assert';
import { Logger, counter, histogram, topicName } from '@nostro/platform';
import {
  BlockCutter,
  BlockSignatureMessage,
  EscrowBook,
  LedgerEntry,
  LedgerState,
  LiquidityQueue,
  SealedBlock,
  Topic,
  currencySums,
  describeInvariantProblem,
  genesisPrevHash,
  ledgerInvariantProblems,
} from '@nostro/shared';
import { signBlockFast } from '@nostro/shared-node';
import { Gauge, register } from 'prom-client';
import { LedgerConfig } from './config';
import { FinalityService } from './finality.service';
import { LedgerRepository } from './ledger.repository';

const blocksCut = counter('ledger_blocks_total', 'Blocks cut and applied by this validator');
const txApplied = counter('ledger_transactions_total', 'Transactions recorded in blocks, by outcome', ['outcome']);
const entriesSkipped = counter('ledger_entries_skipped_total', 'Stream entries not recorded, by reason', ['reason']);
const blockApplySeconds = histogram('ledger_block_apply_seconds', 'Time to persist one block', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
const tipHeight =
  (register.getSingleMetric('ledger_height') as Gauge | undefined) ??
  new Gauge({ name: 'ledger_height', help: 'Height of the last block this validator applied' });

/** Sealed blocks written to Postgres while the next ones are cut (bounded, so memory and lag stay bounded). */
const WRITES_IN_FLIGHT_MAX = 2;
/** Broken invariants named in one assertion message or log line; the rest are counted. */
const INVARIANT_PROBLEMS_SHOWN_MAX = 10;

/** One message of the ordered stream, decoded: its entry (null when malformed: skipped, in order), offset and broker time. */
export interface StreamEntry {
  entry: LedgerEntry | null;
  offset: string;
  timestamp: number;
}

/** What feeding a chunk needs from the Kafka batch it comes from. */
export interface FeedControl {
  /** False once feeding must stop: the batch is no longer running, or the validator halted. */
  isRunning(): boolean;
  heartbeat(): Promise<void>;
}

/** The last block committed to this validator's database, and the stream offset after it. */
export interface CommittedTip {
  height: number;
  nextOffset: bigint;
}

/**
 * The deterministic part of a validator: feeds stream entries to the BlockCutter (which judges and applies them to
 * the in-memory state), signs each sealed block's header and stores the block with its signature and the offset
 * it ends at, in one Postgres transaction. Cutting (CPU) and writing (Postgres) overlap: up to WRITES_IN_FLIGHT_MAX
 * sealed blocks wait for their commit, in order; after a failed write the caller reloads from the last committed
 * block. Knows nothing of Kafka: the stream consumer decodes the messages and decides what to replay.
 *
 * TIGER_STYLE: once a block is applied, and before it is signed, the state must keep the ledger's balance
 * invariants (each currency sums to zero, no account below minus its net debit cap); if not, an assertion fails and
 * the block is never signed nor stored (the stream consumer halts the validator on an AssertionError).
 */
export class BlockPipeline {
  private cutter!: BlockCutter;
  private state!: LedgerState;
  /** Per-currency sums of the state as loaded (zero unless the stored balances were altered outside the chain). */
  private loadedSums: ReadonlyMap<string, bigint> = new Map();
  /** Ids recorded by blocks sealed during the current Kafka batch (earlier ones are in the database). */
  private readonly recentIds = new Set<string>();
  private knownInBatch = new Set<string>();
  private writes: Promise<void>[] = [];
  private tip: CommittedTip = { height: 0, nextOffset: 0n };
  private pendingSinceMs: number | null = null;
  private lastSealedTxCount = 0;

  constructor(
    private readonly config: LedgerConfig,
    private readonly repo: LedgerRepository,
    private readonly finality: FinalityService,
    private readonly isHalted: () => boolean,
    private readonly log: Logger,
  ) {
    this.signingSeed = Buffer.from(config.signingSeed, 'base64url');
  }

  /** The validator's 32-byte Ed25519 seed, decoded once. */
  private readonly signingSeed: Uint8Array;

  get committed(): Readonly<CommittedTip> {
    return this.tip;
  }

  /** First stream offset not fed to the cutter yet (ahead of the committed one while blocks are pending). */
  get nextFeedOffset(): bigint {
    return this.cutter.nextOffset;
  }

  get nextHeight(): number {
    return this.cutter.nextHeight;
  }

  get pendingCount(): number {
    return this.cutter.pendingCount;
  }

  /** Wall-clock time (ms) since which the open block holds transactions; null when it holds none. */
  get pendingSince(): number | null {
    return this.pendingSinceMs;
  }

  /**
   * The earliest block time at which a queued transfer times out or an escrow expires (a cut marker then closes even
   * an empty block).
   */
  get nextDeadline(): number | null {
    return this.cutter.nextDeadline();
  }

  /** Transactions the last block sealed since the last (re)load held; 0 before the first (the cut-marker wait). */
  get previousTxCount(): number {
    return this.lastSealedTxCount;
  }

  /** How many transfers wait in the liquidity queue (applied blocks, plus the open one). */
  get queuedCount(): number {
    return this.cutter.queue.size;
  }

  /** Loads the last applied block and the state after it. Called at start and after any failed block write. */
  async reload(): Promise<void> {
    const [snapshot, tip, queued, escrows] = await Promise.all([this.repo.loadSnapshot(), this.repo.loadTip(), this.repo.loadQueue(), this.repo.loadEscrows()]);
    const nextOffset = tip.nextOffset ?? 0n;
    this.state = new LedgerState(snapshot);
    this.loadedSums = this.checkLoadedState(tip.height);
    this.cutter = new BlockCutter(
      this.state,
      { nextHeight: tip.height + 1, prevHash: tip.hash ?? genesisPrevHash(this.config.NETWORK_ID), nextOffset },
      {
        blockMaxTx: this.config.BLOCK_MAX_TX,
        isKnown: (id) => this.knownInBatch.has(id) || this.recentIds.has(id),
      },
      new LiquidityQueue(this.state, queued.entries, queued.next),
      new EscrowBook(escrows),
    );
    this.tip = { height: tip.height, nextOffset };
    this.writes = [];
    this.recentIds.clear();
    this.pendingSinceMs = null;
    this.lastSealedTxCount = 0;
    tipHeight.set(tip.height);
  }

  /**
   * Starts a Kafka batch. Every block of earlier batches is committed (writes are drained at the end of each
   * batch): the database knows their ids; the in-memory set only needs the ids of blocks sealed during this batch.
   */
  beginBatch(): void {
    this.recentIds.clear();
  }

  /** Feeds a chunk: one query first for which of its ids are already in a committed block, then the entries. */
  async feedChunk(entries: StreamEntry[], control: FeedControl): Promise<void> {
    const ids: string[] = [];
    for (const { entry } of entries) if (entry && entry.kind !== 'cut') ids.push(entry.id);
    this.knownInBatch = await this.repo.knownIds(ids);
    for (const item of entries) {
      if (!control.isRunning()) return;
      const block = this.feed(item);
      if (!block) continue;
      await this.enqueueWrite(block);
      await control.heartbeat();
    }
  }

  /** Waits for every queued write; throws the first failure. */
  async drainWrites(): Promise<void> {
    const last = this.writes[this.writes.length - 1];
    this.writes = [];
    if (last) await last;
  }

  /** Waits until no write is in flight, failed or not (a write may yet commit: a reload must see it). */
  async settleWrites(): Promise<void> {
    await Promise.allSettled(this.writes);
  }

  /** Feeds one entry to the cutter; returns the block it sealed, if any. */
  private feed(item: StreamEntry): SealedBlock | null {
    const result = this.cutter.feed(item.entry, item.offset, item.timestamp);
    switch (result.kind) {
      case 'pending':
        this.pendingSinceMs ??= Date.now();
        return null;
      case 'duplicate':
      case 'malformed':
      case 'ignored_marker': // a cut marker for a height already closed (each validator may propose one), and the like
        entriesSkipped.labels(result.kind).inc();
        return null;
      case 'sealed':
        this.assertInvariants(result.block.header.height);
        this.pendingSinceMs = this.cutter.pendingCount > 0 ? Date.now() : null;
        this.lastSealedTxCount = result.block.leaves.length;
        for (const leaf of result.block.leaves) this.recentIds.add(leaf.id);
        return result.block;
      default:
        return null;
    }
  }

  /**
   * The invariants after a block, checked over every account. Each currency is held to its sum as loaded: zero on
   * a sound database. A stored state altered outside the chain is not this block's doing: the validator goes on,
   * its state digest differs from the quorum's, and finality halts it as diverged (docs/ledger.md, "Divergence").
   */
  private assertInvariants(height: number): void {
    const problems = ledgerInvariantProblems(this.state.sortedAccounts(), this.loadedSums);
    assert(problems.length === 0, `ledger invariant broken by block ${height}: ${describeProblems(problems)}`);
  }

  /** Logs what the stored state already breaks (never a block of this validator); returns its per-currency sums. */
  private checkLoadedState(height: number): Map<string, bigint> {
    const problems = ledgerInvariantProblems(this.state.sortedAccounts());
    if (problems.length > 0) {
      this.log.error(
        { height, problems: describeProblems(problems) },
        'the stored ledger state breaks the balance invariants; check it with nostro-ledger verify',
      );
    }
    return currencySums(this.state.sortedAccounts());
  }

  /** Queues the block's write after the previous one; waits for the oldest when too many are in flight. */
  private async enqueueWrite(block: SealedBlock): Promise<void> {
    const previous = this.writes[this.writes.length - 1] ?? Promise.resolve();
    const write = previous.then(() => this.persist(block));
    write.catch(() => undefined); // awaited below or in drainWrites; this only silences the unhandled rejection
    this.writes.push(write);
    if (this.writes.length > WRITES_IN_FLIGHT_MAX) await this.writes.shift();
  }

  /** Signs the block and stores it with the signature (one statement), then checks its quorum. */
  private async persist(block: SealedBlock): Promise<void> {
    if (this.isHalted()) throw new Error('validator halted');
    const started = process.hrtime.bigint();
    const { header, hash } = block;
    const signature = signBlockFast(hash, this.signingSeed);
    const message: BlockSignatureMessage = { validator: this.config.VALIDATOR_ID, height: header.height, hash, signature };
    const stored = await this.repo.insertBlock(block, {
      validator: message.validator,
      signature,
      quorum: this.config.LEDGER_QUORUM,
      topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_SIGNATURES),
      payload: message,
    });
    this.tip = { height: header.height, nextOffset: BigInt(block.lastOffset) + 1n };
    for (const leaf of block.leaves) txApplied.labels(leaf.outcome.status).inc();
    blocksCut.inc();
    tipHeight.set(header.height);
    blockApplySeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await this.finality.afterOwnBlock({ block: { ...header, hash }, leaves: block.leaves, queue: block.queue }, stored);
  }
}

function describeProblems(problems: ReturnType<typeof ledgerInvariantProblems>): string {
  const shown = problems.slice(0, INVARIANT_PROBLEMS_SHOWN_MAX).map(describeInvariantProblem).join('; ');
  return problems.length > INVARIANT_PROBLEMS_SHOWN_MAX ? `${shown}; and ${problems.length - INVARIANT_PROBLEMS_SHOWN_MAX} more` : shown;
}
