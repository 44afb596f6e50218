import path from 'node:path';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { Pool, createPool } from './db';
import { createKafka, retryForever } from './kafka';
import { Logger, createLogger } from './logger';
import { runMigrations } from './migrate';
import { OutboxRelay } from './outbox';
import { ReadinessCheck } from './health';

/** The platform's own migrations (outbox, consumer offsets, inbox), applied before each service's. */
export const PLATFORM_MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

export interface RuntimeConfig {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  MIGRATE_ON_START: boolean;
  KAFKA_BROKERS: string[];
  /** Overrides the service's own pool size (each service knows what it needs; a test cluster asks for less). */
  DATABASE_POOL_MAX?: number;
}

/** What every service holds: logger, Postgres pool, Kafka client and producer, outbox relay. */
export class Runtime {
  private producerConnected = false;
  private stopped = false;
  readonly relay: OutboxRelay;

  private constructor(
    readonly name: string,
    readonly log: Logger,
    readonly pool: Pool,
    readonly kafka: Kafka,
    readonly producer: Producer,
  ) {
    this.relay = new OutboxRelay(pool, producer, log);
  }

  /**
   * Builds the runtime, applying migrations first when MIGRATE_ON_START is set. With the argument `migrate`
   * it applies migrations and returns null: the process then exits (Kubernetes Job, compose init container).
   */
  static async create(name: string, config: RuntimeConfig, migrationsDir: string, poolMax = 10): Promise<Runtime | null> {
    const log = createLogger(name, config.LOG_LEVEL);
    const migrateOnly = process.argv[2] === 'migrate';
    if (config.MIGRATE_ON_START || migrateOnly) await runMigrations(config.DATABASE_URL, [PLATFORM_MIGRATIONS_DIR, migrationsDir], log);
    if (migrateOnly) return null;
    const pool = createPool(config.DATABASE_URL, name, config.DATABASE_POOL_MAX ?? poolMax);
    pool.on('error', (error) => log.error({ err: error }, 'idle postgres client error'));
    void warnWithoutAutovacuum(pool, log);
    const kafka = createKafka(config.KAFKA_BROKERS, name, log);
    return new Runtime(name, log, pool, kafka, kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }));
  }

  /** Postgres and producer readiness checks; services add their own. */
  readinessChecks(): ReadinessCheck[] {
    return [
      { name: 'postgres', check: async () => (await this.pool.query('SELECT 1')).rowCount === 1 },
      { name: 'kafka-producer', check: () => this.producerConnected },
    ];
  }

  /** Connects the producer in the background (retrying with a clear log line while Kafka is down), then runs `then`. */
  connectInBackground(then: () => void = () => undefined): void {
    void retryForever(
      'kafka producer connect',
      () => this.producer.connect(),
      this.log,
      () => this.stopped,
    ).then((ok) => {
      if (!ok) return;
      this.producerConnected = true;
      this.log.info('kafka producer connected');
      this.relay.start();
      then();
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.relay.stop();
    await this.producer.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * The outbox, inbox and payment tables churn (rows relayed and deleted, statuses updated): without autovacuum their
 * dead rows pile up and every scan of them slows down. Says so once at start; the service works either way.
 */
async function warnWithoutAutovacuum(pool: Pool, log: Logger): Promise<void> {
  try {
    const { rows } = await pool.query<{ autovacuum: string }>('SHOW autovacuum');
    if (rows[0]?.autovacuum !== 'on')
      log.warn('Postgres runs with autovacuum off: dead rows of the outbox and the other busy tables accumulate; vacuum them or turn autovacuum on');
  } catch {
    // Postgres not reachable yet: readiness reports it.
  }
}
