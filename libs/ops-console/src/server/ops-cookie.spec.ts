import { SESSION_COOKIE, clearedSessionCookie, parseCookies, sessionCookie } from './ops-cookie';

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, scoped to /ops and expires with the session', () => {
    const header = sessionCookie('abc', 8 * 3_600_000 + 999, false);
    expect(header).toBe(`${SESSION_COOKIE}=abc; Path=/ops; Max-Age=28800; HttpOnly; SameSite=Strict`);
    expect(sessionCookie('abc', 1_000, true).endsWith('; Secure')).toBe(true);
  });

  it('is removed on sign-out', () => {
    expect(clearedSessionCookie(false)).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Path=/ops; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$`),
    );
  });

  it('is read from a Cookie header; the first occurrence of a name wins and oversized headers are ignored', () => {
    const cookies = parseCookies(`theme=dark; ${SESSION_COOKIE}=s1; ${SESSION_COOKIE}=s2; quoted="v"; broken`);
    expect(cookies.get(SESSION_COOKIE)).toBe('s1');
    expect(cookies.get('quoted')).toBe('v');
    expect(cookies.has('broken')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies(`${SESSION_COOKIE}=${'x'.repeat(9_000)}`).size).toBe(0);
  });
});
