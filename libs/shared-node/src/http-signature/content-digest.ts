/**
 * `Content-Digest` (RFC 9530) with the `sha-256` algorithm, serialized as an RFC 8941 dictionary:
 * `sha-256=:<base64 of the SHA-256 of the body bytes>:`.
 */
import { timingSafeEqual } from 'node:crypto';
import { ByteSequence, isByteSequence, isInnerList, parseDictionary, serializeDictionary } from 'structured-headers';
import { base64Encode, decodeByteSequence } from '@nostro/shared';
import { opensslSha256 } from '../crypto/sha256-openssl';

const ALGORITHM = 'sha-256';

/** The `Content-Digest` field value of a body (a string body is hashed as UTF-8). */
export function contentDigest(body: Uint8Array | string): string {
  const digest = new ByteSequence(base64Encode(opensslSha256.bytes(body)));
  return serializeDictionary(new Map([[ALGORITHM, [digest, new Map()]]]));
}

function sha256Member(header: string): Uint8Array | undefined {
  const member = parseDictionary(header).get(ALGORITHM);
  if (member === undefined || isInnerList(member)) return undefined;
  const [value] = member;
  return isByteSequence(value) ? decodeByteSequence(value) : undefined;
}

/**
 * True when `header` carries a `sha-256` digest equal to the body's. Other algorithms in the same
 * dictionary are ignored; a header without `sha-256`, or one that does not parse, does not verify.
 */
export function verifyContentDigest(header: string, body: Uint8Array | string): boolean {
  let claimed: Uint8Array | undefined;
  try {
    claimed = sha256Member(header);
  } catch {
    return false;
  }
  const actual = opensslSha256.bytes(body);
  return claimed !== undefined && claimed.length === actual.length && timingSafeEqual(claimed, actual);
}
