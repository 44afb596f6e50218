import { Body, Controller, Delete, Headers, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminService } from './admin.service';
import { AuthedRequest, OperatorGuard, Roles } from './auth.guards';
import { IdempotencyService } from './idempotency.service';
import { HttpResult } from './payments.service';

function send(reply: FastifyReply, result: HttpResult): unknown {
  void reply.status(result.status);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  if (result.status >= 400) void reply.header('content-type', 'application/problem+json');
  return result.body;
}

/** Operator endpoints under /v1/admin (API.md), bearer-token authenticated, role-checked. */
@Controller('v1/admin')
@UseGuards(OperatorGuard)
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Post('operators')
  @Roles('admin')
  @HttpCode(201)
  createOperator(@Body() body: unknown) {
    return this.admin.createOperator(body);
  }

  @Delete('operators/:id')
  @Roles('admin')
  @HttpCode(204)
  async deleteOperator(@Param('id') id: string): Promise<void> {
    await this.admin.deleteOperator(id);
  }

  @Post('participants')
  @Roles('admin')
  async createParticipant(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown) {
    return send(reply, await this.admin.createParticipant(body, String(req.id)));
  }

  @Post('participants/:id/deposits')
  @Roles('admin')
  async deposit(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    const k = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.admin.transfer('deposit', id, body, k, String(req.id)));
  }

  @Post('participants/:id/withdrawals')
  @Roles('admin')
  async withdraw(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    const k = IdempotencyService.validateKey(key, true) as string;
    return send(reply, await this.admin.transfer('withdrawal', id, body, k, String(req.id)));
  }
}
