/**
 * Kafka topics, read from the one catalogue every consumer of the list shares: `topics.catalog.json` beside this
 * file. The services use {@link Topic}; scripts/lib/topic-catalog.ts reads the same JSON for the local broker, and the
 * Kubernetes topic Job and docker-compose.yml read k8s/base/kafka-topics/topics.txt, generated from it by
 * `npm run topics` and checked against it by tests/deploy/topics.spec.ts.
 */
import { z } from 'zod';
import catalogJson from './topics.catalog.json';

/** A fixed topic's code name, e.g. `LEDGER_TX`: the keys of the catalogue, so a typo does not compile. */
export type TopicKey = keyof typeof catalogJson.topics;

/** One topic of the catalogue. */
export interface TopicSpec {
  readonly key: TopicKey;
  /** The name without prefix; the full name is `${KAFKA_TOPIC_PREFIX}${suffix}` (docs/architecture.md). */
  readonly suffix: string;
  readonly partitions: number;
  /** Topic-level Kafka configs, in catalogue order (e.g. `retention.ms` → `-1`). */
  readonly config: Readonly<Record<string, string>>;
}

/** Characters Kafka allows in a topic name, and its length limit with room left for a prefix. */
const TOPIC_SUFFIX = /^[a-zA-Z0-9._-]{1,200}$/;
/** Names and values go into `name=value,…` lists (kafka-configs.sh, topics.txt): no `=`, `,` or `|`. */
const CONFIG_NAME = /^[a-z0-9]+(\.[a-z0-9]+)*$/;
const CONFIG_VALUE = /^[A-Za-z0-9._-]{1,64}$/;
const PARTITIONS_MAX = 1_000;

const topicEntrySchema = z.strictObject({
  suffix: z.string().regex(TOPIC_SUFFIX, 'topic suffix: 1-200 of a-z, A-Z, 0-9, ".", "_", "-"'),
  partitions: z.int().min(1).max(PARTITIONS_MAX),
  config: z.record(
    z.string().regex(CONFIG_NAME, 'config name like retention.ms'),
    z.string().regex(CONFIG_VALUE, 'config value: 1-64 of A-Z, a-z, 0-9, ".", "_", "-"'),
  ),
});

const catalogSchema = z.strictObject({
  $comment: z.string().optional(),
  topics: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'topic key in UPPER_SNAKE_CASE'), topicEntrySchema),
});

/**
 * Validates a catalogue (the JSON's shape) and answers its topics in catalogue order; throws on a malformed entry
 * or on two keys naming the same topic.
 */
export function parseTopicCatalog(input: unknown): TopicSpec[] {
  const { topics } = catalogSchema.parse(input);
  const specs = Object.entries(topics).map(([key, entry]) =>
    Object.freeze({ key: key as TopicKey, suffix: entry.suffix, partitions: entry.partitions, config: Object.freeze({ ...entry.config }) }),
  );
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.suffix)) throw new Error(`topic catalogue: ${spec.suffix} is listed twice`);
    seen.add(spec.suffix);
  }
  if (specs.length === 0) throw new Error('topic catalogue: no topics');
  return specs;
}

/** Every fixed topic, in catalogue order. */
export const TOPIC_CATALOG: readonly TopicSpec[] = Object.freeze(parseTopicCatalog(catalogJson));

/** Kafka topic suffixes by code name (`Topic.LEDGER_TX` is `ledger.tx`); the full name adds `KAFKA_TOPIC_PREFIX`. */
export const Topic: Readonly<Record<TopicKey, string>> = Object.freeze(
  Object.fromEntries(TOPIC_CATALOG.map((spec) => [spec.key, spec.suffix])) as Record<TopicKey, string>,
);
export type Topic = (typeof Topic)[TopicKey];

/** The catalogue entry of one topic. */
export function topicSpec(key: TopicKey): TopicSpec {
  const spec = TOPIC_CATALOG.find((s) => s.key === key);
  if (spec === undefined) throw new Error(`topic catalogue: no topic ${key}`);
  return spec;
}

/**
 * Each participant's own finality-notice topic is `${KAFKA_TOPIC_PREFIX}ledger.notices.<participant id>`; the
 * validators create it when a final block first concerns the participant (docs/ledger.md, "Finality notices").
 */
export const LEDGER_NOTICES_TOPIC = 'ledger.notices.';
export const noticeTopicSuffix = (participant: string): string => `${LEDGER_NOTICES_TOPIC}${participant}`;

/** Kafka header carrying the correlation id across hops. */
export const CORRELATION_HEADER = 'x-correlation-id';
