import { z } from 'zod';
import { CurrencyCode, asCurrency, isCurrencyCode } from '../money/currency';
import { AmountParseError, parseAmount } from '../money/money';

/**
 * A corridor: the price and limits of converting one source currency into one target currency.
 * Fees are charged on top, in the source currency; the amount limits bound the send amount (source currency).
 */
export interface Corridor {
  sourceCurrency: CurrencyCode;
  targetCurrency: CurrencyCode;
  /** Spread taken from the mid rate, in basis points. */
  spreadBps: number;
  /** Fixed fee, source minor units (exact). */
  fixedFeeMinor: bigint;
  /** Percentage fee in basis points of the send amount, rounded up to the source minor unit. */
  percentFeeBps: number;
  /** Smallest and largest send amount, source minor units, both inclusive. */
  minSendMinor: bigint;
  maxSendMinor: bigint;
  enabled: boolean;
}

/** Largest spread or percentage fee a corridor may carry: 20 %, far above any honest price. */
export const CORRIDOR_BPS_MAX = 2_000;
/** Bound on the size of a corridor file (13 currencies give 156 corridors). */
export const CORRIDORS_MAX = 10_000;

const decimalString = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'a decimal string in major units');
const bps = z.number().int().min(0).max(CORRIDOR_BPS_MAX);

/** One corridor as written in the configuration file (amounts in major units of the source currency). */
export const corridorEntrySchema = z.strictObject({
  source: z.string(),
  target: z.string(),
  spreadBps: bps,
  fixedFee: decimalString,
  percentFeeBps: bps,
  minAmount: decimalString,
  maxAmount: decimalString,
  enabled: z.boolean(),
});
export type CorridorEntry = z.infer<typeof corridorEntrySchema>;

export const corridorFileSchema = z.strictObject({
  description: z.string().max(2_000).optional(),
  corridors: z.array(corridorEntrySchema).min(1).max(CORRIDORS_MAX),
});
export type CorridorFile = z.infer<typeof corridorFileSchema>;

/** A corridor file that cannot be used; the message names the corridor and the field. */
export class CorridorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorridorConfigError';
  }
}

function amountOf(entry: CorridorEntry, field: 'fixedFee' | 'minAmount' | 'maxAmount', currency: CurrencyCode): bigint {
  try {
    return parseAmount(entry[field], currency);
  } catch (error) {
    if (error instanceof AmountParseError) throw new CorridorConfigError(`${entry.source}→${entry.target}: ${field}: ${error.message}`);
    throw error;
  }
}

function toCorridor(entry: CorridorEntry): Corridor {
  const name = `${entry.source}→${entry.target}`;
  if (!isCurrencyCode(entry.source) || !isCurrencyCode(entry.target)) throw new CorridorConfigError(`${name}: not an ISO 4217 currency pair`);
  if (entry.source === entry.target) throw new CorridorConfigError(`${name}: source and target must differ`);
  const source = asCurrency(entry.source);
  const corridor: Corridor = {
    sourceCurrency: source,
    targetCurrency: asCurrency(entry.target),
    spreadBps: entry.spreadBps,
    fixedFeeMinor: amountOf(entry, 'fixedFee', source),
    percentFeeBps: entry.percentFeeBps,
    minSendMinor: amountOf(entry, 'minAmount', source),
    maxSendMinor: amountOf(entry, 'maxAmount', source),
    enabled: entry.enabled,
  };
  if (corridor.minSendMinor < 1n) throw new CorridorConfigError(`${name}: minAmount must be at least one minor unit`);
  if (corridor.minSendMinor > corridor.maxSendMinor) throw new CorridorConfigError(`${name}: minAmount is above maxAmount`);
  return corridor;
}

const pairKey = (source: string, target: string): string => `${source}>${target}`;

/** Every configured corridor, looked up by pair. Immutable once built. */
export class CorridorTable {
  private readonly byPair: ReadonlyMap<string, Corridor>;

  private constructor(corridors: Corridor[]) {
    this.byPair = new Map(corridors.map((c) => [pairKey(c.sourceCurrency, c.targetCurrency), c]));
  }

  /** Validates a parsed corridor file: ISO currencies, amounts within each currency's digits, no duplicate pair. */
  static fromFile(json: unknown): CorridorTable {
    const parsed = corridorFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CorridorConfigError(`${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    const corridors = parsed.data.corridors.map(toCorridor);
    const seen = new Set<string>();
    for (const c of corridors) {
      const key = pairKey(c.sourceCurrency, c.targetCurrency);
      if (seen.has(key)) throw new CorridorConfigError(`${c.sourceCurrency}→${c.targetCurrency}: configured twice`);
      seen.add(key);
    }
    return new CorridorTable(corridors);
  }

  /** The corridor for this pair if it is configured and enabled, otherwise undefined (corridor_unavailable). */
  available(source: string, target: string): Corridor | undefined {
    const corridor = this.byPair.get(pairKey(source, target));
    return corridor?.enabled ? corridor : undefined;
  }

  all(): Corridor[] {
    return [...this.byPair.values()];
  }
}

export type SendAmountCheck = 'ok' | 'below_minimum' | 'above_maximum';

/** Whether a send amount (source minor units) lies within the corridor's inclusive bounds. */
export function checkSendAmount(corridor: Corridor, sendMinor: bigint): SendAmountCheck {
  if (sendMinor < corridor.minSendMinor) return 'below_minimum';
  if (sendMinor > corridor.maxSendMinor) return 'above_maximum';
  return 'ok';
}
