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
 * transaction; the running balances live in memory between passes and are reloaded after any failure.
 */
export class EntryIndexer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retryAt = 0;
  private balances: Map<string, bigint> | null = null;

  constructor(
    private readonly entries: EntriesRepository,
    private readonly ledger: LedgerRepository,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.wake();
  }

  wake(): void {
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

  /** Indexes every final block not indexed yet; answers the height reached (for tests and the CLI). */
  async catchUp(): Promise<number> {
    let reached = await this.entries.indexedHeight();
    for (;;) {
      const next = await this.pass();
      if (next === null) return reached;
      reached = next;
    }
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        if ((await this.pass()) !== null) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.balances = null;
      this.retryAt = Date.now() + RETRY_DELAY_MS;
      this.log.warn({ err: error }, 'indexing account entries failed; retrying');
    }
  }

  /** One batch of final blocks; null when there was nothing to index. */
  private async pass(): Promise<number | null> {
    const from = await this.entries.indexedHeight();
    const final = await this.ledger.finalHeight();
    if (final <= from) return null;
    const blocks = await this.entries.finalBlocks(from, final, BLOCKS_PER_PASS);
    if (blocks.length === 0) return null;
    this.balances ??= await this.entries.balances();
    const balances = new Map(this.balances);
    const made = blocks.flatMap((b) => blockEntries(b, balances));
    const to = blocks[blocks.length - 1].height;
    if (!(await this.entries.store(from, to, made, balances))) {
      this.balances = null; // another writer moved the index: start again from what it stored
      return to;
    }
    this.balances = balances;
    indexedEntries.inc(made.length);
    return to;
  }
}
