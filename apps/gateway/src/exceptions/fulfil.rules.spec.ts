import { createHash, randomBytes } from 'node:crypto';
import { FulfilTarget, fulfilRefusal } from './fulfil.rules';

const preimageBytes = randomBytes(32);
const preimage = preimageBytes.toString('base64url');
const hash = createHash('sha256').update(preimageBytes).digest('hex');
const now = Date.parse('2031-01-01T00:00:00Z');
const expiresAt = new Date(now + 3_600_000);
const reserved: FulfilTarget = { status: 'RESERVED', reason: null, condition_hash: hash, condition_expires_at: expiresAt };

describe('fulfilRefusal (API.md "Conditional payments": the gateway checks a fulfilment at once)', () => {
  it('lets the right preimage of a RESERVED payment before its deadline through', () => {
    expect(fulfilRefusal(reserved, preimage, now)).toBeNull();
    expect(fulfilRefusal(reserved, preimage, expiresAt.getTime() - 1)).toBeNull();
  });

  it('refuses a payment without a condition: payment_not_reserved, whatever its status and preimage', () => {
    for (const status of ['SETTLED', 'RESERVED', 'SUBMITTED']) {
      expect(fulfilRefusal({ status, reason: null, condition_hash: null, condition_expires_at: null }, preimage, now)).toBe('payment_not_reserved');
    }
  });

  it('refuses a preimage that does not hash to the condition: condition_not_met, before any other check', () => {
    expect(fulfilRefusal(reserved, randomBytes(32).toString('base64url'), now)).toBe('condition_not_met');
    // The hash itself is not the preimage.
    expect(fulfilRefusal(reserved, Buffer.from(hash, 'hex').toString('base64url'), now)).toBe('condition_not_met');
    expect(fulfilRefusal({ ...reserved, status: 'SETTLED' }, 'AAAA', expiresAt.getTime() + 1)).toBe('condition_not_met');
  });

  it('refuses an expired escrow: condition_expired, by settlement’s word or once the deadline passed while undecided', () => {
    expect(fulfilRefusal({ ...reserved, status: 'REJECTED', reason: 'condition_expired' }, preimage, now)).toBe('condition_expired');
    expect(fulfilRefusal(reserved, preimage, expiresAt.getTime())).toBe('condition_expired');
    expect(fulfilRefusal({ ...reserved, status: 'SUBMITTED' }, preimage, expiresAt.getTime() + 1)).toBe('condition_expired');
  });

  it('refuses a conditional payment that is not RESERVED: payment_not_reserved (not yet reserved, or already decided)', () => {
    for (const status of ['RECEIVED', 'HELD', 'SUBMITTED', 'QUEUED', 'SETTLED', 'RETURNED', 'CANCELLED']) {
      expect(fulfilRefusal({ ...reserved, status }, preimage, now)).toBe('payment_not_reserved');
    }
    expect(fulfilRefusal({ ...reserved, status: 'REJECTED', reason: 'insufficient_funds' }, preimage, now)).toBe('payment_not_reserved');
    // Settled before its deadline: after it, still not in escrow (never "expired").
    expect(fulfilRefusal({ ...reserved, status: 'SETTLED' }, preimage, expiresAt.getTime() + 1)).toBe('payment_not_reserved');
  });
});
