import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom } from 'rxjs';
import type { AuthedRequest } from '../auth/auth.guards';
import { GATEWAY_CONFIG } from '../common/tokens';
import { GatewayConfig } from '../config';
import { auditAction } from '../audit/audit.service';
import { ApprovalsService } from './approvals.service';
import { OperatorsRepository } from '../operators/operators.repository';

const DUAL_CONTROL = 'nostro:dual-control';

/** Marks an operator route that needs a second admin when DUAL_CONTROL=on (deposits, withdrawals, limits, keys, operators). */
export const DualControl = () => SetMetadata(DUAL_CONTROL, true);

/**
 * Holds a dual-controlled call instead of running it (`202 { requestId, status: "PENDING_APPROVAL", action }`), unless
 * it is the approved call itself, run by ApprovalsService as its requester (the guard marks it `approvedCall`).
 */
@Injectable()
export class DualControlInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ApprovalsService) private readonly approvals: ApprovalsService,
    @Inject(OperatorsRepository) private readonly operators: OperatorsRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.config.DUAL_CONTROL || !this.reflector.get<boolean>(DUAL_CONTROL, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<AuthedRequest & FastifyRequest & { approvedCall?: boolean }>();
    if (request.approvedCall) return next.handle();
    const operator = request.operator;
    if (!operator) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    return from(
      this.soleAdminCreatingOperator(request).then((bootstrap) => {
        // Nobody could approve it: the first second admin is created directly (and audited as every call is).
        if (bootstrap) return lastValueFrom(next.handle(), { defaultValue: undefined });
        return this.approvals
          .hold({
            action: auditAction(request.method, request.routeOptions?.url),
            method: request.method,
            path: request.url,
            body: request.body,
            idempotencyKey: typeof key === 'string' ? key : null,
            operator,
          })
          .then((held) => {
            void reply.status(202);
            return held;
          });
      }),
    );
  }

  /**
   * Operator creation while fewer than two admins are active: there is no second admin to approve it, so holding it
   * would lock dual control out for good (the bootstrap admin could never create the second one). It runs at once.
   */
  private async soleAdminCreatingOperator(request: FastifyRequest): Promise<boolean> {
    if (request.method !== 'POST' || request.routeOptions?.url !== '/v1/admin/operators') return false;
    return (await this.operators.activeAdminCount()) < 2;
  }
}
