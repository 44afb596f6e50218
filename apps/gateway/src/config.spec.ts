import { ConfigError } from '@nostro/platform';
import { asCurrency } from '@nostro/shared';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gatewayConfig, transferBounds } from './config';

describe('TRANSFER_MAX_AMOUNTS', () => {
  it('bounds the named currencies as given and the others by the default in whole units', () => {
    const max = transferBounds('USD=50000000.00, JPY=5000000000', 1_000_000_000n);
    expect(max(asCurrency('USD'))).toBe(5_000_000_000n);
    expect(max(asCurrency('JPY'))).toBe(5_000_000_000n);
    expect(max(asCurrency('BHD'))).toBe(1_000_000_000_000n); // three minor digits
    expect(max(asCurrency('EUR'))).toBe(100_000_000_000n);
  });

  it.each(['XYZ=1.00', 'USD=1.001', 'USD=-5.00', 'USD=0', 'USD', 'USD=abc'])('stops start-up on %j with one line', (value) => {
    expect(() => transferBounds(value, 1n)).toThrow(ConfigError);
  });
});

describe('WEBHOOK_ALLOW_PRIVATE', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-gw-config-'));
    const keyFile = path.join(dir, 'network.key');
    fs.writeFileSync(keyFile, base64UrlEncode(generateEd25519KeyPair().seed));
    const publicKey = base64UrlEncode(generateEd25519KeyPair().publicKey);
    env = {
      DATABASE_URL: 'postgres://root@127.0.0.1:5432/x',
      NETWORK_SIGNING_KEY_FILE: keyFile,
      VALIDATOR_PUBLIC_KEYS: `v0=${publicKey}`,
      PII_KEK: `kek-1:${randomBytes(32).toString('base64')}`,
    };
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('needs a key-encryption key for customer data, and refuses a malformed one', () => {
    const { PII_KEK, ...without } = env;
    expect(gatewayConfig(env).keks.current.id).toBe('kek-1');
    expect(gatewayConfig(env).keks.current.key.equals(Buffer.from(String(PII_KEK).slice(6), 'base64'))).toBe(true);
    expect(() => gatewayConfig(without)).toThrow(/PII_KEK or PII_KEK_FILE is required/);
    expect(() => gatewayConfig({ ...without, PII_KEK: 'kek-1:short' })).toThrow(ConfigError);
    expect(gatewayConfig(env).PII_RETENTION_DAYS).toBe(1825);
  });

  it('is off unless set to on', () => {
    expect(gatewayConfig(env).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(gatewayConfig({ ...env, WEBHOOK_ALLOW_PRIVATE: 'off' }).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(gatewayConfig({ ...env, WEBHOOK_ALLOW_PRIVATE: 'on' }).WEBHOOK_ALLOW_PRIVATE).toBe(true);
  });

  it.each(['true', 'yes', 'ON', ''])('stops start-up on %j, naming the variable', (value) => {
    expect(() => gatewayConfig({ ...env, WEBHOOK_ALLOW_PRIVATE: value })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
  });
});
