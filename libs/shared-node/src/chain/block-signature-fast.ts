/**
 * Block signatures for servers (validators, settlement): the rules of {@link verifyBlockSignature} and the
 * signatures of {@link signBlock} with node:crypto instead of @noble/curves. The portable strict verifier costs about 2.3 ms a signature here against
 * 0.08 ms, and every block is checked by each validator and by settlement, so at tens of blocks a second it was a
 * large share of the cluster's CPU. Both verifiers refuse the same keys and signatures (crypto/ed25519.spec.ts runs
 * them on the same edge-case vectors); browsers and the bank SDK keep the portable one.
 */
import { signBlock, verifyBlockSignature } from '@nostro/shared';
import { ed25519Sign, ed25519Verify } from '../crypto/ed25519';

export function verifyBlockSignatureFast(hashHex: string, sigBase64: string, publicKey: Uint8Array | string): boolean {
  return verifyBlockSignature(hashHex, sigBase64, publicKey, ed25519Verify);
}

/**
 * The signature {@link signBlock} makes (Ed25519 is deterministic: the same bytes), with node:crypto. @noble/curves
 * derives the public key from the seed again for every signature; a validator signs every block it cuts, and at
 * small blocks that was about 5 % of its busy time.
 */
export function signBlockFast(hashHex: string, seed: Uint8Array): string {
  return signBlock(hashHex, seed, ed25519Sign);
}
