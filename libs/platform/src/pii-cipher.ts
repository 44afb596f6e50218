import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from './config';

/**
 * Envelope encryption of customer data (API.md "Customer data at rest", docs/security.md): each record has its own
 * 256-bit data key; the data key is stored wrapped (encrypted) by a key-encryption key (KEK) that never touches the
 * database. Both layers are AES-256-GCM with a fresh 96-bit IV and a 128-bit tag, and both bind their ciphertext to
 * where it belongs through the additional authenticated data (the record's id), so a sealed value copied onto another
 * record, or a data key wrapped for one record and moved to another, does not open.
 *
 * Byte layout of a sealed value and of a wrapped key: `0x01 | iv (12) | ciphertext | tag (16)`.
 */
const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEK_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** What the check value of a KEK encrypts (see {@link PiiCipher.checkValue}). */
const CHECK_PLAINTEXT = Buffer.from('nostro customer-data key-encryption key check v1');

/** A key-encryption key and the id stored beside every data key it wraps. */
export interface Kek {
  id: string;
  key: Buffer;
}

/** Why customer data did not open: an unknown KEK id, or a key or value that fails authentication. */
export class PiiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PiiKeyError';
  }
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new PiiKeyError('not a sealed value of a known version');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PiiKeyError('authentication failed: wrong key, or the value was altered or moved');
  }
}

/** `<kekId>:<base64 of 32 bytes>` (the format of PII_KEK and of each entry of PII_KEK_PREVIOUS). */
export function parseKek(text: string, source: string): Kek {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const id = colon > 0 ? trimmed.slice(0, colon) : '';
  if (!KEK_ID.test(id)) throw new ConfigError(`${source}: expected <key id>:<base64 of 32 random bytes>, the id 1-64 of A-Z a-z 0-9 . _ -`);
  const encoded = trimmed.slice(colon + 1);
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
    throw new ConfigError(`${source}: the key of "${id}" must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return { id, key };
}

/**
 * The KEKs a service is given: `current` (PII_KEK, or the file PII_KEK_FILE names, as a Kubernetes Secret is
 * mounted) wraps new data keys; `previous` (PII_KEK_PREVIOUS / PII_KEK_PREVIOUS_FILE, comma-separated) only unwraps
 * the keys not yet re-wrapped after a rotation. Null when neither PII_KEK nor PII_KEK_FILE is set.
 */
export function keksFromEnv(env: { PII_KEK?: string; PII_KEK_FILE?: string; PII_KEK_PREVIOUS?: string; PII_KEK_PREVIOUS_FILE?: string }): {
  current: Kek;
  previous: Kek[];
} | null {
  const read = (value: string | undefined, file: string | undefined, name: string): { text: string; source: string } | null => {
    if (value && file) throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
    if (value) return { text: value, source: name };
    if (!file) return null;
    try {
      return { text: fs.readFileSync(file, 'utf8'), source: `${name}_FILE (${file})` };
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const current = read(env.PII_KEK, env.PII_KEK_FILE, 'PII_KEK');
  const previous = read(env.PII_KEK_PREVIOUS, env.PII_KEK_PREVIOUS_FILE, 'PII_KEK_PREVIOUS');
  if (!current) {
    if (previous) throw new ConfigError('PII_KEK_PREVIOUS is set without PII_KEK');
    return null;
  }
  const kek = parseKek(current.text, current.source);
  const older = (previous?.text ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseKek(s, previous?.source ?? 'PII_KEK_PREVIOUS'));
  const ids = [kek.id, ...older.map((k) => k.id)];
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new ConfigError(`PII_KEK and PII_KEK_PREVIOUS name the key id "${twice}" twice`);
  return { current: kek, previous: older };
}

/** A data key in the clear (for this call only) and as stored: wrapped by the KEK `kekId`. */
export interface DataKey {
  key: Buffer;
  wrapped: Buffer;
  kekId: string;
}

export class PiiCipher {
  private readonly keks: Map<string, Kek>;

  constructor(
    readonly current: Kek,
    previous: readonly Kek[] = [],
  ) {
    this.keks = new Map([current, ...previous].map((k) => [k.id, k]));
  }

  get kekIds(): string[] {
    return [...this.keks.keys()];
  }

  /** A fresh data key for the record `recordId`, wrapped by the current KEK. */
  newDataKey(recordId: string): DataKey {
    const key = randomBytes(KEY_BYTES);
    return { key, wrapped: gcmSeal(this.current.key, key, Buffer.from(recordId)), kekId: this.current.id };
  }

  /** The data key of `recordId` in the clear; a {@link PiiKeyError} if its KEK is not held or it does not authenticate. */
  unwrap(wrapped: Buffer, kekId: string, recordId: string): Buffer {
    const kek = this.keks.get(kekId);
    if (!kek) throw new PiiKeyError(`the data key of ${recordId} is wrapped by KEK "${kekId}", which this service is not given`);
    const key = gcmOpen(kek.key, wrapped, Buffer.from(recordId));
    if (key.length !== KEY_BYTES) throw new PiiKeyError(`the data key of ${recordId} is not 32 bytes`);
    return key;
  }

  /** The same data key wrapped by the current KEK (rotation); the value it seals does not change. */
  rewrap(wrapped: Buffer, kekId: string, recordId: string): { wrapped: Buffer; kekId: string } {
    const key = this.unwrap(wrapped, kekId, recordId);
    return { wrapped: gcmSeal(this.current.key, key, Buffer.from(recordId)), kekId: this.current.id };
  }

  static seal(dataKey: Buffer, plaintext: Buffer, recordId: string): Buffer {
    return gcmSeal(dataKey, plaintext, Buffer.from(recordId));
  }

  static open(dataKey: Buffer, sealed: Buffer, recordId: string): Buffer {
    return gcmOpen(dataKey, sealed, Buffer.from(recordId));
  }

  /**
   * A value stored once per KEK id, by which a service started with a different key under the same id notices it
   * before writing anything: it would otherwise wrap new data keys that the other services cannot open.
   */
  checkValue(kek: Kek = this.current): Buffer {
    return gcmSeal(kek.key, CHECK_PLAINTEXT, Buffer.from(`kek-check:${kek.id}`));
  }

  /** Whether `value` is the check value of the KEK this service holds under `kekId` (false if it holds none). */
  matchesCheck(kekId: string, value: Buffer): boolean {
    const kek = this.keks.get(kekId);
    if (!kek) return false;
    try {
      return gcmOpen(kek.key, value, Buffer.from(`kek-check:${kek.id}`)).equals(CHECK_PLAINTEXT);
    } catch {
      return false;
    }
  }
}
