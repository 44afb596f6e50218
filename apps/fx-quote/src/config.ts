import { baseConfigShape, loadConfig, portSchema, readKeyFile } from '@nostro/platform';
import { DEFAULT_CURRENCIES, isCurrencyCode } from '@nostro/shared';
import path from 'node:path';
import { z } from 'zod';

const currencyList = z
  .string()
  .transform((value) => value.split(',').map((c) => c.trim()))
  .pipe(z.array(z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 code')).min(1));

const schema = z.object({
  ...baseConfigShape,
  PORT: portSchema(3001),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('nostro:'),
  FX_SIGNING_KEY_FILE: z.string().min(1),
  QUOTE_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  FX_RATES_FILE: z.string().default(path.join(__dirname, '..', 'rates', 'ecb-2024-06-28.json')),
  CURRENCIES: currencyList.default([...DEFAULT_CURRENCIES]),
  FX_SPREAD_BPS: z.coerce.number().int().min(0).max(2_000).default(25),
  FX_PERCENT_FEE_BPS: z.coerce.number().int().min(0).max(2_000).default(0),
  /** Fixed fee per source currency, major units: `USD=2.50,EUR=2.00`. */
  FX_FIXED_FEES: z.string().default('USD=2.50,EUR=2.00,GBP=2.00,JPY=300,CHF=2.50,CAD=3.00,AUD=3.50,SGD=3.00,HKD=20.00,CNY=15.00,INR=200.00,MXN=40.00,BHD=1.000'),
  /** Largest send amount per quote, in major units of the source currency. */
  FX_MAX_SEND_MAJOR: z.coerce.number().int().min(1).default(1_000_000),
});

export type FxConfig = z.infer<typeof schema> & { signingSeed: string };

export function fxConfig(env: NodeJS.ProcessEnv = process.env): FxConfig {
  const config = loadConfig(schema, env);
  return { ...config, signingSeed: readKeyFile(config.FX_SIGNING_KEY_FILE, 'FX_SIGNING_KEY_FILE') };
}
