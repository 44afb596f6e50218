import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEAL_INFO = 'nostro-ops-session-token-v1';
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new session secret: 256 random bits, base64url (what the cookie carries). */
export function newSessionSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export function isSessionSecret(value: string): boolean {
  return SECRET_PATTERN.test(value);
}

/** What the database keys a session by: the SHA-256 of its secret, so a database read yields no usable cookie. */
export function sessionIdHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function sealKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'base64url'), Buffer.alloc(0), SEAL_INFO, 32));
}

/**
 * Seals the operator token under a key derived (HKDF-SHA256) from the session secret: AES-256-GCM, random IV,
 * the session's id hash as associated data. Only a request carrying the cookie can open it again.
 */
export function sealToken(secret: string, token: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  cipher.setAAD(Buffer.from(sessionIdHash(secret), 'utf8'));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The token, or null when the sealed text was not made with this secret (or was altered). */
export function openToken(secret: string, sealed: string): string | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(sessionIdHash(secret), 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Constant-time string comparison (for origins and the like). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
