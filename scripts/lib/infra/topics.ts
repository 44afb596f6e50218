// The project's Kafka topics on a broker: the catalogue's topics under a prefix (libs/shared/src/messages/
// topics.catalog.json, the one list; docs/architecture.md), created with their partitions and configs before any
// consumer subscribes, brought back in line when they drifted, listed and deleted.
import { ConfigResourceTypes, logLevel, type Admin } from 'kafkajs';
import { readTopicCatalog, type TopicConfigEntry } from '../topic-catalog';
import { KAFKA_BROKERS, PROBE_CLIENT_OPTIONS, withAdmin } from './kafka-client';
import { errorMessage, seconds, sleep, stderrLog, type Log } from './process';

export const DEFAULT_TOPIC_PREFIX = 'nostro.';

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const TOPICS_READY_TIMEOUT_MS = 60_000;
const TOPICS_DELETE_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

export interface CatalogTopicSpec {
  readonly suffix: string;
  readonly partitions: number;
  readonly configEntries: readonly Readonly<TopicConfigEntry>[];
}

/** The catalogue's topics without prefix. Replication factor 1 (single node). */
export const TOPICS: readonly CatalogTopicSpec[] = Object.freeze(
  readTopicCatalog().map(({ suffix, partitions, configEntries }) =>
    Object.freeze({ suffix, partitions, configEntries: Object.freeze(configEntries.map((e) => Object.freeze({ ...e }))) }),
  ),
);

/** A topic as kafkajs createTopics takes it. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: TopicConfigEntry[];
}

function checkPrefix(prefix: string, { allowEmpty }: { allowEmpty: boolean }): void {
  if (typeof prefix !== 'string') throw new TypeError('topic prefix must be a string');
  if (prefix === '' ? !allowEmpty : !TOPIC_NAME.test(prefix)) {
    throw new Error(`invalid topic prefix ${JSON.stringify(prefix)}${prefix === '' ? ' (empty)' : ' (allowed: letters, digits, . _ -)'}`);
  }
}

/** Topic specs for kafkajs createTopics, for a prefix. */
export function topicSpecs(prefix = DEFAULT_TOPIC_PREFIX): TopicSpec[] {
  checkPrefix(prefix, { allowEmpty: true });
  return TOPICS.map((t) => ({
    topic: `${prefix}${t.suffix}`,
    numPartitions: t.partitions,
    replicationFactor: 1,
    configEntries: t.configEntries.map((e) => ({ ...e })),
  }));
}

/** Raises the partition count of topics that have fewer than the catalogue; refuses ones that have more. */
async function alignPartitions(admin: Admin, present: readonly TopicSpec[], altered: string[], log: Log): Promise<void> {
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  for (const spec of present) {
    const count = meta.find((m) => m.name === spec.topic)?.partitions.length ?? 0;
    if (count > spec.numPartitions) {
      throw new Error(`kafka: topic ${spec.topic} has ${count} partitions, expected ${spec.numPartitions} (partitions cannot be removed: delete the topic)`);
    }
    if (count < spec.numPartitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.numPartitions }] });
      altered.push(spec.topic);
      log(`kafka: topic ${spec.topic} had ${count} partition(s), raised to ${spec.numPartitions}`);
    }
  }
}

/** Sets the catalogue's topic configs again on the topics whose configs differ from it. */
async function alignConfigs(admin: Admin, present: readonly TopicSpec[], altered: string[], log: Log): Promise<void> {
  const withConfig = present.filter((s) => s.configEntries.length > 0);
  if (withConfig.length === 0) return;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfig.map((s) => ({
      type: ConfigResourceTypes.TOPIC,
      name: s.topic,
      configNames: s.configEntries.map((e) => e.name),
    })),
  });
  const drifted = withConfig.filter((s) => {
    const actual = resources.find((r) => r.resourceName === s.topic)?.configEntries ?? [];
    return s.configEntries.some((e) => actual.find((a) => a.configName === e.name)?.configValue !== e.value);
  });
  if (drifted.length === 0) return;
  // AlterConfigs (not incremental) sets exactly these overrides on each topic
  await admin.alterConfigs({
    validateOnly: false,
    resources: drifted.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic, configEntries: s.configEntries })),
  });
  for (const s of drifted) if (!altered.includes(s.topic)) altered.push(s.topic);
  log(`kafka: reset the configuration of ${drifted.map((s) => s.topic).join(', ')}`);
}

/** Waits until every topic has metadata with a leader for every partition, and every leader serves requests. */
async function waitTopicsReady(brokers: readonly string[], specs: readonly TopicSpec[], t0: number, timeoutMs: number): Promise<void> {
  const names = specs.map((s) => s.topic);
  const deadline = t0 + timeoutMs;
  let lastError: unknown;
  const pollOptions = { connectionTimeout: 3000, requestTimeout: 5000, retries: 2 };
  await withAdmin(
    brokers,
    logLevel.NOTHING,
    async (admin) => {
      for (;;) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: names });
          const ready = specs.every((s) => {
            const parts = topics.find((t) => t.name === s.topic)?.partitions ?? [];
            return parts.length === s.numPartitions && parts.every((p) => p.leader >= 0 && p.partitionErrorCode === 0);
          });
          if (ready) {
            // metadata can name a leader a moment before that broker has opened the partition's log:
            // a ListOffsets answered by every leader means the partitions really serve requests
            for (const name of names) await admin.fetchTopicOffsets(name);
            return;
          }
          lastError = new Error('some partitions have no leader yet');
        } catch (err) {
          lastError = err;
        }
        if (Date.now() > deadline)
          throw new Error(`kafka: topics not ready after ${seconds(t0)} s: ${lastError === undefined ? undefined : errorMessage(lastError)}`);
        await sleep(POLL_MS);
      }
    },
    pollOptions,
  );
}

export interface EnsureTopicsOptions {
  brokers?: readonly string[];
  prefix?: string;
  log?: Log;
  timeoutMs?: number;
}

/**
 * Creates the missing topics of docs/architecture.md (waitForLeaders), brings partitions and topic configs of
 * existing ones in line (e.g. a topic auto-created by a client), then waits until all have metadata with leaders.
 */
export async function ensureTopics({
  brokers = KAFKA_BROKERS,
  prefix = DEFAULT_TOPIC_PREFIX,
  log = stderrLog,
  timeoutMs = TOPICS_READY_TIMEOUT_MS,
}: EnsureTopicsOptions = {}): Promise<{ topics: string[]; created: string[]; altered: string[] }> {
  const specs = topicSpecs(prefix);
  const t0 = Date.now();
  const created: string[] = [];
  const altered: string[] = [];
  await withAdmin(brokers, logLevel.ERROR, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: timeoutMs });
      created.push(...missing.map((s) => s.topic));
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      await alignPartitions(admin, present, altered, log);
      await alignConfigs(admin, present, altered, log);
    }
  });
  await waitTopicsReady(brokers, specs, t0, timeoutMs);
  if (created.length > 0) log(`kafka: created ${created.length} topic(s) with prefix ${JSON.stringify(prefix)} in ${seconds(t0)} s`);
  return { topics: specs.map((s) => s.topic), created, altered };
}

/**
 * Deletes every topic whose name starts with prefix (for test cleanup) and waits until they are gone.
 * Refuses an empty prefix; never touches internal topics (__consumer_offsets, …).
 */
export async function deleteTopics({
  brokers = KAFKA_BROKERS,
  prefix,
  timeoutMs = TOPICS_DELETE_TIMEOUT_MS,
}: {
  brokers?: readonly string[];
  prefix: string;
  timeoutMs?: number;
}): Promise<{ deleted: string[] }> {
  checkPrefix(prefix, { allowEmpty: false });
  return withAdmin(brokers, logLevel.ERROR, async (admin) => {
    const victims = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.startsWith('__'));
    if (victims.length === 0) return { deleted: [] };
    await admin.deleteTopics({ topics: victims, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = new Set(await admin.listTopics());
      if (!victims.some((t) => left.has(t))) return { deleted: victims };
      if (Date.now() > deadline) throw new Error(`kafka: topics still present after delete: ${victims.filter((t) => left.has(t)).join(', ')}`);
      await sleep(POLL_MS);
    }
  });
}

/** Topic names with this prefix that exist on the broker (throws if the broker does not answer). */
export async function listTopics({ brokers = KAFKA_BROKERS, prefix = DEFAULT_TOPIC_PREFIX }: { brokers?: readonly string[]; prefix?: string } = {}): Promise<
  string[]
> {
  return withAdmin(brokers, logLevel.NOTHING, async (admin) => (await admin.listTopics()).filter((t) => t.startsWith(prefix)), PROBE_CLIENT_OPTIONS);
}
