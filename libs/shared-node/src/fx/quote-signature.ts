import {
  QUOTE_SIGNATURE_GROUP_MAX,
  QuoteBatchProof,
  SignedQuote,
  base64UrlDecode,
  base64UrlEncode,
  canonicalJson,
  inclusionProofsFast,
  rootFromPathFast,
} from '@nostro/shared';
import { ed25519Sign, ed25519Verify } from '../crypto/ed25519';

export type UnsignedQuote = Omit<SignedQuote, 'signature' | 'batch'>;

const utf8 = new TextEncoder();

/** Domain of a batch signature: its signed bytes can never be a quote's canonical JSON (which starts with `{`). */
export const QUOTE_BATCH_DOMAIN = 'nostro.quote-batch.v1';

/** The RFC 8785 canonical JSON of every quote field but the signature and its batch proof: one quote's signed text. */
function quoteText(quote: UnsignedQuote | SignedQuote): string {
  const { signature: _signature, batch: _batch, ...fields } = quote as SignedQuote;
  return canonicalJson(fields);
}

/** What a batch signature covers: the domain, the number of quotes and the Merkle root of their texts. */
function batchSigningInput(size: number, root: string): Uint8Array {
  return utf8.encode(`${QUOTE_BATCH_DOMAIN}\n${size}\n${root}`);
}

/** fx-quote's Ed25519 signature (node:crypto, hot path) over the JCS form of every quote field, base64url. */
export function signQuote(quote: UnsignedQuote, seed: Uint8Array): SignedQuote {
  const signature = base64UrlEncode(ed25519Sign(utf8.encode(quoteText(quote)), seed));
  return { ...quote, signature };
}

/**
 * Signs quotes issued together, up to {@link QUOTE_SIGNATURE_GROUP_MAX} under one Ed25519 signature over the RFC 6962
 * Merkle root of their texts (leaf i is quote i's canonical JSON), each quote carrying that signature and its audit
 * path (`batch`). A quote alone (also the last of a batch, when one is left over) is signed as by {@link signQuote}. A
 * verifier checks each quote's path to its root, and the signature once per root. One signature over a whole batch of
 * 500 was measured first: its 9-hash paths cost as much CPU in bytes, copied through every service, database and
 * Kafka, as the signatures saved (docs/performance.md).
 */
export function signQuotes(quotes: readonly UnsignedQuote[], seed: Uint8Array): SignedQuote[] {
  const signed: SignedQuote[] = [];
  for (let start = 0; start < quotes.length; start += QUOTE_SIGNATURE_GROUP_MAX) {
    signed.push(...signGroup(quotes.slice(start, start + QUOTE_SIGNATURE_GROUP_MAX), seed));
  }
  return signed;
}

function signGroup(quotes: readonly UnsignedQuote[], seed: Uint8Array): SignedQuote[] {
  if (quotes.length === 1) return [signQuote(quotes[0], seed)];
  const { root, proofs } = inclusionProofsFast(quotes.map(quoteText));
  const signature = base64UrlEncode(ed25519Sign(batchSigningInput(quotes.length, root), seed));
  return quotes.map((q, i) => ({ ...q, signature, batch: { size: quotes.length, index: i, siblings: proofs[i].siblings } }));
}

/**
 * Batch signatures a process has verified (bounded, oldest forgotten first): the other quotes of a verified batch
 * then cost their audit path (a dozen SHA-256) instead of an Ed25519 verification.
 */
export class VerifiedQuoteBatches {
  private readonly roots = new Map<string, string>();

  constructor(private readonly max = 4_096) {}

  /** True when this signature by this key was verified over this root and size. */
  has(key: string, signature: string, size: number, root: string): boolean {
    return this.roots.get(`${key} ${signature}`) === `${size} ${root}`;
  }

  add(key: string, signature: string, size: number, root: string): void {
    if (this.roots.size >= this.max) this.roots.delete(this.roots.keys().next().value as string);
    this.roots.set(`${key} ${signature}`, `${size} ${root}`);
  }
}

/**
 * True only when the signature covers exactly these fields under the fx-quote public key: either this quote alone,
 * or (with `batch`) a root its audit path leads to. With `verified`, a batch signature verified before is not
 * verified again (strict RFC 8032 either way).
 */
export function verifyQuote(quote: SignedQuote, publicKey: string | Uint8Array, verified?: VerifiedQuoteBatches): boolean {
  let signature: Uint8Array;
  try {
    signature = base64UrlDecode(quote.signature);
  } catch {
    return false;
  }
  if (quote.batch === undefined) return ed25519Verify(signature, utf8.encode(quoteText(quote)), publicKey);
  const { size, index, siblings } = quote.batch as QuoteBatchProof;
  if (!Number.isSafeInteger(size) || size < 2) return false;
  const root = rootFromPathFast(quoteText(quote), index, size, siblings);
  if (root === null) return false;
  const key = typeof publicKey === 'string' ? publicKey : base64UrlEncode(publicKey);
  if (verified?.has(key, quote.signature, size, root)) return true;
  if (!ed25519Verify(signature, batchSigningInput(size, root), publicKey)) return false;
  verified?.add(key, quote.signature, size, root);
  return true;
}
