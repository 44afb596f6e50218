import { generateEd25519KeyPair } from '../crypto/ed25519';
import { QUOTE_SIGNATURE_GROUP_MAX } from '@nostro/shared';
import { signQuote, signQuotes, verifyQuote, UnsignedQuote, VerifiedQuoteBatches } from './quote-signature';

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

  describe('signed together (one signature over the Merkle root of a batch)', () => {
    const batch = Array.from({ length: 7 }, (_, i) => ({ ...quote, id: `q_${i}`, sendAmount: `${1000 + i}.00` }));

    it('signs one quote alone as signQuote does, and many under one signature with each one’s audit path', () => {
      expect(signQuotes([quote], keys.seed)).toEqual([signQuote(quote, keys.seed)]);
      const signed = signQuotes(batch, keys.seed);
      expect(new Set(signed.map((q) => q.signature)).size).toBe(1);
      expect(signed.map((q) => [q.batch?.index, q.batch?.size])).toEqual(batch.map((_, i) => [i, 7]));
      for (const q of signed) expect(verifyQuote(q, keys.publicKey)).toBe(true);
    });

    it('signs a long batch in groups of at most QUOTE_SIGNATURE_GROUP_MAX, a quote left over alone', () => {
      const many = Array.from({ length: 2 * QUOTE_SIGNATURE_GROUP_MAX + 1 }, (_, i) => ({ ...quote, id: `q_many_${i}` }));
      const signed = signQuotes(many, keys.seed);
      expect(signed.map((q) => q.id)).toEqual(many.map((q) => q.id));
      expect(new Set(signed.map((q) => q.signature)).size).toBe(3);
      expect(signed.map((q) => q.batch?.size ?? 1)).toEqual([...Array(2 * QUOTE_SIGNATURE_GROUP_MAX).fill(QUOTE_SIGNATURE_GROUP_MAX), 1]);
      expect(signed[16]).toEqual(signQuote(many[16], keys.seed));
      expect(Math.max(...signed.map((q) => q.batch?.siblings.length ?? 0))).toBe(3);
      for (const q of signed) expect(verifyQuote(q, keys.publicKey)).toBe(true);
    });

    it('refuses a tampered field, another quote’s path or place, a forged size, a lone copy and another key', () => {
      const signed = signQuotes(batch, keys.seed);
      const [first, second] = signed;
      const proof = second.batch;
      if (proof === undefined) throw new Error('a batch quote without its proof');
      expect(verifyQuote({ ...second, receiveAmount: '916.00' }, keys.publicKey)).toBe(false);
      expect(verifyQuote({ ...second, batch: first.batch }, keys.publicKey)).toBe(false);
      expect(verifyQuote({ ...second, batch: { ...proof, index: 2 } }, keys.publicKey)).toBe(false);
      expect(verifyQuote({ ...second, batch: { ...proof, size: 8 } }, keys.publicKey)).toBe(false);
      expect(verifyQuote({ ...second, batch: { ...proof, siblings: proof.siblings.slice(1) } }, keys.publicKey)).toBe(false);
      const { batch: _proof, ...alone } = second;
      expect(verifyQuote(alone, keys.publicKey)).toBe(false);
      expect(verifyQuote(second, generateEd25519KeyPair().publicKey)).toBe(false);
      // A single quote's signature never stands for a batch, nor a batch's for a single quote.
      expect(verifyQuote({ ...signQuote(quote, keys.seed), batch: second.batch }, keys.publicKey)).toBe(false);
    });

    it('verifies a batch signature once per root when given a cache, and still refuses what does not lead to it', () => {
      class Counting extends VerifiedQuoteBatches {
        added = 0;
        override add(...args: Parameters<VerifiedQuoteBatches['add']>): void {
          this.added++;
          super.add(...args);
        }
      }
      const verified = new Counting();
      const signed = signQuotes(batch, keys.seed);
      for (const q of signed) expect(verifyQuote(q, keys.publicKey, verified)).toBe(true);
      expect(verified.added).toBe(1);
      expect(verifyQuote({ ...signed[3], totalDebit: '1.00' }, keys.publicKey, verified)).toBe(false);
      expect(verifyQuote({ ...signed[3], batch: signed[4].batch }, keys.publicKey, verified)).toBe(false);
      expect(verifyQuote(signed[3], generateEd25519KeyPair().publicKey, verified)).toBe(false);
      const other = signQuotes(
        batch.map((q) => ({ ...q, id: `${q.id}b` })),
        keys.seed,
      );
      expect(verifyQuote(other[0], keys.publicKey, verified)).toBe(true);
      expect(verified.added).toBe(2);
    });
  });
});
