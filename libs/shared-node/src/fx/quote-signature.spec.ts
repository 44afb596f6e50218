import { generateEd25519KeyPair } from '../crypto/ed25519';
import { signQuote, verifyQuote, UnsignedQuote } from './quote-signature';

const quote: UnsignedQuote = {
  id: 'q_1',
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
};

describe('quote signatures', () => {
  const keys = generateEd25519KeyPair();

  it('verifies an untouched quote and refuses any tampered field', () => {
    const signed = signQuote(quote, keys.seed);
    expect(verifyQuote(signed, keys.publicKey)).toBe(true);
    expect(verifyQuote({ ...signed, receiveAmount: '916.00' }, keys.publicKey)).toBe(false);
    expect(verifyQuote({ ...signed, expiresAt: '2026-11-21T01:00:30.000Z' }, keys.publicKey)).toBe(false);
    expect(verifyQuote({ ...signed, signature: 'AAAA' }, keys.publicKey)).toBe(false);
    expect(verifyQuote({ ...signed, signature: '***' }, keys.publicKey)).toBe(false);
  });

  it('refuses a quote signed by another key', () => {
    const other = generateEd25519KeyPair();
    expect(verifyQuote(signQuote(quote, other.seed), keys.publicKey)).toBe(false);
  });
});
