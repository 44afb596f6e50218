import { baseConfigShape, loadConfig, portSchema, validatorKeysSchema } from '@nostro/platform';
import { DEFAULT_CURRENCIES, isCurrencyCode } from '@nostro/shared';
import { z } from 'zod';

const schema = z.object({
  ...baseConfigShape,
  PORT: portSchema(3002),
  FX_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url 32-byte Ed25519 public key'),
  VALIDATOR_PUBLIC_KEYS: validatorKeysSchema,
  LEDGER_QUORUM: z.coerce.number().int().min(1).default(2),
  CURRENCIES: z
    .string()
    .default(DEFAULT_CURRENCIES.join(','))
    .transform((value) => value.split(',').map((c) => c.trim()))
    .pipe(z.array(z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 code')).min(1)),
  /** How long the ledger may take to order a submitted payment before refusing it (notAfter). */
  PAYMENT_NOT_AFTER_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
});

export type SettlementConfig = z.infer<typeof schema>;

export function settlementConfig(env: NodeJS.ProcessEnv = process.env): SettlementConfig {
  return loadConfig(schema, env);
}
