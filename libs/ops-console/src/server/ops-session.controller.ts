import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { parseOrProblem } from '@nostro/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { OpsRequest, OpsSessionGuard, assertSameOrigin } from './ops-auth.guard';
import { clearedSessionCookie, sessionCookie } from './ops-cookie';
import { OpsHeadersInterceptor } from './ops-headers.interceptor';
import { OpsSession, OpsSessionService } from './ops-session.service';
import { capabilities } from './ops-views';
import { OPS_CONFIG } from './ops.tokens';
import { OpsConfig } from './ops.config';

const signInSchema = z.strictObject({ token: z.string().min(1).max(200) });

function sessionView(s: OpsSession) {
  return { operator: s.operator, expiresAt: s.expiresAt.toISOString(), can: capabilities(s.operator.role) };
}

/** Sign-in (operator token → HttpOnly, SameSite=Strict session cookie), who am I, sign-out. */
@Controller('ops/api/session')
@UseInterceptors(OpsHeadersInterceptor)
export class OpsSessionController {
  constructor(
    @Inject(OpsSessionService) private readonly sessions: OpsSessionService,
    @Inject(OPS_CONFIG) private readonly ops: OpsConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async signIn(@Req() req: OpsRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown) {
    assertSameOrigin(req, this.ops.publicBaseUrl);
    const { token } = parseOrProblem(signInSchema, body);
    const { secret, session } = await this.sessions.signIn(token.trim(), String(req.id));
    void reply.header('set-cookie', sessionCookie(secret, session.expiresAt.getTime() - Date.now(), this.ops.cookieSecure));
    return sessionView(session);
  }

  @Get()
  @UseGuards(OpsSessionGuard)
  current(@Req() req: OpsRequest) {
    return sessionView(req.opsSession as OpsSession);
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(OpsSessionGuard)
  async signOut(@Req() req: OpsRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.signOut(req.opsSession as OpsSession, String(req.id));
    void reply.header('set-cookie', clearedSessionCookie(this.ops.cookieSecure));
  }
}
