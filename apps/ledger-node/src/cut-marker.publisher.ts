import { Logger, topicName } from '@nostro/platform';
import { Topic } from '@nostro/shared';
import { Producer } from 'kafkajs';
import { LedgerConfig } from './config';

/** The open block, as the publisher needs to see it. */
export interface OpenBlock {
  /** Height of the block being cut. */
  readonly nextHeight: number;
  /** Transactions it holds so far. */
  readonly pendingCount: number;
  /** Wall-clock time (ms) since which it holds transactions; null when it holds none. */
  readonly pendingSince: number | null;
  /** The earliest block time at which a queued transfer times out or an escrow expires; null when none waits. */
  readonly nextDeadline: number | null;
  /** Transactions the last block sealed since this validator (re)loaded held; 0 before the first. */
  readonly previousTxCount: number;
}

/** How much longer the open block waits for each transaction the previous block held (see {@link blockWaitMs}). */
export const BLOCK_WAIT_PER_TX_MS = 2.5;

/**
 * How long the open block waits before a cut is proposed: BLOCK_TIMEOUT_MS, plus BLOCK_WAIT_PER_TX_MS for each
 * transaction the previous block held (rounded up to a whole millisecond), at most BLOCK_TIMEOUT_MAX_MS. A quiet
 * network cuts after about BLOCK_TIMEOUT_MS; a busy one cuts fewer, larger blocks, since every block costs each
 * validator, settlement and the services after it a fixed round of work whatever it holds (docs/ledger.md, "Blocks:
 * cutting, validation, application"). At r transactions a second the wait settles where a block of the wait's length
 * leads to the same wait again: BLOCK_TIMEOUT_MS / (1 − r · BLOCK_WAIT_PER_TX_MS / 1000), with the defaults 67 ms at
 * 100/s, 100 ms at 200/s, 200 ms at 300/s and BLOCK_TIMEOUT_MAX_MS (300) from about 334/s: the wait grows with the
 * load, smoothly.
 */
export function blockWaitMs(config: Pick<LedgerConfig, 'BLOCK_TIMEOUT_MS' | 'BLOCK_TIMEOUT_MAX_MS'>, previousTxCount: number): number {
  return Math.min(config.BLOCK_TIMEOUT_MAX_MS, config.BLOCK_TIMEOUT_MS + Math.ceil(previousTxCount * BLOCK_WAIT_PER_TX_MS));
}

/** A height still open this long after its marker is proposed again (e.g. a marker stamped before a queue deadline). */
const DEADLINE_RETRY_MS = 500;
/** How often the open block is looked at when nothing is due: a change no batch announced (see arm) is seen this late. */
export const IDLE_CHECK_MS = 1_000;

/**
 * Proposes closing the open block once it has waited long enough ({@link blockWaitMs}), by publishing a cut marker for its height
 * to the ordered stream (the first marker for a height in the stream wins, on every validator). Wall clocks decide
 * when a marker is proposed, never what a block contains. Proposes a height once, again after a failed send or when
 * it is still open DEADLINE_RETRY_MS later. An idle block is proposed too once a queued transfer's deadline passed (so
 * an idle network still times out its liquidity queue); the cutter closes it only if the marker's broker time is past
 * the deadline, so such a proposal is repeated every DEADLINE_RETRY_MS until it does.
 *
 * Timers: after each batch the stream consumer calls `arm()`, which sets one timer for the moment a proposal falls
 * due (none while the open block is empty and nothing waits for a deadline); after a failed send it looks again
 * every BLOCK_TIMEOUT_MS / 2 (at least 5 ms); and it looks every IDLE_CHECK_MS regardless. An idle validator wakes
 * once a second for this, where it woke every BLOCK_TIMEOUT_MS / 2 (40 times a second by default).
 */
export class CutMarkerPublisher {
  private lastMarkerHeight = 0;
  private lastMarkerAt = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (Infinity when none is armed). */
  private armedFor = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(
    private readonly config: LedgerConfig,
    private readonly producer: Producer,
    private readonly block: OpenBlock,
    /** False while proposing makes no sense: the stream consumer is not running or not caught up, or the validator halted. */
    private readonly mayPropose: () => boolean,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = true;
    this.idleTimer = setInterval(() => void this.check(), IDLE_CHECK_MS);
  }

  stop(): void {
    this.running = false;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.disarm();
  }

  /** The open block may have changed (a batch was fed): sets a timer for when a proposal next falls due, if sooner. */
  arm(): void {
    if (!this.running) return;
    const due = this.dueAt();
    if (due === null || due >= this.armedFor) return;
    this.disarm();
    const now = Date.now();
    // Already due (the last look could not propose): look again shortly rather than at once, in a loop.
    const delay = due > now ? due - now : Math.max(5, Math.floor(this.config.BLOCK_TIMEOUT_MS / 2));
    this.armedFor = now + delay;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.armedFor = Number.POSITIVE_INFINITY;
      void this.check();
    }, delay);
  }

  private disarm(): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private async check(): Promise<void> {
    if (!this.mayPropose()) return; // the next batch arms again (catching up, reconnected); a halted validator proposes nothing
    await this.proposeCut();
    this.arm();
  }

  /** When the open block next needs a look: it will have waited long enough, a deadline passes, or its marker is due again. */
  private dueAt(): number | null {
    const { pendingSince, pendingCount, nextDeadline, nextHeight } = this.block;
    let due = Number.POSITIVE_INFINITY;
    if (pendingSince !== null && pendingCount > 0) due = pendingSince + blockWaitMs(this.config, this.block.previousTxCount);
    if (nextDeadline !== null) due = Math.min(due, nextDeadline);
    if (due === Number.POSITIVE_INFINITY) return null;
    return this.lastMarkerHeight === nextHeight ? Math.max(due, this.lastMarkerAt + DEADLINE_RETRY_MS) : due;
  }

  /** Publishes a marker for the open block if it has waited long enough and none was sent for its height. */
  async proposeCut(): Promise<void> {
    if (!this.mayPropose()) return;
    const now = Date.now();
    const waited =
      this.block.pendingSince !== null && this.block.pendingCount > 0 && now - this.block.pendingSince >= blockWaitMs(this.config, this.block.previousTxCount);
    const deadline = this.block.nextDeadline !== null && now >= this.block.nextDeadline;
    if (!waited && !deadline) return;
    const height = this.block.nextHeight;
    // Once per height while it is fresh; again after DEADLINE_RETRY_MS (a marker the broker stamped before a queue
    // deadline was ignored; duplicates for a height that did close are ignored by every cutter).
    if (this.lastMarkerHeight === height && now - this.lastMarkerAt < DEADLINE_RETRY_MS) return;
    this.lastMarkerHeight = height;
    this.lastMarkerAt = now;
    try {
      await this.producer.send({
        topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX),
        acks: -1,
        messages: [{ value: JSON.stringify({ kind: 'cut', height, validator: this.config.VALIDATOR_ID }) }],
      });
    } catch (error) {
      this.lastMarkerHeight = 0;
      this.log.warn({ err: error, height }, 'could not publish a cut marker');
    }
  }
}
