// Local infrastructure for Nostro, one module per job: the machine's Postgres and Redis (checked, started if
// stopped), a real single-node Kafka broker run from its Maven Central jars (kafka-broker.ts, serialised by
// lock.ts), and the catalogue's topics on it. CLI: scripts/infra.ts.
export { KAFKA_PATHS, ensureKafka, kafkaPid, runningBrokerDataDir, stopKafka, type EnsureKafkaResult } from './kafka-broker';
export { KAFKA_BROKERS, probeKafka } from './kafka-client';
export { POSTGRES, createDatabases, ensurePostgres, probePostgres } from './postgres';
export { REDIS, ensureRedis, probeRedis } from './redis';
export { infraStatus, type InfraStatus } from './status';
export { DEFAULT_TOPIC_PREFIX, TOPICS, deleteTopics, ensureTopics, listTopics, topicSpecs, type TopicSpec } from './topics';
export type { Log } from './process';
