import { createHash, randomBytes } from 'node:crypto';
import type { Condition } from './types';

/** Bytes of the secret {@link newCondition} draws: 32, as much as the SHA-256 it hides behind. */
export const PREIMAGE_BYTES = 32;

/** A conditional payment's secret and the hash-lock to pay with (API.md "Conditional payments"). */
export interface NewCondition {
  /** The secret, base64url without padding: whoever holds it can release the escrow (`fulfil`). Keep it until then. */
  preimage: string;
  /** What `createPayment` takes: the secret's SHA-256 (lower-case hex) and the deadline. */
  condition: Condition;
}

/** The condition's hash of a preimage (base64url): SHA-256 of its bytes, lower-case hex. */
export function conditionHash(preimage: string): string {
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(preimage)) throw new TypeError('the preimage must be base64url without padding, at most 256 characters');
  return createHash('sha256').update(Buffer.from(preimage, 'base64url')).digest('hex');
}

/**
 * A fresh condition expiring at `expiresAt` (a Date or an RFC 3339 string): a random 32-byte preimage from the
 * operating system's CSPRNG, and its SHA-256. The gateway wants `expiresAt` in the future and at most 30 days ahead.
 */
export function newCondition(expiresAt: Date | string): NewCondition {
  const at = typeof expiresAt === 'string' ? new Date(expiresAt) : expiresAt;
  if (Number.isNaN(at.getTime())) throw new TypeError('expiresAt must be a valid instant (a Date or RFC 3339)');
  const preimage = randomBytes(PREIMAGE_BYTES).toString('base64url');
  return { preimage, condition: { type: 'sha256', hash: conditionHash(preimage), expiresAt: at.toISOString() } };
}
