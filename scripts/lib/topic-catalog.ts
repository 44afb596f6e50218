// The Kafka topic catalogue (libs/shared/src/messages/topics.catalog.json) for the scripts. The services read the same
// file through libs/shared/src/messages/topics.ts, which validates it strictly (its spec fails on a malformed entry);
// the checks here only keep a broken file from reaching a broker.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './repo';

/** Where the catalogue and the topic Job's generated list live, relative to the repository root. */
export const TOPIC_CATALOG_FILE = 'libs/shared/src/messages/topics.catalog.json';
export const TOPIC_LIST_FILE = 'k8s/base/kafka-topics/topics.txt';

const TOPIC_SUFFIX = /^[a-zA-Z0-9._-]{1,200}$/;
const CONFIG_NAME = /^[a-z0-9]+(\.[a-z0-9]+)*$/;
const CONFIG_VALUE = /^[A-Za-z0-9._-]{1,64}$/;

export interface TopicConfigEntry {
  name: string;
  value: string;
}

/** One topic of the catalogue, as the scripts use it. */
export interface CatalogTopic {
  key: string;
  suffix: string;
  partitions: number;
  configEntries: TopicConfigEntry[];
}

interface CatalogEntry {
  suffix: string;
  partitions: number;
  config?: Record<string, string>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function checkEntry(key: string, entry: unknown): asserts entry is CatalogEntry {
  const where = `${TOPIC_CATALOG_FILE}: topic ${key}`;
  if (!isRecord(entry)) throw new Error(`${where} is not an object`);
  if (typeof entry.suffix !== 'string' || !TOPIC_SUFFIX.test(entry.suffix)) throw new Error(`${where}: bad suffix ${JSON.stringify(entry.suffix)}`);
  if (!Number.isInteger(entry.partitions) || Number(entry.partitions) < 1) throw new Error(`${where}: bad partitions ${JSON.stringify(entry.partitions)}`);
  const config = entry.config ?? {};
  if (!isRecord(config)) throw new Error(`${where}: bad config ${JSON.stringify(config)}`);
  for (const [name, value] of Object.entries(config)) {
    if (!CONFIG_NAME.test(name) || typeof value !== 'string' || !CONFIG_VALUE.test(value)) {
      throw new Error(`${where}: bad config ${name}=${JSON.stringify(value)}`);
    }
  }
}

/** The catalogue's topics in catalogue order. */
export function readTopicCatalog(file = path.join(REPO_ROOT, TOPIC_CATALOG_FILE)): CatalogTopic[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const topics = isRecord(parsed) ? parsed.topics : undefined;
  if (!isRecord(topics) || Object.keys(topics).length === 0) throw new Error(`${TOPIC_CATALOG_FILE}: no topics`);
  const list = Object.entries(topics).map(([key, entry]): CatalogTopic => {
    checkEntry(key, entry);
    return {
      key,
      suffix: entry.suffix,
      partitions: entry.partitions,
      configEntries: Object.entries(entry.config ?? {}).map(([name, value]) => ({ name, value })),
    };
  });
  const suffixes = list.map((t) => t.suffix);
  const twice = suffixes.find((s, i) => suffixes.indexOf(s) !== i);
  if (twice) throw new Error(`${TOPIC_CATALOG_FILE}: ${twice} is listed twice`);
  return list;
}

/**
 * The topic Job's list (k8s/base/kafka-topics/topics.txt): one `suffix|partitions|name=value,…` line per topic
 * ("-" for no config), read by create-topics.sh, which has no JSON parser in the apache/kafka image.
 */
export function topicListText(topics: readonly CatalogTopic[] = readTopicCatalog()): string {
  const lines = topics.map(
    (t) => `${t.suffix}|${t.partitions}|${t.configEntries.length > 0 ? t.configEntries.map((e) => `${e.name}=${e.value}`).join(',') : '-'}`,
  );
  return [
    `# Generated from ${TOPIC_CATALOG_FILE} by \`npm run topics\`: do not edit.`,
    '# suffix|partitions|topic configs ("-" for none). Read by create-topics.sh; tests/deploy/topics.spec.ts checks it.',
    ...lines,
    '',
  ].join('\n');
}
