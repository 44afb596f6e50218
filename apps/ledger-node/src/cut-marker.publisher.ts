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
}

/** A height still open this long after its marker is proposed again (e.g. a marker stamped before a queue deadline). */
const DEADLINE_RETRY_MS = 500;

/**
 * Proposes closing the open block once it has waited BLOCK_TIMEOUT_MS, by publishing a cut marker for its height
 * to the ordered stream (the first marker for a height in the stream wins, on every validator). Wall clocks decide
 * when a marker is proposed, never what a block contains. Checks every BLOCK_TIMEOUT_MS / 2 (at least 5 ms),
 * proposes a height once, again after a failed send or when it is still open DEADLINE_RETRY_MS later. An idle block is proposed too once a queued
 * transfer's deadline passed (so an idle network still times out its liquidity queue); the cutter closes it only if
 * the marker's broker time is past the deadline, so such a proposal is repeated every DEADLINE_RETRY_MS until it does.
 */
export class CutMarkerPublisher {
  private lastMarkerHeight = 0;
  private lastMarkerAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: LedgerConfig,
    private readonly producer: Producer,
    private readonly block: OpenBlock,
    /** False while proposing makes no sense: the stream consumer is not running or not caught up, or the validator halted. */
    private readonly mayPropose: () => boolean,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.proposeCut(), Math.max(5, Math.floor(this.config.BLOCK_TIMEOUT_MS / 2)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Publishes a marker for the open block if it has waited long enough and none was sent for its height. */
  async proposeCut(): Promise<void> {
    if (!this.mayPropose()) return;
    const now = Date.now();
    const waited = this.block.pendingSince !== null && this.block.pendingCount > 0 && now - this.block.pendingSince >= this.config.BLOCK_TIMEOUT_MS;
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
