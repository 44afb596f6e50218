/**
 * Finality proofs and block signatures checked in the browser, with the same verifier the bank SDK uses
 * (@nostro/shared, portable: @noble/curves + @noble/hashes; no server is trusted for the verdict). The validators'
 * public keys and the quorum come from the network's public `GET /v1/keys`.
 */
import { FinalityVerdict, asCurrency, blockHash, formatAmount, isCurrencyCode, verifyBlockSignature, verifyFinalityProof } from '@nostro/shared';
import { networkKeys } from './api';

export type Keys = Awaited<ReturnType<typeof networkKeys>>;

let keys: Promise<Keys> | null = null;

export function trustedKeys(): Promise<Keys> {
  keys ??= networkKeys().catch((error: unknown) => {
    keys = null;
    throw error;
  });
  return keys;
}

export interface ProofCheck {
  verdict: FinalityVerdict;
  /** Validators whose signature over the block hash verified, in the proof's order. */
  signers: string[];
  quorum: number;
  validators: number;
}

export async function checkProof(proof: unknown): Promise<ProofCheck> {
  const k = await trustedKeys();
  const verdict = verifyFinalityProof(proof, { validators: k.validators, quorum: k.quorum });
  const p = proof as { block?: { hash?: string }; signatures?: { validator: string; signature: string }[] };
  const signers = (p.signatures ?? []).filter((s) => {
    const key = k.validators.find((v) => v.id === s.validator);
    return key !== undefined && typeof p.block?.hash === 'string' && safe(() => verifyBlockSignature(p.block?.hash as string, s.signature, key.publicKey));
  });
  return { verdict, signers: [...new Set(signers.map((s) => s.validator))], quorum: k.quorum, validators: k.validators.length };
}

export interface HeaderFields {
  height: number;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
  txCount: number;
  timestamp: number;
  hash: string;
}

/** Recomputes the header hash (RFC 8785 canonical JSON, SHA-256) and checks one signature over it. */
export async function checkBlock<S extends { validator: string; hash: string; signature: string }>(header: HeaderFields, signatures: S[]) {
  const k = await trustedKeys();
  const hashOk = safe(() => blockHash(header) === header.hash);
  return {
    hashOk,
    quorum: k.quorum,
    signatures: signatures.map((s) => {
      const key = k.validators.find((v) => v.id === s.validator);
      const valid = key !== undefined && s.hash === header.hash && safe(() => verifyBlockSignature(header.hash, s.signature, key.publicKey));
      return { ...s, trusted: key !== undefined, valid };
    }),
  };
}

/** Minor units (a string) in major units with the currency's digits; never through a float. */
export function major(minor: string, currency: string): string {
  return isCurrencyCode(currency) ? formatAmount(BigInt(minor), asCurrency(currency)) : minor;
}

function safe(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}
