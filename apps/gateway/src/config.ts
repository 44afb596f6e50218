import { ConfigError, Kek, baseConfigShape, keksFromEnv, loadConfig, portSchema, readKeyFile, validatorKeysSchema } from '@nostro/platform';
import { OpsConfig, opsConfig } from '@nostro/ops-console';
import { CurrencyCode, DEFAULT_CURRENCIES, isCurrencyCode, minorUnits, parseAmount } from '@nostro/shared';
import fs from 'node:fs';
import { z } from 'zod';
import { SanctionsList, loadSanctionsFile } from './screening/sanctions-list';

const urlList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const schema = z.object({
  ...baseConfigShape,
  PORT: portSchema(3000),
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:3000')
    .transform((u) => u.replace(/\/+$/, '')),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('nostro:'),
  FX_QUOTE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
  LEDGER_URLS: urlList.default(['http://127.0.0.1:3010', 'http://127.0.0.1:3011', 'http://127.0.0.1:3012']),
  NETWORK_SIGNING_KEY_FILE: z.string().min(1),
  BOOTSTRAP_ADMIN_TOKEN_FILE: z.string().optional(),
  VALIDATOR_PUBLIC_KEYS: validatorKeysSchema,
  LEDGER_QUORUM: z.coerce.number().int().min(1).default(2),
  CURRENCIES: z
    .string()
    .default(DEFAULT_CURRENCIES.join(','))
    .transform((value) => value.split(',').map((c) => c.trim()))
    .pipe(z.array(z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 code')).min(1)),
  /** How long an operator call that goes through the ledger (deposit, registration) waits for finality. */
  LEDGER_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Four eyes on deposits, withdrawals, limits, keys and operator creation (docs/security.md); on in production. */
  DUAL_CONTROL: z
    .enum(['on', 'off'])
    .default('off')
    .transform((v) => v === 'on'),
  /** How long a held call waits for a second admin before it expires. */
  APPROVAL_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  SIGNATURE_MAX_SKEW_S: z.coerce.number().int().min(1).max(3_600).default(300),
  /**
   * Consumer group of settlement.events (prefixed with KAFKA_TOPIC_PREFIX). Replicas of one gateway share it; a
   * gateway given its own group replays every event into the same database, harmlessly (each is applied once).
   */
  KAFKA_CONSUMER_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,100}$/)
    .default('gateway'),
  /** Token bucket per participant (API.md: 5,000 requests/s by default); the burst defaults to one second's worth. */
  RATE_LIMIT_PER_S: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000_000).optional(),
  /** Sanctions list (JSON, docs/gateway.md); loaded at start, reloaded on SIGHUP or POST /v1/admin/screening/reload. */
  SANCTIONS_LIST_FILE: z.string().min(1).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(600_000),
  /** Past this age an undelivered webhook is abandoned (operators see it and can redeliver it). */
  WEBHOOK_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(3 * 86_400_000),
  /** An endpoint whose oldest pending delivery failed this many times is reported failing. */
  WEBHOOK_FAILING_AFTER_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(5),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Deliveries in flight to one bank at a time (per replica), so a slow endpoint holds only its own share. */
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * `on` lets webhooks go to loopback, link-local and private addresses (the local and test stacks, whose receivers
   * listen on 127.0.0.1); `off`, the default and production's, refuses such URLs when set and at every delivery.
   */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['on', 'off'])
    .default('off')
    .transform((value) => value === 'on'),
  /**
   * The largest deposit or withdrawal one operator request may move, per currency: `USD=50000000.00,JPY=5000000000`.
   * A currency not named here is bounded by TRANSFER_MAX_MAJOR_DEFAULT whole units of it.
   */
  TRANSFER_MAX_AMOUNTS: z.string().default(''),
  TRANSFER_MAX_MAJOR_DEFAULT: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'whole units, 1 to 15 digits')
    .default('1000000000'),
  /**
   * Customer data at rest (docs/security.md): the key-encryption key `<key id>:<base64 of 32 bytes>`, given directly or
   * as a file (a mounted Kubernetes Secret). Required. PII_KEK_PREVIOUS(_FILE): older keys, comma-separated, kept only
   * to unwrap data keys until the background re-wrap after a rotation has finished.
   */
  PII_KEK: z.string().optional(),
  PII_KEK_FILE: z.string().optional(),
  PII_KEK_PREVIOUS: z.string().optional(),
  PII_KEK_PREVIOUS_FILE: z.string().optional(),
  /** Customer data younger than this is never erased (erase-customer-data): what the regulator says to keep. */
  PII_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(1_825),
});

export type GatewayConfig = z.infer<typeof schema> & {
  networkSeed: string;
  bootstrapAdminToken: string | null;
  sanctionsList: SanctionsList | null;
  /** The largest deposit or withdrawal per request, in minor units, by currency (see TRANSFER_MAX_AMOUNTS). */
  transferMaxMinor: (currency: CurrencyCode) => bigint;
  /** The key-encryption keys of customer data: the current one wraps new data keys. */
  keks: { current: Kek; previous: Kek[] };
};

export function gatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(schema, env);
  const tokenFile = config.BOOTSTRAP_ADMIN_TOKEN_FILE;
  const bootstrapAdminToken = tokenFile && fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() || null : null;
  const sanctionsList = config.SANCTIONS_LIST_FILE ? readSanctionsFile(config.SANCTIONS_LIST_FILE, 'SANCTIONS_LIST_FILE') : null;
  const transferMaxMinor = transferBounds(config.TRANSFER_MAX_AMOUNTS, BigInt(config.TRANSFER_MAX_MAJOR_DEFAULT));
  const keks = keksFromEnv(config);
  if (!keks) {
    throw new ConfigError(
      'invalid configuration: PII_KEK or PII_KEK_FILE is required: the key that encrypts customer data at rest, <key id>:<base64 of 32 bytes> ' +
        '(e.g. `echo "kek-1:$(openssl rand -base64 32)"`; docs/security.md)',
    );
  }
  return {
    ...config,
    networkSeed: readKeyFile(config.NETWORK_SIGNING_KEY_FILE, 'NETWORK_SIGNING_KEY_FILE'),
    bootstrapAdminToken,
    sanctionsList,
    transferMaxMinor,
    keks,
  };
}

/** The operations console's settings (OPS_*, docs/ops-console.md); a bad value stops start-up with one line. */
export function opsConsoleConfig(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): OpsConfig {
  return opsConfig(env, config.PUBLIC_BASE_URL);
}

/** Parses TRANSFER_MAX_AMOUNTS (`CUR=amount,…`, amounts in major units with the currency's digits). */
export function transferBounds(list: string, defaultMajor: bigint): (currency: CurrencyCode) => bigint {
  const bounds = new Map<string, bigint>();
  for (const item of list
    .split(',')
    .map((i) => i.trim())
    .filter((i) => i !== '')) {
    const [code = '', amount = ''] = item.split('=').map((p) => p.trim());
    if (!isCurrencyCode(code)) throw new ConfigError(`invalid configuration: TRANSFER_MAX_AMOUNTS: ${JSON.stringify(code)} is not an ISO 4217 code`);
    let minor: bigint;
    try {
      minor = parseAmount(amount, code);
    } catch (error) {
      throw new ConfigError(`invalid configuration: TRANSFER_MAX_AMOUNTS: ${code}: ${(error as Error).message}`);
    }
    if (minor <= 0n) throw new ConfigError(`invalid configuration: TRANSFER_MAX_AMOUNTS: ${code} must be positive`);
    bounds.set(code, minor);
  }
  return (currency) => bounds.get(currency) ?? defaultMajor * 10n ** BigInt(minorUnits(currency));
}

/** Reads and checks the sanctions list; a bad file stops start-up with one line. */
function readSanctionsFile(file: string, variable: string): SanctionsList {
  try {
    return loadSanctionsFile(file);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${variable}: ${(error as Error).message}`);
  }
}
