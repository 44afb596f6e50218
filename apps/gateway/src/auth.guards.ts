import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemError, counter } from '@nostro/platform';
import { sha256Hex, verifyRequest } from '@nostro/shared';
import type { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { GatewayConfig } from './config';
import { OperatorRole, OperatorsRepository } from './operators.repository';
import { ParticipantsRepository } from './participants.repository';
import { GATEWAY_CONFIG, REDIS } from './tokens';

const authFailures = counter('gateway_auth_failures_total', 'Refused bank request signatures by code', ['code']);

/** What the guards attach to an authenticated request. */
export interface AuthedRequest extends FastifyRequest {
  participant?: string;
  operator?: { id: string; name: string; role: OperatorRole };
  rawBody?: Buffer;
}

const unauthorized = (code: string, detail: string) => {
  authFailures.labels(code).inc();
  return new ProblemError(401, code, 'Unauthorized', detail);
};

const KEY_CACHE_MS = 2_000;

/**
 * RFC 9421 request signatures (API.md "Authentication of banks"): verified with node:crypto, the target URI rebuilt
 * from the configured public base URL, nonces single-use within the skew window (Redis).
 */
@Injectable()
export class BankAuthGuard implements CanActivate {
  private readonly keys = new Map<string, { at: number; key: Awaited<ReturnType<ParticipantsRepository['activeKey']>> }>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ParticipantsRepository) private readonly participants: ParticipantsRepository,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  private async key(keyId: string) {
    const cached = this.keys.get(keyId);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    const key = await this.participants.activeKey(keyId);
    this.keys.set(keyId, { at: Date.now(), key });
    return key;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (!request.headers['signature'] && !request.headers['signature-input']) throw unauthorized('signature_missing', 'the request carries no HTTP message signature');
    const result = await verifyRequest(
      { method: request.method, targetUri: `${this.config.PUBLIC_BASE_URL}${request.url}`, headers: request.headers, rawBody: request.rawBody },
      { lookupKey: async (keyId) => (await this.key(keyId))?.publicKey, maxSkewSeconds: this.config.SIGNATURE_MAX_SKEW_S },
    );
    if (!result.ok) throw unauthorized(result.code, result.detail);
    const key = await this.key(result.keyId);
    if (!key) throw unauthorized('key_unknown', 'unknown keyid');
    if (result.nonce !== undefined) await this.claimNonce(result.keyId, result.nonce);
    request.participant = key.participant;
    return true;
  }

  private async claimNonce(keyId: string, nonce: string): Promise<void> {
    const ttl = 2 * this.config.SIGNATURE_MAX_SKEW_S;
    const claimed = await this.redis.set(`${this.config.REDIS_KEY_PREFIX}nonce:${keyId}:${sha256Hex(nonce)}`, '1', 'EX', ttl, 'NX');
    if (claimed !== 'OK') throw unauthorized('signature_replayed', 'this nonce was already used');
  }
}

export const ROLES = 'operator_roles';
/** Roles allowed on an operator endpoint; admin is always allowed. */
export const Roles = (...roles: OperatorRole[]) => SetMetadata(ROLES, roles);

/** `Authorization: Bearer <operator token>`; the token is looked up by its SHA-256. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(OperatorsRepository) private readonly operators: OperatorsRepository,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
    if (!match) throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'operator bearer token required');
    const operator = await this.operators.byTokenHash(sha256Hex(match[1]));
    if (!operator) throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'unknown or revoked operator token');
    const roles = this.reflector.getAllAndOverride<OperatorRole[] | undefined>(ROLES, [context.getHandler(), context.getClass()]) ?? ['viewer', 'approver'];
    if (operator.role !== 'admin' && !roles.includes(operator.role)) throw new ProblemError(403, 'forbidden', 'Forbidden', `role ${operator.role} may not do this`);
    request.operator = operator;
    return true;
  }
}
