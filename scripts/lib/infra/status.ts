// The state of each piece of local infrastructure, without changing anything (`tsx scripts/infra.ts status`).
import { kafkaPid } from './kafka-broker';
import { probeKafka } from './kafka-client';
import { postgresPid, probePostgres } from './postgres';
import { probeRedis, redisPid } from './redis';
import { DEFAULT_TOPIC_PREFIX, listTopics, topicSpecs } from './topics';

export interface ComponentStatus {
  up: boolean;
  pid?: number;
  detail?: string;
}

export interface InfraStatus {
  postgres: ComponentStatus;
  redis: ComponentStatus;
  kafka: ComponentStatus;
  topics: { up: boolean; present: string[]; missing: string[] };
}

/** State of each component, without changing anything. */
export async function infraStatus({ prefix = DEFAULT_TOPIC_PREFIX }: { prefix?: string } = {}): Promise<InfraStatus> {
  const [pgProbe, redisProbe, kafkaProbe] = await Promise.all([probePostgres(), probeRedis(), probeKafka()]);
  const pidOfKafka = kafkaPid();
  const postgres: ComponentStatus = { up: pgProbe.state === 'up', pid: pgProbe.state === 'up' ? await postgresPid() : undefined };
  if (!postgres.up) postgres.detail = pgProbe.state === 'down' ? 'not answering' : (pgProbe.error?.message ?? pgProbe.state);
  const redis: ComponentStatus = { up: redisProbe.state === 'up', pid: redisProbe.state === 'up' ? await redisPid() : undefined };
  if (!redis.up) redis.detail = redisProbe.state === 'down' ? 'not answering' : (redisProbe.reply ?? redisProbe.state);
  const kafka: ComponentStatus = { up: kafkaProbe.up, pid: pidOfKafka };
  if (kafka.up && !pidOfKafka) kafka.detail = 'not started by scripts/infra.ts';
  if (!kafka.up && pidOfKafka) kafka.detail = 'process alive but not answering';
  const expected = topicSpecs(prefix).map((s) => s.topic);
  let present: string[] = [];
  if (kafka.up) present = await listTopics({ prefix }).catch((): string[] => []);
  const topics = {
    up: expected.every((t) => present.includes(t)),
    present: expected.filter((t) => present.includes(t)),
    missing: expected.filter((t) => !present.includes(t)),
  };
  return { postgres, redis, kafka, topics };
}
