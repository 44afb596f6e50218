/**
 * Strict base64 (RFC 4648 §4, padded) and base64url (RFC 4648 §5, unpadded) codecs.
 *
 * Pure TypeScript, no `Buffer`, so the finality verifier that uses them bundles for the browser.
 * "Strict" means exactly one encoding is accepted for any byte string: the wrong alphabet, wrong or
 * missing padding, whitespace, or non-zero unused trailing bits are refused rather than skipped.
 */

const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const STANDARD_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_PATTERN = /^[A-Za-z0-9_-]*$/;

/** Thrown when a string is not the one canonical encoding of some byte string. */
export class InvalidBase64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBase64Error';
  }
}

function reverseTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

const STANDARD_REVERSE = reverseTable(STANDARD_ALPHABET);
const URL_REVERSE = reverseTable(URL_ALPHABET);

function encodeWith(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + (pad ? '=' : '');
  }
  return out;
}

/** Decodes unpadded characters already known to be in `table`'s alphabet; refuses non-zero unused bits. */
function decodeWith(chars: string, table: Int16Array): Uint8Array {
  if (chars.length % 4 === 1) throw new InvalidBase64Error('base64 length is impossible (one dangling character)');
  const out = new Uint8Array(Math.floor((chars.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < chars.length; i++) {
    acc = ((acc << 6) | table[chars.charCodeAt(i)]) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new InvalidBase64Error('base64 has non-zero unused trailing bits');
  return out;
}

/** Standard base64 with `=` padding. */
export function base64Encode(bytes: Uint8Array): string {
  return encodeWith(bytes, STANDARD_ALPHABET, true);
}

/** Decodes standard, padded base64; refuses anything that {@link base64Encode} would not produce. */
export function base64Decode(text: string): Uint8Array {
  if (!STANDARD_PATTERN.test(text)) throw new InvalidBase64Error('not padded standard base64');
  return decodeWith(text.replace(/=+$/, ''), STANDARD_REVERSE);
}

/** base64url without padding (the encoding of every public key and seed in this system). */
export function base64UrlEncode(bytes: Uint8Array): string {
  return encodeWith(bytes, URL_ALPHABET, false);
}

/** Decodes unpadded base64url; refuses padding, `+`, `/`, whitespace and non-canonical trailing bits. */
export function base64UrlDecode(text: string): Uint8Array {
  if (!URL_PATTERN.test(text)) throw new InvalidBase64Error('not unpadded base64url');
  return decodeWith(text, URL_REVERSE);
}
