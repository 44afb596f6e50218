import { Logger, counter } from '@nostro/platform';
import { blockEntries } from '@nostro/shared';
import { EntriesRepository } from './entries.repository';
import { LedgerRepository } from './ledger.repository';

const indexedEntries = counter('ledger_account_entries_total', 'Account entries indexed from final blocks');

/**
 * How often the indexer looks for new final blocks when nothing woke it. Finality wakes it (LEDGER_FINAL_CHANNEL, on
 * commit); the poll only covers a notification lost with the LISTEN connection, and retries after a failure.
 */
const POLL_INTERVAL_MS = 1_000;
/** Final blocks indexed per transaction. */
const BLOCKS_PER_PASS = 64;
const RETRY_DELAY_MS = 1_000;

/**
 * Writes the account entries of final blocks (API.md "Account entries and statements"), oldest first, after
 * finality and off the block write path: the ledger's throughput does not pay for them, and an entry never exists
 * for a block that is not final. Each pass stores its entries, the balances they leave and the indexed height in one
 * statement. Between passes the running balances, the indexed height and the highest final height (from the
 * finality notification's payload) live in memory, so a pass costs two round trips (read the blocks, store); all
 * three are read again after any failure, and the final height also on the poll.
 */
export class EntryIndexer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retryAt = 0;
  private balances: Map<string, bigint> | null = null;
  /** The height the index reached as stored (null: read it). */
  private indexed: number | null = null;
  /** The highest final height known: finality notifications name it; the poll and a failure read it. */
  private final = 0;
  private readFinal = true;

  constructor(
    private readonly entries: EntriesRepository,
    private readonly ledger: LedgerRepository,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.wake();
  }

  /**
   * Looks for final blocks to index. `finalHeight`, when the caller knows it (a finality notification's payload),
   * spares the pass a read of it; without it (the poll, a reconnected listener) the pass reads it.
   */
  wake(finalHeight?: number): void {
    if (finalHeight !== undefined && Number.isSafeInteger(finalHeight) && finalHeight > 0) this.final = Math.max(this.final, finalHeight);
    else this.readFinal = true;
    if (this.stopped || Date.now() < this.retryAt) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Indexes every final block not indexed yet; answers the height reached. */
  async catchUp(): Promise<number> {
    this.readFinal = true;
    for (;;) {
      const next = await this.pass();
      if (next === null) return this.indexed ?? this.entries.indexedHeight();
    }
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        const reached = await this.pass();
        // More final blocks than one pass takes (or the index moved under us): go on without waiting for a wake-up.
        if (reached !== null && reached < this.final) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.balances = null;
      this.indexed = null;
      this.readFinal = true;
      this.retryAt = Date.now() + RETRY_DELAY_MS;
      this.log.warn({ err: error }, 'indexing account entries failed; retrying');
    }
  }

  /** One batch of final blocks; null when there was nothing to index. */
  private async pass(): Promise<number | null> {
    if (this.readFinal) {
      this.readFinal = false;
      this.final = Math.max(this.final, await this.ledger.finalHeight());
    }
    this.indexed ??= await this.entries.indexedHeight();
    const from = this.indexed;
    if (this.final <= from) return null;
    const blocks = await this.entries.finalBlocks(from, this.final, BLOCKS_PER_PASS);
    if (blocks.length === 0) return null;
    this.balances ??= await this.entries.balances();
    const balances = new Map(this.balances);
    const made = blocks.flatMap((b) => blockEntries(b, balances));
    const to = blocks[blocks.length - 1].height;
    if (!(await this.entries.store(from, to, made, balances))) {
      // Another writer moved the index: start again from what it stored.
      this.balances = null;
      this.indexed = null;
      return from;
    }
    this.balances = balances;
    this.indexed = to;
    indexedEntries.inc(made.length);
    return to;
  }
}
