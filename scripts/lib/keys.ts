// Ed25519 keys for a local cluster: one line per file, the 32-byte seed in base64url (docs/architecture.md).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface KeyFile {
  file: string;
  /** The raw 32-byte public key, base64url. */
  publicKey: string;
}

/** A JWK member of an exported Ed25519 key (`d`: the seed, `x`: the public key), both base64url. */
function jwkMember(key: KeyObject, member: 'd' | 'x'): string {
  const value = key.export({ format: 'jwk' })[member];
  if (value === undefined) throw new Error(`keys: the exported key has no "${member}"`);
  return value;
}

function publicKeyOf(seedB64: string): string {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seedB64, 'base64url')]), format: 'der', type: 'pkcs8' });
  return jwkMember(createPublicKey(key), 'x');
}

/** Creates `<dir>/<name>.key` if missing; returns { file, publicKey }. Existing keys are kept. */
export function ensureKey(dir: string, name: string): KeyFile {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.key`);
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(file, `${jwkMember(privateKey, 'd')}\n`, { mode: 0o600 });
  }
  return { file, publicKey: publicKeyOf(fs.readFileSync(file, 'utf8').trim()) };
}

/** A fresh Ed25519 key pair: the seed and the public key, both base64url (key-file and API formats). */
export function freshKey(): { seed: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { seed: jwkMember(privateKey, 'd'), publicKey: jwkMember(publicKey, 'x') };
}
