import { baseConfigShape, booleanString, loadConfig, portSchema, readKeyFile, validatorKeysSchema } from '@nostro/platform';
import { z } from 'zod';

const schema = z
  .object({
    ...baseConfigShape,
    PORT: portSchema(3010),
    VALIDATOR_ID: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/)
      .default('v0'),
    VALIDATOR_SIGNING_KEY_FILE: z.string().min(1),
    VALIDATOR_PUBLIC_KEYS: validatorKeysSchema,
    LEDGER_QUORUM: z.coerce.number().int().min(1).default(2),
    NETWORK_ID: z.string().min(1).default('nostro-local'),
    BLOCK_MAX_TX: z.coerce.number().int().min(1).max(20_000).default(1_000),
    /** How long the open block waits before a cut is proposed on a quiet network (the least wait). */
    BLOCK_TIMEOUT_MS: z.coerce.number().int().min(5).max(60_000).default(50),
    /**
     * The most it waits on a busy one: the wait is BLOCK_TIMEOUT_MS plus BLOCK_WAIT_PER_TX_MS for each transaction
     * the previous block held (docs/ledger.md, "Blocks: cutting, validation, application"). Default: 300, or
     * BLOCK_TIMEOUT_MS if that is longer.
     */
    BLOCK_TIMEOUT_MAX_MS: z.coerce.number().int().min(5).max(60_000).optional(),
    /** Per-participant finality notices on `ledger.notices.<participant>` (docs/ledger.md, "Finality notices"). */
    LEDGER_NOTICES: booleanString.default(true),
    LEDGER_NOTICE_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).default(1),
    /** `retention.ms` of the notice topics this validator creates; -1 keeps them forever. Default 7 days. */
    LEDGER_NOTICE_RETENTION_MS: z.coerce
      .number()
      .int()
      .refine((ms) => ms === -1 || ms >= 60_000, '-1 or at least 60000')
      .default(604_800_000),
  })
  .refine((c) => c.BLOCK_TIMEOUT_MAX_MS === undefined || c.BLOCK_TIMEOUT_MAX_MS >= c.BLOCK_TIMEOUT_MS, {
    path: ['BLOCK_TIMEOUT_MAX_MS'],
    message: 'shorter than BLOCK_TIMEOUT_MS',
  })
  .refine((c) => c.LEDGER_QUORUM <= c.VALIDATOR_PUBLIC_KEYS.length, {
    path: ['LEDGER_QUORUM'],
    message: 'quorum larger than the number of validators',
  })
  .refine((c) => c.VALIDATOR_PUBLIC_KEYS.some((v) => v.id === c.VALIDATOR_ID), {
    path: ['VALIDATOR_ID'],
    message: 'this validator is not listed in VALIDATOR_PUBLIC_KEYS',
  });

/** BLOCK_TIMEOUT_MAX_MS when it is not set. */
export const DEFAULT_BLOCK_TIMEOUT_MAX_MS = 300;

export type LedgerConfig = Omit<z.infer<typeof schema>, 'BLOCK_TIMEOUT_MAX_MS'> & { BLOCK_TIMEOUT_MAX_MS: number; signingSeed: string };

export function ledgerConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const config = loadConfig(schema, env);
  return {
    ...config,
    BLOCK_TIMEOUT_MAX_MS: config.BLOCK_TIMEOUT_MAX_MS ?? Math.max(DEFAULT_BLOCK_TIMEOUT_MAX_MS, config.BLOCK_TIMEOUT_MS),
    signingSeed: readKeyFile(config.VALIDATOR_SIGNING_KEY_FILE, 'VALIDATOR_SIGNING_KEY_FILE'),
  };
}
