import fc from 'fast-check';
import { canonicalJson, CanonicalJsonError } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 §3.2.2 sample', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const expectedOrder = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const members = expectedOrder.map((key) => `${JSON.stringify(key)}:${JSON.stringify(input[key as keyof typeof input])}`);
    expect(canonicalJson(input)).toBe(`{${members.join(',')}}`);
  });

  it('is independent of property insertion order and nests', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1}');
  });

  it('uses toJSON (dates become ISO strings)', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it.each([
    ['undefined', undefined, ''],
    ['an undefined member', { a: 1, b: undefined }, '/b'],
    ['an undefined array item', [1, undefined], '/1'],
    ['NaN', { n: Number.NaN }, '/n'],
    ['Infinity', [Number.POSITIVE_INFINITY], '/0'],
    ['a bigint', { amount: 10n }, '/amount'],
    ['a function', { f: () => 1 }, '/f'],
    ['a symbol', { s: Symbol('x') }, '/s'],
    ['a Map', { m: new Map([['a', 1]]) }, '/m'],
    ['a class instance', { c: new (class Thing {})() }, '/c'],
    ['a lone high surrogate', { s: 'a\ud800' }, '/s'],
    ['a lone low surrogate key', { '\udc00': 1 }, '/\udc00'],
  ])('refuses %s, naming where', (_why, value, path) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(value);
    } catch (error) {
      expect((error as CanonicalJsonError).path).toBe(path);
    }
  });

  it('tells the caller what to do with bigints', () => {
    expect(() => canonicalJson({ amount: 1n })).toThrow(/convert it to a decimal string/);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(CanonicalJsonError);
  });

  it('round-trips any JSON value to an equal value and is idempotent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        const reparsed = JSON.parse(text) as unknown;
        expect(canonicalJson(reparsed)).toBe(text);
        expect(reparsed).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
