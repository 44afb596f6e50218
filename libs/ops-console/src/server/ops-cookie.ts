/** The console's session cookie (docs/ops-console.md, Sign-in). Scoped to /ops: the bank API never sees it. */
export const SESSION_COOKIE = 'nostro_ops_session';
export const COOKIE_PATH = '/ops';
const COOKIE_HEADER_MAX = 8_192;

/** Parses a Cookie header (RFC 6265 §5.4); the first occurrence of a name wins. Bounded in size. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header || header.length > COOKIE_HEADER_MAX) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name !== '' && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, Path=/ops, Max-Age in whole seconds. */
export function sessionCookie(secret: string, maxAgeMs: number, secure: boolean): string {
  const maxAgeS = Math.max(0, Math.floor(maxAgeMs / 1000));
  return [`${SESSION_COOKIE}=${secret}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

/** `Set-Cookie` that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure).replace('Max-Age=0', 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
}
