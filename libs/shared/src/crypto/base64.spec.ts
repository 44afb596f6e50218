import fc from 'fast-check';
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode, InvalidBase64Error } from './base64';

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('base64 (RFC 4648 §4, padded)', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes the RFC 4648 §10 vector %j as %s and back', (plain, encoded) => {
    expect(base64Encode(utf8(plain))).toBe(encoded);
    expect(base64Decode(encoded)).toEqual(utf8(plain));
  });

  it('uses + and / for the high values', () => {
    expect(base64Encode(bytes(0xfb, 0xff, 0xbf))).toBe('+/+/');
  });

  it.each([
    ['missing padding', 'Zg'],
    ['short padding', 'Zg='],
    ['too much padding', 'Zm8=='],
    ['url alphabet', '-_-_'],
    ['whitespace', 'Zm9v Zm9v'],
    ['trailing newline', 'Zm9v\n'],
    ['padding inside', 'Zg==Zm9v'],
    ['non-zero unused bits', 'Zh=='],
    ['non-zero unused bits (one pad)', 'Zm9='],
    ['non-ASCII', 'Zm9vé==='],
  ])('refuses %s', (_why, text) => {
    expect(() => base64Decode(text)).toThrow(InvalidBase64Error);
  });

  it('round-trips arbitrary bytes, and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const encoded = base64Encode(data);
        expect(encoded).toBe(Buffer.from(data).toString('base64'));
        expect(base64Decode(encoded)).toEqual(data);
      }),
    );
  });
});

describe('base64url (RFC 4648 §5, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
  ])('encodes %j as %s and back', (plain, encoded) => {
    expect(base64UrlEncode(utf8(plain))).toBe(encoded);
    expect(base64UrlDecode(encoded)).toEqual(utf8(plain));
  });

  it('uses - and _ for the high values', () => {
    expect(base64UrlEncode(bytes(0xfb, 0xff, 0xbf))).toBe('-_-_');
    expect(base64UrlDecode('-_-_')).toEqual(bytes(0xfb, 0xff, 0xbf));
  });

  it.each([
    ['padding', 'Zg=='],
    ['a single pad', 'Zm8='],
    ['standard alphabet +', '+/+/'],
    ['standard alphabet /', 'ab/c'],
    ['whitespace', 'Zm9v Zg'],
    ['an impossible length', 'Zm9vY'],
    ['non-zero unused bits', 'Zh'],
    ['non-zero unused bits (3 chars)', 'Zm9'],
  ])('refuses %s', (_why, text) => {
    expect(() => base64UrlDecode(text)).toThrow(InvalidBase64Error);
  });

  it('round-trips arbitrary bytes, and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const encoded = base64UrlEncode(data);
        expect(encoded).toBe(Buffer.from(data).toString('base64url'));
        expect(base64UrlDecode(encoded)).toEqual(data);
      }),
    );
  });

  it('accepts exactly one spelling of every byte string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), (text) => {
        let decoded: Uint8Array;
        try {
          decoded = base64UrlDecode(text);
        } catch {
          return;
        }
        expect(base64UrlEncode(decoded)).toBe(text);
      }),
    );
  });
});
