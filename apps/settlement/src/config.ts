import { baseConfigShape, loadConfig, portSchema, validatorKeysSchema } from '@nostro/platform';
import { DEFAULT_CURRENCIES, isCurrencyCode } from '@nostro/shared';
import { z } from 'zod';

const urlList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((u) => u.trim().replace(/\/+$/, ''))
      .filter((u) => u !== ''),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const schema = z
  .object({
    ...baseConfigShape,
    PORT: portSchema(3002),
    FX_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url 32-byte Ed25519 public key'),
    VALIDATOR_PUBLIC_KEYS: validatorKeysSchema,
    LEDGER_QUORUM: z.coerce.number().int().min(1).default(2),
    /** The validators' internal API, asked for finality records of overdue payments and by reconciliation. */
    LEDGER_URLS: urlList.default(['http://127.0.0.1:3010', 'http://127.0.0.1:3011', 'http://127.0.0.1:3012']),
    LEDGER_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
    CURRENCIES: z
      .string()
      .default(DEFAULT_CURRENCIES.join(','))
      .transform((value) => value.split(',').map((c) => c.trim()))
      .pipe(z.array(z.string().refine((c): boolean => isCurrencyCode(c), 'not an ISO 4217 code')).min(1)),
    /** How long the ledger may take to order a submitted payment before refusing it (notAfter). */
    PAYMENT_NOT_AFTER_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
    /** M of M-of-N: distinct operators who must approve a held payment. */
    HOLD_APPROVALS_REQUIRED: z.coerce.number().int().min(1).max(20).default(2),
    /** How long a held payment keeps its quote before it is rejected (`hold_expired`); fractions allowed. */
    HOLD_DEADLINE_MINUTES: z.coerce.number().positive().max(10_080).default(60),
    /** How long a creditor bank has to answer a recall (`respondBy`) before it expires; default 10 days. */
    RECALL_RESPOND_WITHIN_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(366 * 86_400_000)
      .default(10 * 86_400_000),
    /** How often the sweeper expires holds and resolves overdue payments. */
    SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** How long past notAfter a payment waits for its finality record before the sweeper asks the validators. */
    NOT_AFTER_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
    /** Least time between two re-publications of an overdue payment's ledger transaction. */
    RESUBMIT_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
    /** Payments RECEIVED for longer than this count as stuck (metric). */
    RECEIVED_STUCK_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
    /** How often the reconciliation job runs (0 = only on request). */
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
    /** Most payments one reconciliation run checks against the validators. */
    RECONCILE_BATCH_MAX: z.coerce.number().int().min(1).max(100_000).default(500),
  })
  .refine((c) => c.LEDGER_QUORUM <= c.VALIDATOR_PUBLIC_KEYS.length, { path: ['LEDGER_QUORUM'], message: 'quorum larger than the number of validators' });

export type SettlementConfig = z.infer<typeof schema>;

export function settlementConfig(env: NodeJS.ProcessEnv = process.env): SettlementConfig {
  return loadConfig(schema, env);
}

/** The hold deadline in whole milliseconds. */
export function holdDeadlineMs(config: SettlementConfig): number {
  return Math.round(config.HOLD_DEADLINE_MINUTES * 60_000);
}
