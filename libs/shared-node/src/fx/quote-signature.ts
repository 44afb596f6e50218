import { SignedQuote, base64UrlDecode, base64UrlEncode, canonicalJson } from '@nostro/shared';
import { ed25519Sign, ed25519Verify } from '../crypto/ed25519';

export type UnsignedQuote = Omit<SignedQuote, 'signature'>;

const utf8 = new TextEncoder();

function signingInput(quote: UnsignedQuote): Uint8Array {
  const { signature: _ignored, ...fields } = quote as SignedQuote;
  return utf8.encode(canonicalJson(fields));
}

/** fx-quote's Ed25519 signature (node:crypto, hot path) over the JCS form of every quote field, base64url. */
export function signQuote(quote: UnsignedQuote, seed: Uint8Array): SignedQuote {
  const signature = base64UrlEncode(ed25519Sign(signingInput(quote), seed));
  return { ...quote, signature };
}

/** True only when the signature covers exactly these fields under the fx-quote public key. */
export function verifyQuote(quote: SignedQuote, publicKey: string | Uint8Array): boolean {
  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(quote.signature);
  } catch {
    return false;
  }
  return ed25519Verify(signature, signingInput(quote), publicKey);
}
