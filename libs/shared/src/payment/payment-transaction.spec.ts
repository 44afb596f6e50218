import { DOMAIN_QUOTE } from './domain-quote.fixture';
import { conditionProblem } from '../ledger/escrow';
import { buildEscrowPostings, buildPaymentPostings, buildTransferPostings, systemAccountSpecs } from './payment-transaction';

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

describe('buildEscrowPostings', () => {
  it('reserves the debtor’s total and the desk’s receive amount into escrow, pays out the payment’s legs, refunds the originals', () => {
    const { reserve, fulfil, refund } = buildEscrowPostings(quote);
    expect(reserve).toEqual([
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-100250' },
      { account: 'ESCROW:USD', currency: 'USD', amount: '100250' },
      { account: 'FXDESK:EUR', currency: 'EUR', amount: '-91500' },
      { account: 'ESCROW:EUR', currency: 'EUR', amount: '91500' },
    ]);
    expect(fulfil).toEqual([
      { account: 'ESCROW:USD', currency: 'USD', amount: '-100250' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '100000' },
      { account: 'FEES:USD', currency: 'USD', amount: '250' },
      { account: 'ESCROW:EUR', currency: 'EUR', amount: '-91500' },
      { account: 'BANKDE55:EUR', currency: 'EUR', amount: '91500' },
    ]);
    expect(refund).toEqual(reserve.map((p) => ({ ...p, amount: String(-BigInt(p.amount)) })));
    for (const list of [reserve, fulfil, refund]) expect(sums(list)).toEqual({ USD: 0n, EUR: 0n });
    // What the ledger requires of a condition: both ways out empty each ESCROW account exactly.
    expect(conditionProblem({ kind: 'transfer', id: 'x', postings: reserve, condition: { hash: 'a'.repeat(64), expiresAt: 1, fulfil, refund } })).toBeNull();
  });

  it('nets a same-currency payment on one escrow account', () => {
    const same = { ...quote, targetCurrency: 'USD', receiveAmount: '1000.00', creditorParticipant: 'BANKUS44' };
    const { reserve, fulfil } = buildEscrowPostings(same);
    expect(reserve).toEqual([
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-100250' },
      { account: 'ESCROW:USD', currency: 'USD', amount: '200250' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '-100000' },
    ]);
    expect(sums(fulfil)).toEqual({ USD: 0n });
  });
});

describe('transfers and system accounts', () => {
  it('moves deposits from EXTERNAL and withdrawals back to it', () => {
    expect(buildTransferPostings('deposit', 'BANKUS33', 'USD', 500n).map((p) => p.amount)).toEqual(['-500', '500']);
    expect(buildTransferPostings('withdrawal', 'BANKUS33', 'USD', 500n).map((p) => p.amount)).toEqual(['500', '-500']);
  });

  it('opens FXDESK, FEES, ESCROW and EXTERNAL in each currency, EXTERNAL unlimited', () => {
    const specs = systemAccountSpecs(['USD', 'JPY']);
    expect(specs).toHaveLength(8);
    expect(specs.find((s) => s.account === 'ESCROW:JPY')?.netDebitCap).toBe('0');
    expect(specs.find((s) => s.account === 'EXTERNAL:JPY')?.netDebitCap).toBeNull();
    expect(specs.find((s) => s.account === 'FXDESK:USD')?.netDebitCap).toBe('0');
  });
});
