import { isSessionSecret, newSessionSecret, openToken, sealToken, sessionIdHash } from './ops-session.crypto';

const TOKEN = 'op_3q2-7mSx0cXlLk9Qv0fJcQf8xUjKQ2r1vH7cS9dZ';

describe('console session secrets', () => {
  it('are 256 random bits in base64url, and the database keeps only their SHA-256', () => {
    const a = newSessionSecret();
    const b = newSessionSecret();
    expect(isSessionSecret(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(sessionIdHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionIdHash(a)).not.toContain(a);
    expect(isSessionSecret('short')).toBe(false);
    expect(isSessionSecret(`${a}=`)).toBe(false);
  });

  it('seal the operator token so that only the same secret opens it', () => {
    const secret = newSessionSecret();
    const sealed = sealToken(secret, TOKEN);
    expect(sealed).not.toContain(TOKEN);
    expect(openToken(secret, sealed)).toBe(TOKEN);
    expect(openToken(newSessionSecret(), sealed)).toBeNull();
  });

  it('refuse a sealed token that was altered or truncated', () => {
    const secret = newSessionSecret();
    const raw = Buffer.from(sealToken(secret, TOKEN), 'base64url');
    raw[raw.length - 20] ^= 0x01;
    expect(openToken(secret, raw.toString('base64url'))).toBeNull();
    expect(openToken(secret, raw.subarray(0, 20).toString('base64url'))).toBeNull();
    expect(openToken(secret, '')).toBeNull();
  });
});
