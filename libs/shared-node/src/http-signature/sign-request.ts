/**
 * Signs an outgoing request per API.md "Authentication of banks": RFC 9421 with Ed25519 (node:crypto),
 * label `sig1`, covering `@method`, `@target-uri`, `content-digest` when there is a body and
 * `idempotency-key` when that header is sent; parameters `created`, `keyid`, `alg="ed25519"` and an
 * optional `nonce`.
 */
import {
  PREFERRED_LABEL,
  hasHeader,
  serializeSignatureFields,
  signatureBaseForInput,
  signatureInputList,
  withoutHeader,
  type HeaderFields,
} from '@nostro/shared';
import { ed25519Sign } from '../crypto/ed25519';
import { contentDigest } from './content-digest';

export interface SignRequestInput {
  method: string;
  /** The absolute target URI exactly as it will be sent (what the server rebuilds as `@target-uri`). */
  url: string;
  /** The request's other headers; only `idempotency-key` (any case) matters here. */
  headers?: HeaderFields;
  /** The exact body bytes (a string is sent and hashed as UTF-8). Empty or absent means no body. */
  body?: Uint8Array | string;
  keyId: string;
  seed: Uint8Array;
  /** Unix seconds; defaults to now. */
  created?: number;
  /** Makes the signature single-use when the server tracks nonces. */
  nonce?: string;
}

/** Header fields to add to the request. */
export interface SignatureHeaders {
  'Content-Digest'?: string;
  'Signature-Input': string;
  Signature: string;
}

/** Fetch upper-cases these method names before sending (Fetch standard, "normalize a method"). */
const FETCH_NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return FETCH_NORMALIZED_METHODS.has(upper) ? upper : method;
}

/** True when a body is present and non-empty (an empty body needs no `Content-Digest`). */
export function hasBody(body: Uint8Array | string | undefined): body is Uint8Array | string {
  return body !== undefined && body.length > 0;
}

/** The covered components our profile requires for a request with these properties, in signing order. */
export function requiredComponents(withBody: boolean, withIdempotencyKey: boolean): string[] {
  const components = ['@method', '@target-uri'];
  if (withBody) components.push('content-digest');
  if (withIdempotencyKey) components.push('idempotency-key');
  return components;
}

/** Computes `Content-Digest` (when there is a body), `Signature-Input` and `Signature` for a request. */
export function signRequest(input: SignRequestInput): SignatureHeaders {
  const digest = hasBody(input.body) ? contentDigest(input.body) : undefined;
  const withBody = digest !== undefined;
  const headers: HeaderFields = { ...withoutHeader(input.headers ?? {}, 'content-digest'), 'content-digest': digest };
  const components = requiredComponents(withBody, hasHeader(headers, 'idempotency-key'));
  const created = input.created ?? Math.floor(Date.now() / 1000);
  const list = signatureInputList(components, { created, keyid: input.keyId, alg: 'ed25519', nonce: input.nonce });
  const request = { method: normalizeMethod(input.method), targetUri: input.url, headers };
  const signature = ed25519Sign(new TextEncoder().encode(signatureBaseForInput(list, request)), input.seed);
  const fields = serializeSignatureFields(PREFERRED_LABEL, list, signature);
  const out: SignatureHeaders = { 'Signature-Input': fields.signatureInput, Signature: fields.signature };
  if (digest !== undefined) out['Content-Digest'] = digest;
  return out;
}
