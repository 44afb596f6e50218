import { CorridorConfigError, CorridorEntry, CorridorTable, checkSendAmount } from './corridor';

const usdEur: CorridorEntry = {
  source: 'USD',
  target: 'EUR',
  spreadBps: 25,
  fixedFee: '2.50',
  percentFeeBps: 10,
  minAmount: '0.01',
  maxAmount: '1000000.00',
  enabled: true,
};

const table = (...corridors: CorridorEntry[]) => CorridorTable.fromFile({ corridors });
const refusal = (...corridors: unknown[]): string => {
  try {
    CorridorTable.fromFile({ corridors });
  } catch (error) {
    if (error instanceof CorridorConfigError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('CorridorTable', () => {
  it('finds an enabled corridor with its fees in source minor units', () => {
    const c = table(usdEur).available('USD', 'EUR');
    expect(c).toMatchObject({ spreadBps: 25, fixedFeeMinor: 250n, percentFeeBps: 10, minSendMinor: 1n, maxSendMinor: 100000000n });
  });

  it('treats unknown, reversed and disabled corridors as unavailable', () => {
    const t = table(usdEur, { ...usdEur, source: 'USD', target: 'JPY', enabled: false });
    expect(t.available('EUR', 'USD')).toBeUndefined();
    expect(t.available('USD', 'JPY')).toBeUndefined();
    expect(t.available('USD', 'GBP')).toBeUndefined();
    expect(t.all()).toHaveLength(2);
  });

  it('reads amounts with the source currency digits (JPY 0, BHD 3)', () => {
    const t = table(
      { ...usdEur, source: 'JPY', fixedFee: '300', minAmount: '1', maxAmount: '150000000' },
      { ...usdEur, source: 'BHD', fixedFee: '1.000', minAmount: '0.001', maxAmount: '376000.000' },
    );
    expect(t.available('JPY', 'EUR')?.fixedFeeMinor).toBe(300n);
    expect(t.available('BHD', 'EUR')?.minSendMinor).toBe(1n);
    expect(t.available('BHD', 'EUR')?.maxSendMinor).toBe(376000000n);
  });

  it('refuses a file it cannot use, naming the corridor and the field', () => {
    expect(refusal({ ...usdEur, fixedFee: '2.505' })).toBe('USD→EUR: fixedFee: USD allows 2 digits after the decimal point');
    expect(refusal({ ...usdEur, source: 'JPY', fixedFee: '300', minAmount: '0.5' })).toBe('JPY→EUR: minAmount: JPY allows 0 digits after the decimal point');
    expect(refusal({ ...usdEur, minAmount: '0' })).toBe('USD→EUR: minAmount must be at least one minor unit');
    expect(refusal({ ...usdEur, minAmount: '10', maxAmount: '5' })).toBe('USD→EUR: minAmount is above maxAmount');
    expect(refusal({ ...usdEur, target: 'USD' })).toBe('USD→USD: source and target must differ');
    expect(refusal({ ...usdEur, target: 'XAU' })).toBe('USD→XAU: not an ISO 4217 currency pair');
    expect(refusal(usdEur, usdEur)).toBe('USD→EUR: configured twice');
    expect(refusal({ ...usdEur, spreadBps: 2_001 })).toMatch(/^corridors\.0\.spreadBps: /);
    expect(refusal({ ...usdEur, surprise: 1 })).toMatch(/^corridors\.0: /);
    expect(refusal({ ...usdEur, fixedFee: 2.5 })).toMatch(/^corridors\.0\.fixedFee: /);
    expect(refusal()).toMatch(/^corridors: /);
  });
});

describe('checkSendAmount', () => {
  const c = table({ ...usdEur, minAmount: '1.00', maxAmount: '500.00' }).available('USD', 'EUR');
  it('accepts both bounds and refuses one minor unit beyond either', () => {
    if (!c) throw new Error('corridor missing');
    expect(checkSendAmount(c, 100n)).toBe('ok');
    expect(checkSendAmount(c, 50000n)).toBe('ok');
    expect(checkSendAmount(c, 99n)).toBe('below_minimum');
    expect(checkSendAmount(c, 50001n)).toBe('above_maximum');
  });
});
