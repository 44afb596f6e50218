import { ConfigError } from '@nostro/platform';
import { DEFAULT_CURRENCIES, asCurrency, formatAmount } from '@nostro/shared';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCorridors } from './corridor.config';
import { StaticRatesProvider } from './rates.provider';

const RATES_DIR = path.join(__dirname, '..', 'rates');

describe('the shipped corridor file', () => {
  const table = loadCorridors(path.join(RATES_DIR, 'corridors.json'));

  it('enables every ordered pair of the local currencies, from one minor unit to 1,000,000 of the source', () => {
    for (const source of DEFAULT_CURRENCIES) {
      for (const target of DEFAULT_CURRENCIES) {
        const corridor = table.available(source, target);
        if (source === target) {
          expect(corridor).toBeUndefined();
          continue;
        }
        expect(corridor).toBeDefined();
        if (!corridor) continue;
        expect(corridor.minSendMinor).toBe(1n);
        expect(formatAmount(corridor.maxSendMinor, asCurrency(source)).split('.')[0]).toBe('1000000');
        expect(corridor.spreadBps).toBe(25);
      }
    }
    expect(table.all()).toHaveLength(DEFAULT_CURRENCIES.length * (DEFAULT_CURRENCIES.length - 1));
  });

  it('charges the DOMAIN.md fixed fee on USD corridors', () => {
    expect(table.available('USD', 'EUR')).toMatchObject({ fixedFeeMinor: 250n, percentFeeBps: 0 });
    expect(table.available('JPY', 'USD')).toMatchObject({ fixedFeeMinor: 300n });
    expect(table.available('BHD', 'USD')).toMatchObject({ fixedFeeMinor: 1000n });
  });

  it('stops start-up with one line naming the file and the corridor when it is wrong', () => {
    const file = path.join(os.tmpdir(), `corridors-${process.pid}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        corridors: [{ source: 'USD', target: 'EUR', spreadBps: 25, fixedFee: '2.505', percentFeeBps: 0, minAmount: '0.01', maxAmount: '10.00', enabled: true }],
      }),
    );
    try {
      expect(() => loadCorridors(file)).toThrow(
        new ConfigError('invalid configuration: FX_CORRIDORS_FILE: USD→EUR: fixedFee: USD allows 2 digits after the decimal point'),
      );
      expect(() => loadCorridors(`${file}.missing`)).toThrow(/^invalid configuration: FX_CORRIDORS_FILE: cannot read /);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describe('the shipped reference rates', () => {
  it('price every local corridor, marked static, from the ECB snapshot of 2024-06-28', () => {
    const rates = new StaticRatesProvider(path.join(RATES_DIR, 'ecb-2024-06-28.json'));
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(rates.status(now)).toMatchObject({ provider: 'static', static: true, stale: false, base: 'EUR', asOf: '2024-06-28T00:00:00.000Z' });
    expect(rates.status(now).source).toMatch(/^European Central Bank/);
    for (const source of DEFAULT_CURRENCIES) for (const target of DEFAULT_CURRENCIES) expect(rates.midRate(source, target)).toMatch(/^[0-9]+(\.[0-9]+)?$/);
    expect(rates.midRate('EUR', 'USD')).toBe('1.0705');
    expect(rates.midRate('USD', 'BHD')).toBe('0.376');
  });
});
