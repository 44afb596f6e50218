import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config';
import { PiiCipher, PiiKeyError, keksFromEnv, parseKek } from './pii-cipher';

const kek = (id: string) => ({ id, key: randomBytes(32) });
const uetr = '0b6a8c2e-7f3a-4a55-9d6e-3c1f2b8a9e01';

describe('PiiCipher', () => {
  it('seals and opens a value with a data key that only opens for its record', () => {
    const cipher = new PiiCipher(kek('k1'));
    const dk = cipher.newDataKey(uetr);
    const sealed = PiiCipher.seal(dk.key, Buffer.from('{"name":"Ana Lima"}'), uetr);
    expect(sealed.includes(Buffer.from('Ana Lima'))).toBe(false);
    expect(dk.kekId).toBe('k1');
    const key = cipher.unwrap(dk.wrapped, dk.kekId, uetr);
    expect(PiiCipher.open(key, sealed, uetr).toString()).toBe('{"name":"Ana Lima"}');
    // Moved onto another record: neither the data key nor the value authenticates.
    expect(() => cipher.unwrap(dk.wrapped, 'k1', 'another-record')).toThrow(PiiKeyError);
    expect(() => PiiCipher.open(key, sealed, 'another-record')).toThrow(PiiKeyError);
  });

  it('refuses an altered value, a wrong key and an unknown KEK id', () => {
    const cipher = new PiiCipher(kek('k1'));
    const dk = cipher.newDataKey(uetr);
    const sealed = PiiCipher.seal(dk.key, Buffer.from('x'), uetr);
    const flipped = Buffer.from(sealed);
    flipped[14] ^= 1;
    expect(() => PiiCipher.open(dk.key, flipped, uetr)).toThrow(PiiKeyError);
    expect(() => PiiCipher.open(randomBytes(32), sealed, uetr)).toThrow(PiiKeyError);
    expect(() => new PiiCipher(kek('k1')).unwrap(dk.wrapped, 'k1', uetr)).toThrow(PiiKeyError);
    expect(() => cipher.unwrap(dk.wrapped, 'k9', uetr)).toThrow(/KEK "k9"/);
    expect(() => PiiCipher.open(dk.key, Buffer.from([2, ...sealed.subarray(1)]), uetr)).toThrow(/version/);
  });

  it('re-wraps a data key under the current KEK without changing what it opens', () => {
    const k1 = kek('k1');
    const k2 = kek('k2');
    const old = new PiiCipher(k1);
    const dk = old.newDataKey(uetr);
    const sealed = PiiCipher.seal(dk.key, Buffer.from('remittance'), uetr);
    const rotated = new PiiCipher(k2, [k1]);
    const re = rotated.rewrap(dk.wrapped, dk.kekId, uetr);
    expect(re.kekId).toBe('k2');
    // Only k2 is needed from now on.
    const key = new PiiCipher(k2).unwrap(re.wrapped, re.kekId, uetr);
    expect(PiiCipher.open(key, sealed, uetr).toString()).toBe('remittance');
  });

  it('tells its own KEK from another under the same id by the check value', () => {
    const k1 = kek('k1');
    const cipher = new PiiCipher(k1);
    const check = cipher.checkValue();
    expect(cipher.matchesCheck('k1', check)).toBe(true);
    expect(new PiiCipher(kek('k1')).matchesCheck('k1', check)).toBe(false);
    expect(new PiiCipher(kek('k2')).matchesCheck('k1', check)).toBe(false);
    expect(new PiiCipher(kek('k2'), [k1]).matchesCheck('k1', check)).toBe(true);
  });
});

describe('KEK configuration', () => {
  const b64 = randomBytes(32).toString('base64');

  it('parses <id>:<base64 32 bytes> and refuses anything else', () => {
    expect(parseKek(`prod-2026:${b64}\n`, 'PII_KEK')).toEqual({ id: 'prod-2026', key: Buffer.from(b64, 'base64') });
    expect(() => parseKek(b64, 'PII_KEK')).toThrow(ConfigError);
    expect(() => parseKek(`k1:${randomBytes(16).toString('base64')}`, 'PII_KEK')).toThrow(/32 bytes/);
    expect(() => parseKek(`bad id:${b64}`, 'PII_KEK')).toThrow(/key id/);
    expect(() => parseKek(`k1:${b64.slice(0, -4)}!!!!`, 'PII_KEK')).toThrow(/32 bytes/);
  });

  it('reads the current and previous KEKs from the environment or from files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kek-'));
    const file = path.join(dir, 'kek');
    fs.writeFileSync(file, `k2:${b64}\n`);
    const old = randomBytes(32).toString('base64');
    const keks = keksFromEnv({ PII_KEK_FILE: file, PII_KEK_PREVIOUS: `k1:${old}` });
    expect(keks?.current.id).toBe('k2');
    expect(keks?.previous.map((k) => k.id)).toEqual(['k1']);
    expect(keksFromEnv({})).toBeNull();
    expect(() => keksFromEnv({ PII_KEK: `k1:${b64}`, PII_KEK_FILE: file })).toThrow(/not both/);
    expect(() => keksFromEnv({ PII_KEK: `k1:${b64}`, PII_KEK_PREVIOUS: `k1:${old}` })).toThrow(/twice/);
    expect(() => keksFromEnv({ PII_KEK_PREVIOUS: `k1:${old}` })).toThrow(/without PII_KEK/);
    expect(() => keksFromEnv({ PII_KEK_FILE: path.join(dir, 'missing') })).toThrow(/cannot read/);
    fs.rmSync(dir, { recursive: true });
  });
});
