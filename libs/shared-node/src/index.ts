/**
 * @nostro/shared-node: the Node.js fast paths of the domain, with node:crypto (OpenSSL): Ed25519 request signatures
 * (RFC 9421 signing and verification, `Content-Digest`), quote signatures, block signature checks and key handling.
 * They follow the same strict RFC 8032 rules as the portable @noble/curves code of @nostro/shared, and their specs
 * run both on the same edge-case vectors.
 *
 * It re-exports @nostro/shared, so Node programs (the apps, libs/platform, the bank SDK) import everything from here.
 * Loading it makes OpenSSL the SHA-256 engine of @nostro/shared (its Merkle roots and digests); browser code imports
 * @nostro/shared only.
 */
import { useSha256Engine } from '@nostro/shared';
import { opensslSha256 } from './crypto/sha256-openssl';

useSha256Engine(opensslSha256);

export * from '@nostro/shared';
export * from './crypto/sha256-openssl';
export * from './crypto/ed25519';
export * from './chain/block-signature-fast';
export * from './fx/quote-signature';
export * from './http-signature/content-digest';
export * from './http-signature/sign-request';
export * from './http-signature/verify-request';
