/**
 * Verifies an incoming request's RFC 9421 signature per API.md "Authentication of banks", with
 * node:crypto (hot path). Each refusal has its own code; the HTTP layer maps them to 401 problems.
 * Nonce replay (`signature_replayed`) is left to the caller, which owns the shared store: the verified
 * nonce is returned for it to record.
 */
import { hasHeader, headerValue, parseSignatureFields, signatureBaseForInput, type HeaderFields, type ParsedSignature } from '@nostro/shared';
import type { Parameters } from 'structured-headers';
import { ed25519Verify } from '../crypto/ed25519';
import { verifyContentDigest } from './content-digest';
import { hasBody, requiredComponents } from './sign-request';

export type RequestSignatureFailure = 'signature_missing' | 'key_unknown' | 'digest_mismatch' | 'signature_expired' | 'signature_invalid';

export interface VerifyRequestInput {
  method: string;
  /** Rebuilt by the caller from its public base URL plus the request's path and query. */
  targetUri: string;
  headers: HeaderFields;
  /** The body bytes exactly as received (before any JSON parsing). */
  rawBody?: Uint8Array | string;
}

/** A public key as raw 32 bytes or base64url; undefined when the key id is unknown. */
export type PublicKeyLookup = (keyId: string) => Uint8Array | string | undefined | Promise<Uint8Array | string | undefined>;

export interface VerifyRequestOptions {
  /** Errors thrown here propagate (an unavailable key store is not the client's fault). */
  lookupKey: PublicKeyLookup;
  /** Defaults to the current time. */
  nowSeconds?: number;
  maxSkewSeconds?: number;
}

export type VerifyRequestResult = { ok: true; keyId: string; created: number; nonce?: string } | { ok: false; code: RequestSignatureFailure; detail: string };

interface SignatureClaims {
  keyId: string;
  created: number;
  expires?: number;
  nonce?: string;
}

const DEFAULT_MAX_SKEW_SECONDS = 300;

class Refusal extends Error {
  constructor(
    readonly code: RequestSignatureFailure,
    detail: string,
  ) {
    super(detail);
  }
}

function integerParam(params: Parameters, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Refusal('signature_invalid', `${name} must be an integer`);
  return value;
}

function stringParam(params: Parameters, name: string): string | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Refusal('signature_invalid', `${name} must be a string`);
  return value;
}

function claimsOf(params: Parameters): SignatureClaims {
  const alg = stringParam(params, 'alg');
  if (alg !== undefined && alg !== 'ed25519') throw new Refusal('signature_invalid', `alg ${alg} is not supported`);
  const keyId = stringParam(params, 'keyid');
  if (keyId === undefined) throw new Refusal('signature_invalid', 'keyid is missing');
  const created = integerParam(params, 'created');
  if (created === undefined) throw new Refusal('signature_invalid', 'created is missing');
  return { keyId, created, expires: integerParam(params, 'expires'), nonce: stringParam(params, 'nonce') };
}

function parseSignature(headers: HeaderFields): ParsedSignature {
  const signatureInput = headerValue(headers, 'signature-input');
  const signature = headerValue(headers, 'signature');
  if (signatureInput === undefined || signature === undefined) {
    throw new Refusal('signature_missing', 'Signature-Input and Signature are required');
  }
  try {
    return parseSignatureFields(signatureInput, signature);
  } catch (error) {
    throw new Refusal('signature_invalid', (error as Error).message);
  }
}

function checkCoverage(parsed: ParsedSignature, input: VerifyRequestInput): void {
  const required = requiredComponents(hasBody(input.rawBody), hasHeader(input.headers, 'idempotency-key'));
  const missing = required.filter((name) => !parsed.components.includes(name));
  if (missing.length > 0) throw new Refusal('signature_invalid', `signature must cover ${missing.join(', ')}`);
}

function checkFreshness(claims: SignatureClaims, nowSeconds: number, maxSkewSeconds: number): void {
  if (Math.abs(nowSeconds - claims.created) > maxSkewSeconds) {
    throw new Refusal('signature_expired', `created ${claims.created} is more than ${maxSkewSeconds} s from now`);
  }
  if (claims.expires !== undefined && nowSeconds > claims.expires) {
    throw new Refusal('signature_expired', `signature expired at ${claims.expires}`);
  }
}

function checkDigest(input: VerifyRequestInput): void {
  const header = headerValue(input.headers, 'content-digest');
  if (header === undefined) return; // a body without it is refused by checkCoverage
  if (!verifyContentDigest(header, input.rawBody ?? '')) {
    throw new Refusal('digest_mismatch', 'Content-Digest does not match the body');
  }
}

function checkSignature(parsed: ParsedSignature, input: VerifyRequestInput, publicKey: Uint8Array | string): void {
  let base: string;
  try {
    base = signatureBaseForInput(parsed.input, input);
  } catch (error) {
    throw new Refusal('signature_invalid', (error as Error).message);
  }
  if (!ed25519Verify(parsed.signature, new TextEncoder().encode(base), publicKey)) {
    throw new Refusal('signature_invalid', 'signature does not verify');
  }
}

async function verifyOrRefuse(input: VerifyRequestInput, options: VerifyRequestOptions): Promise<VerifyRequestResult> {
  const parsed = parseSignature(input.headers);
  const claims = claimsOf(parsed.params);
  checkCoverage(parsed, input);
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  checkFreshness(claims, nowSeconds, options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS);
  const publicKey = await options.lookupKey(claims.keyId);
  if (publicKey === undefined) throw new Refusal('key_unknown', `unknown keyid ${claims.keyId}`);
  checkDigest(input);
  checkSignature(parsed, input, publicKey);
  const { keyId, created, nonce } = claims;
  return nonce === undefined ? { ok: true, keyId, created } : { ok: true, keyId, created, nonce };
}

/**
 * Checks, in order: presence (`signature_missing`), syntax, `alg`, `keyid`, `created` and covered
 * components (`signature_invalid`), clock skew and `expires` (`signature_expired`), the key
 * (`key_unknown`), `Content-Digest` against the raw body (`digest_mismatch`), and the Ed25519
 * signature over the rebuilt signature base (`signature_invalid`).
 */
export async function verifyRequest(input: VerifyRequestInput, options: VerifyRequestOptions): Promise<VerifyRequestResult> {
  try {
    return await verifyOrRefuse(input, options);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, code: error.code, detail: error.message };
    throw error;
  }
}
