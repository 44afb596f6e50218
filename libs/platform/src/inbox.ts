import { Pool } from 'pg';
import { Logger } from './logger';
import { counter } from './metrics';

/** How long a consumer remembers a message id unless configured otherwise (`INBOX_RETENTION_HOURS`). */
export const DEFAULT_INBOX_RETENTION_HOURS = 168;
const INTERVAL_MS = 5 * 60_000;
/** Rows deleted per statement, so a prune never holds locks or a transaction for long. */
const DELETE_BATCH = 10_000;
/** Statements per run: a backlog (a retention just shortened) is worked off over several runs. */
const MAX_BATCHES_PER_RUN = 50;

const pruned = counter('nostro_inbox_pruned_total', 'Message ids forgotten by the inbox after their retention', ['group']);

export interface InboxPrunerOptions {
  pool: Pool;
  log: Logger;
  /** The consumer group whose ids are pruned (each group prunes its own). */
  groupId: string;
  retentionMs: number;
  intervalMs?: number;
  batchSize?: number;
}

/**
 * Forgets the message ids a consumer group has seen once they are older than the retention, so the inbox stays the
 * size of that window instead of growing with every message ever consumed.
 *
 * The inbox only has to catch a message published twice, which happens when an outbox relay dies between Kafka's
 * acknowledgement and its own commit: the copy is published again when a relay of that service runs next. The
 * retention must therefore outlast the longest outage of a producing service after which it is simply restarted;
 * a copy that arrives later still changes nothing, because every handler also checks the state it would change
 * (docs/architecture.md, "Exactly-once effects"), but the inbox no longer names it as a duplicate.
 *
 * Deletes in bounded statements on the `received_at` BRIN index (tiny, and free to maintain on an append-only
 * table), summarising the newest block ranges first so the old ones are found without a scan of the whole table.
 * Safe to run on every replica at once.
 */
export class InboxPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly options: InboxPrunerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a prune in progress, so shutdown never cuts a statement off. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One prune; answers the number of ids forgotten. A failure is logged and retried at the next interval. */
  runOnce(now = new Date()): Promise<number> {
    this.running ??= this.prune(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async prune(now: Date): Promise<number> {
    const { pool, log, groupId, retentionMs } = this.options;
    const batch = this.options.batchSize ?? DELETE_BATCH;
    const cutoff = new Date(now.getTime() - retentionMs);
    let total = 0;
    try {
      await pool.query(`SELECT brin_summarize_new_values('inbox_received_at'::regclass)`);
      for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
        const { rowCount } = await pool.query(
          `DELETE FROM inbox WHERE ctid = ANY (ARRAY(SELECT ctid FROM inbox WHERE group_id = $1 AND received_at < $2 LIMIT $3))`,
          [groupId, cutoff, batch],
        );
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < batch) break;
      }
    } catch (error) {
      log.warn({ err: error, groupId }, 'inbox prune failed; retried at the next interval');
    }
    if (total > 0) {
      pruned.labels(groupId).inc(total);
      log.info({ groupId, deleted: total, olderThan: cutoff.toISOString() }, 'inbox: forgot message ids past their retention');
    }
    return total;
  }
}
