import { baseConfigShape, loadConfig, portSchema, readKeyFile, validatorKeysSchema } from '@nostro/platform';
import { DEFAULT_CURRENCIES, isCurrencyCode } from '@nostro/shared';
import fs from 'node:fs';
import { z } from 'zod';

const urlList = z
  .string()
  .transform((value) => value.split(',').map((u) => u.trim()).filter((u) => u !== ''))
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const schema = z.object({
  ...baseConfigShape,
  PORT: portSchema(3000),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000').transform((u) => u.replace(/\/+$/, '')),
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
  SIGNATURE_MAX_SKEW_S: z.coerce.number().int().min(1).max(3_600).default(300),
});

export type GatewayConfig = z.infer<typeof schema> & { networkSeed: string; bootstrapAdminToken: string | null };

export function gatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(schema, env);
  const tokenFile = config.BOOTSTRAP_ADMIN_TOKEN_FILE;
  const bootstrapAdminToken = tokenFile && fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, 'utf8').trim() || null : null;
  return { ...config, networkSeed: readKeyFile(config.NETWORK_SIGNING_KEY_FILE, 'NETWORK_SIGNING_KEY_FILE'), bootstrapAdminToken };
}
