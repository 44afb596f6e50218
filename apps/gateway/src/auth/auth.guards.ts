import { AuthErrorCode, authError } from './auth.errors';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PERMISSION_METADATA, counter } from '@nostro/platform';
import { OperatorRole, PERMISSIONS, Permission, can, hasHeader, sha256Hex, verifyRequest } from '@nostro/shared-node';
import type { FastifyRequest } from 'fastify';
import { GatewayConfig } from '../config';
import { OperatorsRepository } from '../operators/operators.repository';
import { APPROVAL_HEADER, ApprovalsService } from '../approvals/approvals.service';
import { ParticipantCache } from '../participants/participant.cache';
import { RateLimiter } from './rate-limiter';
import { GATEWAY_CONFIG } from '../common/tokens';
import { NonceRepository } from './nonce.repository';

const authFailures = counter('gateway_auth_failures_total', 'Refused bank request signatures by code', ['code']);

/** What the guards attach to an authenticated request. */
export interface AuthedRequest extends FastifyRequest {
  participant?: string;
  keyId?: string;
  operator?: { id: string; name: string; role: OperatorRole };
  /** An approved held call (dual control) being run as its requester. */
  approvedCall?: boolean;
  rawBody?: Buffer;
}

/** The participant a request was authenticated as (BankAuthGuard ran first on every bank route). */
export function participantOf(req: AuthedRequest): string {
  if (!req.participant) throw authError('signature_missing', 'not authenticated');
  return req.participant;
}

const unauthorized = (code: AuthErrorCode, detail: string) => {
  authFailures.labels(code).inc();
  return authError(code, detail);
};

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * RFC 9421 request signatures (API.md "Authentication of banks"): verified with node:crypto, the target URI rebuilt
 * from the configured public base URL, nonces single-use within the skew window (kept in Postgres), then the
 * participant's state (a suspended participant may read but not write) and its rate limit.
 */
@Injectable()
export class BankAuthGuard implements CanActivate {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ParticipantCache) private readonly cache: ParticipantCache,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(NonceRepository) private readonly nonces: NonceRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (!hasHeader(request.headers, 'signature') && !hasHeader(request.headers, 'signature-input')) {
      throw unauthorized('signature_missing', 'the request carries no HTTP message signature (Signature-Input and Signature)');
    }
    const result = await verifyRequest(
      { method: request.method, targetUri: `${this.config.PUBLIC_BASE_URL}${request.url}`, headers: request.headers, rawBody: request.rawBody },
      { lookupKey: async (keyId) => (await this.cache.activeKey(keyId))?.publicKey, maxSkewSeconds: this.config.SIGNATURE_MAX_SKEW_S },
    );
    if (!result.ok) throw unauthorized(result.code, result.detail);
    const key = await this.cache.activeKey(result.keyId);
    if (!key) throw unauthorized('key_unknown', `unknown keyid ${result.keyId}`);
    if (result.nonce !== undefined) await this.claimNonce(result.keyId, result.nonce);
    if (key.status === 'suspended' && !READ_METHODS.has(request.method)) {
      throw authError('participant_suspended', `participant ${key.participant} is suspended: it may read its payments but not create any`);
    }
    const rate = await this.limiter.take(key.participant);
    if (!rate.allowed) {
      const seconds = String(Math.max(1, Math.ceil(rate.retryAfterMs / 1000)));
      throw authError('rate_limited', `more than ${this.config.RATE_LIMIT_PER_S} requests/s; retry after ${seconds} s`, undefined, { 'retry-after': seconds });
    }
    request.participant = key.participant;
    request.keyId = result.keyId;
    return true;
  }

  /** Records the nonce for twice the skew window (a `created` may be that far in the future); refuses a reuse. */
  private async claimNonce(keyId: string, nonce: string): Promise<void> {
    if (!(await this.nonces.claim(keyId, nonce, 2 * this.config.SIGNATURE_MAX_SKEW_S)))
      throw unauthorized('signature_replayed', 'this nonce was already used within the signature window');
  }
}

/** `Authorization: Bearer <operator token>`; the token is looked up by its SHA-256. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(OperatorsRepository) private readonly operators: OperatorsRepository,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApprovalsService) private readonly approvals: ApprovalsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    // An approved held call, run in-process by the approval: it runs as the operator who asked for it.
    const replayed = await this.approvals.replayedOperator(request.headers[APPROVAL_HEADER] as string | undefined);
    if (replayed) {
      request.operator = replayed;
      request.approvedCall = true;
      return this.permit(context, replayed);
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
    if (!match) throw authError('unauthorized', 'operator bearer token required');
    const operator = await this.operators.byTokenHash(sha256Hex(match[1]));
    if (!operator) throw authError('unauthorized', 'unknown or revoked operator token');
    // Known before the permission check: a denied call is audited under the operator who tried it.
    request.operator = operator;
    return this.permit(context, operator);
  }

  private permit(context: ExecutionContext, operator: { role: OperatorRole }): boolean {
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_METADATA, [context.getHandler(), context.getClass()]) ?? 'read';
    if (!can(operator.role, permission))
      throw authError('forbidden', `role ${operator.role} may not do this (needs ${permission}: ${PERMISSIONS[permission].join(', ')})`);
    return true;
  }
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const XML_MEDIA_TYPE = /^(application|text)\/xml\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
/** The only routes whose bodies are XML (ISO 20022 messages, docs/iso20022.md). */
const XML_ROUTES = '/v1/iso20022/';

/**
 * Every body the gateway accepts is JSON (API.md), except the ISO 20022 routes', which is XML: a request with a body
 * of another media type is `415`, before any handler sees it (Fastify alone would hand a `text/plain` body to the
 * handler as a string).
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const length = Number.parseInt(String(request.headers['content-length'] ?? '0'), 10);
    const hasBody = (Number.isFinite(length) && length > 0) || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || READ_METHODS.has(request.method)) return true;
    const type = request.headers['content-type'] ?? '';
    const xml = request.url.startsWith(XML_ROUTES);
    if (!(xml ? XML_MEDIA_TYPE : JSON_MEDIA_TYPE).test(type)) {
      const wanted = xml ? 'application/xml' : 'application/json';
      throw authError('unsupported_media_type', `bodies must be ${wanted} (UTF-8), not ${type === '' ? 'untyped' : JSON.stringify(type)}`);
    }
    return true;
  }
}
