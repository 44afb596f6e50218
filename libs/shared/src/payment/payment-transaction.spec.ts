import { DOMAIN_QUOTE } from './domain-quote.fixture';
import { buildPaymentPostings, buildTransferPostings, systemAccountSpecs } from './payment-transaction';

const quote = DOMAIN_QUOTE;

function sums(postings: { currency: string; amount: string }[]): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const p of postings) out[p.currency] = (out[p.currency] ?? 0n) + BigInt(p.amount);
  return out;
}

describe('buildPaymentPostings', () => {
  it('builds the DOMAIN.md example, balanced per currency', () => {
    const postings = buildPaymentPostings(quote);
    expect(postings).toEqual([
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-100250' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '100000' },
      { account: 'FEES:USD', currency: 'USD', amount: '250' },
      { account: 'FXDESK:EUR', currency: 'EUR', amount: '-91500' },
      { account: 'BANKDE55:EUR', currency: 'EUR', amount: '91500' },
    ]);
    expect(sums(postings)).toEqual({ USD: 0n, EUR: 0n });
  });

  it('leaves out a zero fee leg', () => {
    const postings = buildPaymentPostings({ ...quote, fees: [], totalDebit: '1000.00' });
    expect(postings.map((p) => p.account)).toEqual(['BANKUS33:USD', 'FXDESK:USD', 'FXDESK:EUR', 'BANKDE55:EUR']);
  });

  it('refuses a quote whose total does not add up', () => {
    expect(() => buildPaymentPostings({ ...quote, totalDebit: '1002.51' })).toThrow(RangeError);
  });
});

describe('transfers and system accounts', () => {
  it('moves deposits from EXTERNAL and withdrawals back to it', () => {
    expect(buildTransferPostings('deposit', 'BANKUS33', 'USD', 500n).map((p) => p.amount)).toEqual(['-500', '500']);
    expect(buildTransferPostings('withdrawal', 'BANKUS33', 'USD', 500n).map((p) => p.amount)).toEqual(['500', '-500']);
  });

  it('opens FXDESK, FEES and EXTERNAL in each currency, EXTERNAL unlimited', () => {
    const specs = systemAccountSpecs(['USD', 'JPY']);
    expect(specs).toHaveLength(6);
    expect(specs.find((s) => s.account === 'EXTERNAL:JPY')?.netDebitCap).toBeNull();
    expect(specs.find((s) => s.account === 'FXDESK:USD')?.netDebitCap).toBe('0');
  });
});
