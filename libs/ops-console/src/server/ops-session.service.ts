import { OperatorRole, sha256Hex } from '@nostro/shared';
import { OpsAuditRepository } from './ops-audit.repository';
import { OpsConsoleHost } from './ops-host.port';
import { OpsConfig } from './ops.config';
import { opsProblem } from './ops.errors';
import { isSessionSecret, newSessionSecret, openToken, sealToken, sessionIdHash } from './ops-session.crypto';
import { OpsSessionRepository } from './ops-session.repository';

/** A signed-in operator as the console's handlers see it. */
export interface OpsSession {
  idHash: string;
  operator: { id: string; name: string; role: OperatorRole };
  expiresAt: Date;
  /** The operator token, opened from the sealed copy: only for forwarding an action to the admin API. */
  token(): string;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,200}$/;
/** last_seen_at is written at most this often per session. */
const TOUCH_THROTTLE_MS = 15_000;

/**
 * Sign-in with an operator token (the token is exchanged for a session and never reaches the page again),
 * session look-up for every console request, sign-out. Every sign-in, allowed or not, is in the audit log.
 */
export class OpsSessionService {
  constructor(
    private readonly config: OpsConfig,
    private readonly sessions: OpsSessionRepository,
    private readonly host: OpsConsoleHost,
    private readonly audit: OpsAuditRepository,
  ) {}

  async signIn(token: string, correlationId: string): Promise<{ secret: string; session: OpsSession }> {
    const operator = TOKEN_PATTERN.test(token) ? await this.host.operatorByTokenHash(sha256Hex(token)) : null;
    if (!operator) {
      await this.audit.append({ operator: null, action: 'session.sign_in', target: null, outcome: 'denied', httpStatus: 401, detail: {}, correlationId });
      throw opsProblem('unauthorized', 'unknown or revoked operator token');
    }
    const secret = newSessionSecret();
    const idHash = sessionIdHash(secret);
    const expiresAt = await this.sessions.insert({ idHash, operatorId: operator.id, sealedToken: sealToken(secret, token), ttlMs: this.config.sessionTtlMs });
    await this.audit.append({
      operator,
      action: 'session.sign_in',
      target: null,
      outcome: 'ok',
      httpStatus: 201,
      detail: { expiresAt: expiresAt.toISOString() },
      correlationId,
    });
    await this.sessions.purge();
    return { secret, session: { idHash, operator, expiresAt, token: () => token } };
  }

  /** The session of this cookie secret, or a 401 problem saying whether it never existed or has ended. */
  async authenticate(secret: string | undefined): Promise<OpsSession> {
    if (!secret || !isSessionSecret(secret)) throw opsProblem('unauthorized', 'sign in first');
    const idHash = sessionIdHash(secret);
    const row = await this.sessions.find(idHash, this.config.sessionIdleMs);
    if (!row) throw opsProblem('unauthorized', 'sign in first');
    if (row.ended !== null) throw opsProblem('session_expired', `the session ended (${row.ended.replace('_', ' ')}); sign in again`);
    await this.sessions.touch(idHash, TOUCH_THROTTLE_MS);
    const sealed = row.sealedToken;
    return {
      idHash,
      operator: { id: row.operatorId, name: row.operatorName, role: row.role },
      expiresAt: row.expiresAt,
      token: () => {
        const token = openToken(secret, sealed);
        if (token === null) throw opsProblem('session_expired', 'the session cannot act any more; sign in again');
        return token;
      },
    };
  }

  async signOut(session: OpsSession, correlationId: string): Promise<void> {
    await this.sessions.end(session.idHash);
    await this.audit.append({
      operator: session.operator,
      action: 'session.sign_out',
      target: null,
      outcome: 'ok',
      httpStatus: 204,
      detail: {},
      correlationId,
    });
  }

  /** Keeps a live console's session from going idle; returns the hashes of sessions that still count. */
  async refresh(idHashes: string[]): Promise<Set<string>> {
    const valid = await this.sessions.stillValid(idHashes, this.config.sessionIdleMs);
    await Promise.all([...valid].map((h) => this.sessions.touch(h, TOUCH_THROTTLE_MS)));
    return valid;
  }
}
