import fc from 'fast-check';
import { ListCursorCodec, isMicroTimestamp } from './list-cursor';

const codec = new ListCursorCodec('test network seed');
const uetr = '0b7d1c7e-52c7-4f3b-9c39-7d3a4f4a2b10';
const invalid = expect.objectContaining({ status: 400, code: 'validation_failed', errors: [expect.objectContaining({ path: 'query.cursor' })] });

describe('list cursors', () => {
  it('round-trips a keyset position with its microseconds', () => {
    const position = { at: '2026-11-22T10:11:12.123456Z', id: uetr };
    expect(codec.decodeTime('payments', codec.encodeTime('payments', position))).toEqual(position);
  });

  it('reads on another replica with the same network key, not with another key', () => {
    const cursor = codec.encodeTime('payments', { at: '2026-11-22T10:11:12.123456Z', id: uetr });
    expect(new ListCursorCodec('test network seed').decodeTime('payments', cursor).id).toBe(uetr);
    expect(() => new ListCursorCodec('another network seed').decodeTime('payments', cursor)).toThrow(invalid);
  });

  it('refuses a cursor issued for another list', () => {
    const cursor = codec.encodeTime('webhook-deliveries', { at: '2026-11-22T10:11:12.123456Z', id: uetr });
    expect(() => codec.decodeTime('payments', cursor)).toThrow(invalid);
  });

  it('refuses every forged payload, even one naming a time Postgres would refuse', () => {
    // The old, unauthenticated format: base64url JSON with a timestamp beyond year 9999.
    const old = Buffer.from(JSON.stringify(['10000-01-01T00:00:00.000Z', uetr])).toString('base64url');
    expect(() => codec.decodeTime('payments', old)).toThrow(invalid);
    const forged = `${Buffer.from(JSON.stringify(['+010000-01-01T00:00:00.000Z', uetr])).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`;
    expect(() => codec.decodeTime('payments', forged)).toThrow(invalid);
  });

  it('answers any string with a position or a 400, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 400 }), fc.base64String({ maxLength: 400 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,60}\.[A-Za-z0-9_-]{22}$/)),
        (cursor) => {
          try {
            codec.decodeTime('payments', cursor);
            return false; // no forged cursor may pass the tag check
          } catch (error) {
            expect(error).toEqual(invalid);
            return true;
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('issues only cursors it reads back, for any instant in years 0001–9999', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (date, micros) => {
          const at = `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
          expect(codec.decodeTime('ops-payments', codec.encodeTime('ops-payments', { at, id: uetr })).at).toBe(at);
        },
      ),
    );
  });

  it('checks serial positions against the BIGINT range', () => {
    expect(codec.decodeSerial('ops-audit', codec.encode('ops-audit', ['9223372036854775807']))).toBe('9223372036854775807');
    expect(() => codec.decodeSerial('ops-audit', codec.encode('ops-audit', ['9223372036854775808']))).toThrow(invalid);
    expect(() => codec.decodeSerial('ops-audit', codec.encode('ops-audit', ['0']))).toThrow(invalid);
  });
});

describe('isMicroTimestamp', () => {
  it.each([
    ['2026-02-28T23:59:59.999999Z', true],
    ['2024-02-29T00:00:00.000000Z', true],
    ['0001-01-01T00:00:00.000000Z', true],
    ['2026-02-29T00:00:00.000000Z', false],
    ['0000-01-01T00:00:00.000000Z', false],
    ['2026-13-01T00:00:00.000000Z', false],
    ['2026-01-01T24:00:00.000000Z', false],
    ['2026-01-01T00:00:00.000Z', false],
    ['2026-01-01T00:00:00.000000Z\u0000', false],
  ])('%j → %s', (value, expected) => {
    expect(isMicroTimestamp(value)).toBe(expected);
  });
});
