import { Controller, Get, Inject, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OpsRequest, OpsSessionGuard } from './ops-auth.guard';
import { OpsSession } from './ops-session.service';
import { OpsStreamService } from './ops-stream.service';

/** `GET /ops/api/stream`: the console's live updates as server-sent events (ops-stream.service.ts). */
@Controller('ops/api/stream')
@UseGuards(OpsSessionGuard)
export class OpsStreamController {
  constructor(@Inject(OpsStreamService) private readonly stream: OpsStreamService) {}

  @Get()
  open(@Req() req: OpsRequest, @Res() reply: FastifyReply): void {
    this.stream.assertCapacity();
    void reply.hijack();
    this.stream.open(reply.raw, (req.opsSession as OpsSession).idHash);
  }
}
