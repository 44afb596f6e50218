import { SignedQuote } from '../messages/schemas';

/**
 * DOMAIN.md's example payment as a quote: 1,000.00 USD → 915.00 EUR at 0.9150 with a 2.50 USD fee, from BANKUS33 to
 * BANKDE55 (signature not checked). For specs only; not exported by the library.
 */
export const DOMAIN_QUOTE: SignedQuote = {
  id: 'q',
  participant: 'BANKUS33',
  creditorParticipant: 'BANKDE55',
  sourceCurrency: 'USD',
  targetCurrency: 'EUR',
  midRate: '0.915',
  rate: '0.915',
  markupBps: '0.00',
  sendAmount: '1000.00',
  receiveAmount: '915.00',
  fees: [{ type: 'fixed', amount: '2.50', currency: 'USD' }],
  totalDebit: '1002.50',
  createdAt: '2026-11-21T00:00:00.000Z',
  expiresAt: '2026-11-21T00:00:30.000Z',
  signature: 'x',
};
