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
}

/**
 * Proposes closing the open block once it has waited BLOCK_TIMEOUT_MS, by publishing a cut marker for its height
 * to the ordered stream (the first marker for a height in the stream wins, on every validator). Wall clocks decide
 * when a marker is proposed, never what a block contains. Checks every BLOCK_TIMEOUT_MS / 2 (at least 5 ms),
 * proposes each height once, and again only after a failed send.
 */
export class CutMarkerPublisher {
  private lastMarkerHeight = 0;
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
    if (!this.mayPropose() || this.block.pendingSince === null || this.block.pendingCount === 0) return;
    if (Date.now() - this.block.pendingSince < this.config.BLOCK_TIMEOUT_MS) return;
    const height = this.block.nextHeight;
    if (this.lastMarkerHeight === height) return;
    this.lastMarkerHeight = height;
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
