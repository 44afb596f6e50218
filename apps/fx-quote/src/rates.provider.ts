import { ConfigError } from '@nostro/platform';
import { FxDecimal } from '@nostro/shared';
import fs from 'node:fs';
import { z } from 'zod';

/** Reference mid rates, target units per source unit. */
export interface RatesProvider {
  /** Mid rate as a decimal string, or null when either currency has no rate. */
  midRate(source: string, target: string): string | null;
  describe(): { source: string; date: string; static: boolean };
}

const ratesFileSchema = z.object({
  source: z.string(),
  date: z.string(),
  base: z.string(),
  static: z.boolean(),
  rates: z.record(z.string(), z.string().regex(/^[0-9]+(\.[0-9]+)?$/)),
});

/** Significant digits of a cross rate; rounded to nearest (half-even), the customer rate is then floored. */
const MID_RATE_DIGITS = 12;

/** Rates from a file shipped with the service (a dated snapshot of published reference rates). Cross rates via the base. */
export class StaticRatesProvider implements RatesProvider {
  private readonly file: z.infer<typeof ratesFileSchema>;

  constructor(path: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(`invalid configuration: FX_RATES_FILE: cannot read ${path} (${(error as Error).message})`);
    }
    const result = ratesFileSchema.safeParse(parsed);
    if (!result.success) throw new ConfigError(`invalid configuration: FX_RATES_FILE: ${result.error.issues[0]?.message}`);
    this.file = result.data;
  }

  midRate(source: string, target: string): string | null {
    const perBaseSource = this.file.rates[source];
    const perBaseTarget = this.file.rates[target];
    if (!perBaseSource || !perBaseTarget) return null;
    return new FxDecimal(perBaseTarget)
      .dividedBy(perBaseSource)
      .toSignificantDigits(MID_RATE_DIGITS, FxDecimal.ROUND_HALF_EVEN)
      .toFixed();
  }

  describe() {
    return { source: this.file.source, date: this.file.date, static: this.file.static };
  }
}
