import { hasHeader, headerValue, withoutHeader } from './header-fields';

describe('header fields', () => {
  it('finds a field whatever the case of its name', () => {
    expect(headerValue({ 'Idempotency-Key': 'k1' }, 'idempotency-key')).toBe('k1');
    expect(headerValue({ 'idempotency-key': 'k1' }, 'IDEMPOTENCY-KEY')).toBe('k1');
    expect(hasHeader({ 'CONTENT-DIGEST': '' }, 'content-digest')).toBe(true);
  });

  it('is undefined for an absent or undefined field', () => {
    expect(headerValue({ accept: 'x' }, 'signature')).toBeUndefined();
    expect(headerValue({ signature: undefined }, 'signature')).toBeUndefined();
    expect(hasHeader({}, 'signature')).toBe(false);
  });

  it('trims each line and joins several lines with ", " (RFC 9421 §2.1)', () => {
    expect(headerValue({ 'x-list': ['  a ', 'b  '] }, 'x-list')).toBe('a, b');
    expect(headerValue({ 'X-List': ' a', 'x-list': 'b ' }, 'x-list')).toBe('a, b');
  });

  it('turns numeric values into text', () => {
    expect(headerValue({ 'content-length': 12 }, 'content-length')).toBe('12');
  });

  it('removes a field in any case', () => {
    expect(withoutHeader({ 'Content-Digest': 'a', 'content-digest': 'b', accept: 'c' }, 'content-digest')).toEqual({ accept: 'c' });
  });
});
