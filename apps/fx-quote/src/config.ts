import { baseConfigShape, loadConfig, portSchema, readKeyFile } from '@nostro/platform';
import { DEFAULT_CURRENCIES, isCurrencyCode } from '@nostro/shared';
import path from 'node:path';
import { z } from 'zod';

const RATES_DIR = path.join(__dirname, '..', 'rates');

const currencyList = z
  .string()
  .transform((value) => value.split(',').map((c) => c.trim()))
  .pipe(z.array(z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 code')).min(1));

const urlList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
  )
  .pipe(
    z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .max(16),
  );

const schema = z
  .object({
    ...baseConfigShape,
    PORT: portSchema(3001),
    /** Postgres connections this process may hold (the server's max_connections is shared by every service). */
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z.string().default('nostro:'),
    FX_SIGNING_KEY_FILE: z.string().min(1),
    /** How long a quote may be used after it was issued. */
    QUOTE_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    CURRENCIES: currencyList.default([...DEFAULT_CURRENCIES]),
    /** Per-corridor spread, fees, amount bounds and enabled flag (docs/fx-quote.md). */
    FX_CORRIDORS_FILE: z.string().default(path.join(RATES_DIR, 'corridors.json')),
    /** `static`: the dated snapshot in FX_RATES_FILE; `http`: poll FX_RATES_URL. */
    FX_RATES_PROVIDER: z.enum(['static', 'http']).default('static'),
    FX_RATES_FILE: z.string().default(path.join(RATES_DIR, 'ecb-2024-06-28.json')),
    FX_RATES_URL: z.url({ protocol: /^https?$/ }).optional(),
    FX_RATES_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    /** A live rate older than this (by the publisher's `asOf`) is refused with rate_stale. */
    FX_RATES_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
    /** Validators' internal API; when unset, FXDESK liquidity is not checked (a warning says so at start-up). */
    LEDGER_URLS: urlList.optional(),
    /** How often FXDESK's balances are re-read in the background; a refusal always re-reads first. */
    FX_LEDGER_REFRESH_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    FX_LEDGER_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
    /** Consumer group (prefixed by KAFKA_TOPIC_PREFIX) reading settlement.events to release reservations. */
    FX_CONSUMER_GROUP: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,100}$/)
      .default('fx-quote'),
    /** How often expired quotes release their reservation. */
    FX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** A used quote whose payment never reached a final status stops holding liquidity after this long. */
    FX_RESERVATION_MAX_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(30 * 86_400_000)
      .default(86_400_000),
  })
  .superRefine((config, ctx) => {
    if (config.FX_RATES_PROVIDER === 'http' && !config.FX_RATES_URL) {
      ctx.addIssue({ code: 'custom', path: ['FX_RATES_URL'], message: 'required when FX_RATES_PROVIDER=http' });
    }
  });

export type FxConfig = z.infer<typeof schema> & { signingSeed: string };

export function fxConfig(env: NodeJS.ProcessEnv = process.env): FxConfig {
  const config = loadConfig(schema, env);
  return { ...config, signingSeed: readKeyFile(config.FX_SIGNING_KEY_FILE, 'FX_SIGNING_KEY_FILE') };
}
