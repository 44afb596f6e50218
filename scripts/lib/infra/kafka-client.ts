// The admin client the infrastructure scripts talk to the broker with, and the one-request probe of a broker.
import { Kafka, logLevel, type Admin } from 'kafkajs';

export const KAFKA_BROKERS: readonly string[] = Object.freeze(['127.0.0.1:9092']);

export interface KafkaClientOptions {
  connectionTimeout?: number;
  requestTimeout?: number;
  retries?: number;
}

/** A quick probe: one attempt, short timeouts. */
export const PROBE_CLIENT_OPTIONS: KafkaClientOptions = Object.freeze({ connectionTimeout: 1000, requestTimeout: 3000, retries: 0 });

function kafkaClient(
  brokers: readonly string[],
  level: logLevel,
  { connectionTimeout = 3000, requestTimeout = 30_000, retries = 5 }: KafkaClientOptions = {},
): Kafka {
  return new Kafka({ clientId: 'nostro-infra', brokers: [...brokers], logLevel: level, connectionTimeout, requestTimeout, retry: { retries } });
}

/** Connects an admin client, runs `fn` with it, and disconnects whatever happened. */
export async function withAdmin<T>(
  brokers: readonly string[],
  level: logLevel,
  fn: (admin: Admin) => Promise<T>,
  clientOptions?: KafkaClientOptions,
): Promise<T> {
  const admin = kafkaClient(brokers, level, clientOptions).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface KafkaProbe {
  up: boolean;
  clusterId?: string;
  brokers?: number;
  error?: unknown;
}

/** One quick metadata request; never throws. */
export async function probeKafka({ brokers = KAFKA_BROKERS }: { brokers?: readonly string[] } = {}): Promise<KafkaProbe> {
  try {
    const cluster = await withAdmin(brokers, logLevel.NOTHING, (admin) => admin.describeCluster(), PROBE_CLIENT_OPTIONS);
    return { up: true, clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  } catch (error) {
    return { up: false, error };
  }
}
