import fs from 'node:fs';
import { z } from 'zod';

/** A configuration problem: start-up stops with this one line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Variables every service reads (docs/architecture.md). */
export const baseConfigShape = {
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  MIGRATE_ON_START: booleanString.default(true),
  /** Postgres connections of this process at most; unset, each service's own size (gateway 12, settlement 8, …). */
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).optional(),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')).min(1)),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default('nostro.'),
  /**
   * How long the broker keeps a consumer that stopped heartbeating in its group. A process killed without leaving its
   * group stalls the partitions it held this long, after its restart too; every batch heartbeats when it is done, so
   * one batch's work must stay well below it. Kafka refuses less than its group.min.session.timeout.ms (6 s).
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** How long each consumer remembers the message ids it has processed (InboxPruner); at most a year. */
  INBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(8_760).default(168),
};

export const portSchema = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
export { booleanString };

/**
 * Reads the environment through a zod schema once. Any problem becomes a ConfigError naming each variable,
 * which `runService` prints as one line before exiting with status 78 (EX_CONFIG).
 */
export function loadConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/** A key file holds one line: a 32-byte Ed25519 seed, base64url. Read once at start-up. */
export function readKeyFile(path: string, variable: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8').trim();
  } catch {
    throw new ConfigError(`invalid configuration: ${variable}: cannot read ${path}`);
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) {
    throw new ConfigError(`invalid configuration: ${variable}: ${path} does not hold a base64url 32-byte seed`);
  }
  return text;
}

/** `v0=<pub>,v1=<pub>` → [{ id, publicKey }]. */
export const validatorKeysSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .filter((item) => item.trim() !== '')
      .map((item) => {
        const [id, publicKey] = item.split('=').map((part) => part.trim());
        return { id, publicKey };
      }),
  )
  .pipe(z.array(z.object({ id: z.string().regex(/^[a-z0-9-]{1,32}$/), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })).min(1));
