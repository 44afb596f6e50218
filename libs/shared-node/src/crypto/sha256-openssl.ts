/**
 * SHA-256 through node:crypto (OpenSSL), as a {@link Sha256Engine} of @nostro/shared. This library's index installs
 * it when it loads, so the domain code in @nostro/shared (Merkle roots, state digests, `sha256Hex`) hashes with
 * OpenSSL in every Node process that imports @nostro/shared-node; browsers keep @noble/hashes.
 */
import { hash } from 'node:crypto';
import type { Sha256Engine } from '@nostro/shared';

/** One-shot `crypto.hash` (no Hash object per call); strings are hashed as UTF-8. */
export const opensslSha256: Sha256Engine = {
  name: 'openssl',
  bytes(data: Uint8Array | string): Uint8Array {
    const digest = hash('sha256', data, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  },
  hex: (data: Uint8Array | string): string => hash('sha256', data, 'hex'),
};
