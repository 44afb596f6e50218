import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PERMISSION_METADATA } from '@nostro/platform';
import { Permission, can } from '@nostro/shared';
import { OpsAuditRepository } from './ops-audit.repository';
import { SESSION_COOKIE, parseCookies } from './ops-cookie';
import { sameText } from './ops-session.crypto';
import { OpsSession, OpsSessionService } from './ops-session.service';
import { OpsConfig } from './ops.config';
import { opsProblem } from './ops.errors';
import { OPS_CONFIG } from './ops.tokens';

/** A console request once the guard let it through. */
export interface OpsRequest extends FastifyRequest {
  opsSession?: OpsSession;
}

const OPS_ACTION = 'ops_action';
/** Names the audited action of an endpoint, so that a refusal for the role is recorded too. */
export const OpsAction = (action: string) => SetMetadata(OPS_ACTION, action);

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The console's session cookie, the role the endpoint needs, and for writes an Origin check on top of
 * SameSite=Strict (a cross-site page cannot make the browser send the cookie, and a request whose Origin is
 * another site is refused even so). A role refused an action is written to the audit log.
 */
@Injectable()
export class OpsSessionGuard implements CanActivate {
  constructor(
    @Inject(OpsSessionService) private readonly sessions: OpsSessionService,
    @Inject(OpsAuditRepository) private readonly audit: OpsAuditRepository,
    @Inject(OPS_CONFIG) private readonly ops: OpsConfig,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<OpsRequest>();
    if (!SAFE_METHODS.has(request.method)) assertSameOrigin(request, this.ops.publicBaseUrl);
    const session = await this.sessions.authenticate(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
    request.opsSession = session;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_METADATA, [context.getHandler(), context.getClass()]) ?? 'read';
    if (can(session.operator.role, permission)) return true;
    const action = this.reflector.get<string | undefined>(OPS_ACTION, context.getHandler());
    if (action) {
      const target = Object.values((request.params ?? {}) as Record<string, string>)[0] ?? null;
      await this.audit.append({
        operator: session.operator,
        action,
        target,
        outcome: 'denied',
        httpStatus: 403,
        detail: { reason: `role ${session.operator.role}` },
        correlationId: String(request.id),
      });
    }
    throw opsProblem('forbidden', `role ${session.operator.role} may not do this`);
  }
}

/**
 * A browser sends Origin on every cross-site write; one naming another site is refused (on top of SameSite=Strict).
 * Requests without Origin (non-browser clients) carry no ambient cookie from another site and pass.
 */
export function assertSameOrigin(request: FastifyRequest, publicBaseUrl: string): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const allowed = [new URL(publicBaseUrl).origin, `${request.protocol}://${request.headers.host ?? ''}`];
  if (!allowed.some((a) => sameText(a, origin))) throw opsProblem('origin_mismatch', `requests from ${origin} are not accepted`);
}
