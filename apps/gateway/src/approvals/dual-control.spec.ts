import { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of } from 'rxjs';
import { GatewayConfig } from '../config';
import { OperatorsRepository } from '../operators/operators.repository';
import { ApprovalsService } from './approvals.service';
import { DualControlInterceptor } from './dual-control';

/** The interceptor against stand-ins for the approvals service and the operators table (no HTTP, no database). */
function setup(activeAdmins: number) {
  const hold = jest.fn(async () => ({ requestId: 'r1', status: 'PENDING_APPROVAL' }));
  const interceptor = new DualControlInterceptor(
    { get: () => true } as unknown as Reflector,
    { DUAL_CONTROL: true } as GatewayConfig,
    { hold } as unknown as ApprovalsService,
    { activeAdminCount: async () => activeAdmins } as unknown as OperatorsRepository,
  );
  const status = jest.fn();
  const call = (method: string, url: string) => {
    const request = {
      method,
      url,
      routeOptions: { url },
      headers: {},
      body: { name: 'second', role: 'admin' },
      operator: { id: 'op1', name: 'boot', role: 'admin' },
    };
    const context = {
      getHandler: () => undefined,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ status }) }),
    } as unknown as ExecutionContext;
    const next: CallHandler = { handle: () => of({ ran: true }) };
    return lastValueFrom(interceptor.intercept(context, next));
  };
  return { call, hold, status };
}

describe('DualControlInterceptor', () => {
  it('holds a dual-controlled call for a second admin', async () => {
    const { call, hold, status } = setup(2);
    expect(await call('POST', '/v1/admin/participants/:id/deposits')).toEqual({ requestId: 'r1', status: 'PENDING_APPROVAL' });
    expect(hold).toHaveBeenCalledTimes(1);
    expect(status).toHaveBeenCalledWith(202);
  });

  it('holds operator creation once two admins can act', async () => {
    const { call, hold } = setup(2);
    expect(await call('POST', '/v1/admin/operators')).toMatchObject({ status: 'PENDING_APPROVAL' });
    expect(hold).toHaveBeenCalledTimes(1);
  });

  it('lets a sole admin create an operator at once: nobody could approve it, and dual control would lock itself out', async () => {
    const { call, hold } = setup(1);
    expect(await call('POST', '/v1/admin/operators')).toEqual({ ran: true });
    expect(hold).not.toHaveBeenCalled();
    // Nothing else runs unheld for a sole admin.
    expect(await call('POST', '/v1/admin/participants/:id/deposits')).toMatchObject({ status: 'PENDING_APPROVAL' });
  });
});
