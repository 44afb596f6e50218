import { Logger, topicName } from '@nostro/platform';
import { LEDGER_NOTICES_TOPIC } from '@nostro/shared';
import { Admin, Kafka } from 'kafkajs';

/** Topics created per CreateTopics request (a block that opens many participants' accounts names many). */
const CREATE_BATCH_MAX = 200;
const CREATE_TIMEOUT_MS = 30_000;

export interface NoticeTopicOptions {
  topicPrefix: string;
  replicationFactor: number;
  /** `retention.ms` of a new topic; -1 keeps notices forever. */
  retentionMs: number;
}

/** Makes sure topics exist before anything is sent to them. */
export interface TopicRegistry {
  ensure(topics: readonly string[]): Promise<void>;
}

/**
 * Creates each participant's finality-notice topic before its first notice is sent. The services' producers never
 * create topics (`allowAutoTopicCreation: false`), and the local broker's `auto.create.topics.enable` would create
 * one with the broker's defaults rather than ours. Topics known to exist are remembered, so only a participant's
 * first final block costs a round trip to Kafka (a listing, then CreateTopics for what is missing). Several
 * validators create the same topic at about the same time: "already exists" is success. A failure throws; the
 * caller retries the whole block later. `kafka` should be a client that does not log: a lost creation race is
 * answered with an error response that kafkajs would otherwise log at error level.
 */
export class NoticeTopics implements TopicRegistry {
  private readonly known = new Set<string>();
  private admin: Promise<Admin> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: NoticeTopicOptions,
    private readonly log: Logger,
  ) {}

  async ensure(topics: readonly string[]): Promise<void> {
    const unknown = [...new Set(topics)].filter((t) => !this.known.has(t));
    if (unknown.length === 0) return;
    const admin = await this.connect();
    try {
      const prefix = topicName(this.options.topicPrefix, LEDGER_NOTICES_TOPIC);
      const existing = new Set(await admin.listTopics());
      for (const topic of existing) if (topic.startsWith(prefix)) this.known.add(topic);
      const missing = unknown.filter((t) => !existing.has(t));
      for (let i = 0; i < missing.length; i += CREATE_BATCH_MAX) {
        const batch = missing.slice(i, i + CREATE_BATCH_MAX);
        // false: another validator created them first (kafkajs answers false when every topic already exists).
        const created = await admin.createTopics({ topics: batch.map((topic) => this.spec(topic)), waitForLeaders: true, timeout: CREATE_TIMEOUT_MS });
        this.log.info({ topics: batch }, created ? 'finality notice topics created' : 'finality notice topics already created by another validator');
      }
    } catch (error) {
      // A broken admin connection is rebuilt on the next call rather than reused.
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
    for (const topic of unknown) this.known.add(topic);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (admin) await (await admin.catch(() => null))?.disconnect().catch(() => undefined);
  }

  private spec(topic: string) {
    return {
      topic,
      numPartitions: 1,
      replicationFactor: this.options.replicationFactor,
      configEntries: [{ name: 'retention.ms', value: String(this.options.retentionMs) }],
    };
  }

  private connect(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connecting = admin.connect().then(() => admin);
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = null;
      });
      this.admin = connecting;
    }
    return this.admin;
  }
}
