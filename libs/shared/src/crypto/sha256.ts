/**
 * SHA-256 through node:crypto (OpenSSL), for server-side hot paths.
 * Code that must also run in a browser (the finality verifier) uses @noble/hashes instead.
 */
import { createHash } from 'node:crypto';

/** SHA-256 of raw bytes, or of a string's UTF-8 encoding. */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  const digest = createHash('sha256').update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** Lowercase hex SHA-256 of raw bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
