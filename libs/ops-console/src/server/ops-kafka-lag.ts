import type { Admin, Kafka } from 'kafkajs';

export interface ConsumerLag {
  /** The consumer group without the deployment's topic prefix, e.g. `settlement`, `ledger-v0`. */
  group: string;
  state: string;
  members: number;
  /** Messages not yet consumed, summed over the group's topics and partitions. */
  lag: number;
  topics: { topic: string; lag: number }[];
}

const TIMEOUT_MS = 3_000;
const GROUPS_MAX = 64;

/**
 * Consumer lag per service from the broker: the end offset of each partition minus the group's committed offset.
 * Our consumers keep their authoritative offsets in Postgres and commit to Kafka at most once a second as a hint
 * (docs/architecture.md), so this is the lag as of each consumer's batches of up to a second ago.
 */
export class OpsKafkaLag {
  private admin: Admin | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topicPrefix: string,
  ) {}

  async read(): Promise<ConsumerLag[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`kafka admin did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.readNow(), timeout]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async readNow(): Promise<ConsumerLag[]> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const admin = this.admin;
    const { groups } = await admin.listGroups();
    const ours = groups
      .map((g) => g.groupId)
      .filter((id) => id.startsWith(this.topicPrefix))
      .sort()
      .slice(0, GROUPS_MAX);
    if (ours.length === 0) return [];
    const described = await admin.describeGroups(ours);
    const ends = new Map<string, Map<number, bigint>>();
    const endOffsets = async (topic: string) => {
      let m = ends.get(topic);
      if (!m) {
        m = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
        ends.set(topic, m);
      }
      return m;
    };
    const out: ConsumerLag[] = [];
    for (const groupId of ours) {
      const committed = await admin.fetchOffsets({ groupId });
      const topics: { topic: string; lag: number }[] = [];
      for (const t of committed) {
        const high = await endOffsets(t.topic);
        let lag = 0n;
        for (const p of t.partitions) {
          const end = high.get(p.partition) ?? 0n;
          const at = BigInt(p.offset);
          lag += at < 0n ? end : end > at ? end - at : 0n;
        }
        topics.push({ topic: t.topic.slice(this.topicPrefix.length), lag: Number(lag) });
      }
      const d = described.groups.find((g) => g.groupId === groupId);
      out.push({
        group: groupId.slice(this.topicPrefix.length),
        state: d?.state ?? 'Unknown',
        members: d?.members.length ?? 0,
        lag: topics.reduce((s, t) => s + t.lag, 0),
        topics,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }
}
