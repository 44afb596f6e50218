import { Logger, counter, topicName } from '@nostro/platform';
import { noticeTopicSuffix } from '@nostro/shared';
import { Producer } from 'kafkajs';
import { LedgerConfig } from './config';
import { finalityNotices, produceRequests } from './finality-notice';
import { LedgerRepository } from './ledger.repository';
import { NoticeRepository } from './notice.repository';
import { TopicRegistry } from './notice-topics';

const noticesPublished = counter('ledger_notices_total', 'Finality notices this validator published to participants\u2019 topics');
const noticeFailures = counter('ledger_notice_failures_total', 'Final blocks left without notices (their leaves do not hash to the Merkle root)');

/**
 * How often the queue is read when nothing woke the publisher. Finality wakes it (LEDGER_FINAL_CHANNEL, on commit);
 * the poll only covers a notification lost with the LISTEN connection, and retries after a failure.
 */
const POLL_INTERVAL_MS = 1_000;
/** Heights read from the queue at a time. */
const HEIGHTS_PER_READ = 16;
const RETRY_DELAY_MS = 1_000;

/**
 * Publishes the finality notices of each final block (docs/ledger.md, "Finality notices"), oldest height first.
 * The finality transaction only queues the height; the notices are rebuilt here from the block, its finality
 * record and its leaves, so neither the block pipeline nor the shared outbox carries their bulk. A height leaves the
 * queue once Kafka acknowledged all its notices: a crash in between publishes them again (consumers de-duplicate).
 * A failure (Kafka down, a topic that cannot be created) is retried after RETRY_DELAY_MS and stops nothing else.
 */
export class NoticePublisher {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private retryAt = 0;

  constructor(
    private readonly config: LedgerConfig,
    private readonly ledger: LedgerRepository,
    private readonly queue: NoticeRepository,
    private readonly producer: Producer,
    private readonly topics: TopicRegistry,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), POLL_INTERVAL_MS);
    this.wake();
  }

  /** Reads the queue now (or right after the current pass). */
  wake(): void {
    if (this.stopped || Date.now() < this.retryAt) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        const heights = await this.queue.pending(HEIGHTS_PER_READ);
        for (const height of heights) {
          if (this.stopped) return;
          await this.publish(height);
        }
        if (heights.length === HEIGHTS_PER_READ) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.retryAt = Date.now() + RETRY_DELAY_MS;
      this.log.warn({ err: error }, 'publishing finality notices failed; retrying');
    }
  }

  private async publish(height: number): Promise<void> {
    // One after the other: the validator's pool is small and shared with the block writes.
    const block = await this.ledger.block(this.ledger.db, height);
    const final = await this.ledger.finality(height);
    const leaves = await this.ledger.leaves(this.ledger.db, height);
    if (!block || !final) throw new Error(`height ${height} is queued for notices but has no block or finality record`);
    let notices;
    try {
      const { hash, prevHash, merkleRoot, stateDigest, txCount, timestamp } = block;
      const header = { height, prevHash, merkleRoot, stateDigest, txCount, timestamp, hash };
      notices = finalityNotices(
        { block: header, signatures: final.signatures, quorum: this.config.LEDGER_QUORUM, validator: this.config.VALIDATOR_ID },
        leaves,
      );
    } catch (error) {
      // Never publish a proof that cannot verify; the block's finality record was published all the same.
      noticeFailures.inc();
      this.log.error({ err: error, height }, 'finality notices not built for a final block');
      await this.queue.remove(height);
      return;
    }
    const records = notices.map((n) => ({ topic: topicName(this.config.KAFKA_TOPIC_PREFIX, noticeTopicSuffix(n.participant)), part: n.part, value: n.value }));
    // The producer refuses to create topics: each participant's topic must exist before its first notice.
    await this.topics.ensure(records.map((r) => r.topic));
    const key = String(height);
    for (const request of produceRequests(records)) {
      await this.producer.sendBatch({ acks: -1, topicMessages: request.map((r) => ({ topic: r.topic, messages: [{ key, value: r.value }] })) });
    }
    await this.queue.remove(height);
    noticesPublished.inc(records.length);
  }
}
