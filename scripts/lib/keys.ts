// Ed25519 keys for a local cluster: one line per file, the 32-byte seed in base64url (docs/architecture.md).
import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function publicKeyOf(seedB64) {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seedB64, 'base64url')]), format: 'der', type: 'pkcs8' });
  return createPublicKey(key).export({ format: 'jwk' }).x;
}

/** Creates `<dir>/<name>.key` if missing; returns { file, publicKey }. Existing keys are kept. */
export function ensureKey(dir, name) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${name}.key`);
  if (!fs.existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(file, `${privateKey.export({ format: 'jwk' }).d}\n`, { mode: 0o600 });
  }
  return { file, publicKey: publicKeyOf(fs.readFileSync(file, 'utf8').trim()) };
}
