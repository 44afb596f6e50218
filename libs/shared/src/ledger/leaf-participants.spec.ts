import { SignedQuote } from '../messages/schemas';
import { buildPaymentPostings, buildTransferPostings, systemAccountSpecs } from '../payment/payment-transaction';
import { accountOwner, leafParticipants } from './leaf-participants';

const accepted = { status: 'accepted' } as const;

const quote = (over: Partial<SignedQuote> = {}): SignedQuote => ({
  id: 'q1',
  participant: 'BANKUS33',
  creditorParticipant: 'BANKDE55',
  sourceCurrency: 'USD',
  targetCurrency: 'EUR',
  midRate: '0.9',
  rate: '0.9',
  markupBps: '0',
  sendAmount: '1000.00',
  receiveAmount: '900.00',
  fees: [{ type: 'fixed', amount: '2.50', currency: 'USD' }],
  totalDebit: '1002.50',
  createdAt: '2025-01-01T00:00:00.000Z',
  expiresAt: '2025-01-01T00:00:30.000Z',
  signature: 'x',
  ...over,
});

describe('accountOwner', () => {
  it('is the part of the account id before the colon', () => {
    expect(accountOwner('BANKUS33:USD')).toBe('BANKUS33');
    expect(accountOwner('FXDESK:EUR')).toBe('FXDESK');
  });

  it('refuses an id without an owner', () => {
    expect(() => accountOwner('USD')).toThrow(RangeError);
    expect(() => accountOwner(':USD')).toThrow(RangeError);
  });
});

describe('leafParticipants', () => {
  it('names the debtor, the FX desk, the fee account and the creditor of a cross-currency payment', () => {
    const leaf = { kind: 'transfer' as const, postings: buildPaymentPostings(quote()), outcome: accepted };
    expect(leafParticipants(leaf)).toEqual(['BANKDE55', 'BANKUS33', 'FEES', 'FXDESK']);
  });

  it('leaves out a participant whose leg is zero (no fee: no FEES posting)', () => {
    const leaf = { kind: 'transfer' as const, postings: buildPaymentPostings(quote({ fees: [], totalDebit: '1000.00' })), outcome: accepted };
    expect(leafParticipants(leaf)).toEqual(['BANKDE55', 'BANKUS33', 'FXDESK']);
  });

  it('names each participant once, however many of its accounts a transfer moves', () => {
    const postings = [
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-5' },
      { account: 'BANKUS33:EUR', currency: 'EUR', amount: '-5' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '5' },
      { account: 'FXDESK:EUR', currency: 'EUR', amount: '5' },
    ];
    expect(leafParticipants({ kind: 'transfer', postings })).toEqual(['BANKUS33', 'FXDESK']);
  });

  it('names the participants of a rejected transfer too (the outcome is not an input)', () => {
    const postings = buildTransferPostings('withdrawal', 'BANKUS33', 'USD', 100n);
    expect(leafParticipants({ kind: 'transfer', postings })).toEqual(['BANKUS33', 'EXTERNAL']);
  });

  it('names the owners of the accounts a configuration entry opens, and the participant it suspends', () => {
    expect(leafParticipants({ kind: 'config', accounts: systemAccountSpecs(['USD', 'EUR']) })).toEqual(['ESCROW', 'EXTERNAL', 'FEES', 'FXDESK']);
    expect(leafParticipants({ kind: 'config', accounts: [], participant: 'BANKDE55' })).toEqual(['BANKDE55']);
    expect(leafParticipants({ kind: 'config', accounts: [{ account: 'BANKUS33:USD', netDebitCap: '0' }], participant: 'BANKUS33' })).toEqual(['BANKUS33']);
  });
});
