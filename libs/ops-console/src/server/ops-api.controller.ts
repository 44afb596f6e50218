import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { Requires } from '@nostro/platform';
import type { FastifyReply } from 'fastify';
import { OpsRequest, OpsSessionGuard } from './ops-auth.guard';
import { OpsHeadersInterceptor } from './ops-headers.interceptor';
import { OpsReadService } from './ops-read.service';
import { OpsSession } from './ops-session.service';
import { OpsStreamService } from './ops-stream.service';

const session = (req: OpsRequest) => req.opsSession as OpsSession;

/** The console's reads under /ops/api (docs/ops-console.md, API): every signed-in role, except where noted. */
@Controller('ops/api')
@UseGuards(OpsSessionGuard)
@UseInterceptors(OpsHeadersInterceptor)
export class OpsApiController {
  constructor(
    @Inject(OpsReadService) private readonly reads: OpsReadService,
    @Inject(OpsStreamService) private readonly stream: OpsStreamService,
  ) {}

  @Get('overview')
  overview() {
    return this.stream.currentOverview();
  }

  @Get('payments')
  payments(@Query() query: Record<string, string>) {
    return this.reads.listPayments(query);
  }

  @Get('payments/:uetr')
  payment(@Req() req: OpsRequest, @Param('uetr') uetr: string) {
    return this.reads.payment(uetr, session(req), String(req.id));
  }

  @Get('payments/:uetr/finality')
  finality(@Param('uetr') uetr: string) {
    return this.reads.finality(uetr);
  }

  @Get('payments/:uetr/returns/:returnId/finality')
  returnFinality(@Param('uetr') uetr: string, @Param('returnId') returnId: string) {
    return this.reads.returnFinality(uetr, returnId);
  }

  @Get('recalls')
  recalls(@Req() req: OpsRequest, @Query() query: Record<string, string>) {
    return this.reads.openRecalls(query, session(req));
  }

  /** `?participant=&currency=&limit=&cursor=`: liquidity queues, what each waits for, and their entries. */
  @Get('queues')
  queues(@Query() query: Record<string, string>) {
    return this.reads.queues(query);
  }

  @Get('held')
  held(@Req() req: OpsRequest) {
    return this.reads.held(session(req), String(req.id));
  }

  /** `?status=PENDING_APPROVAL|APPROVED|REJECTED|EXPIRED&limit=&cursor=`: operator calls held for a second admin. */
  @Get('requests')
  requests(@Req() req: OpsRequest, @Query() query: Record<string, string>) {
    return this.reads.requests(query, session(req), String(req.id));
  }

  @Get('requests/:id')
  request(@Req() req: OpsRequest, @Param('id') id: string) {
    return this.reads.request(id, session(req), String(req.id));
  }

  @Get('blocks')
  blocks(@Query() query: Record<string, string>) {
    return this.reads.blocks(query);
  }

  @Get('blocks/:height')
  block(@Param('height') height: string) {
    return this.reads.block(height);
  }

  @Get('participants')
  participants() {
    return this.reads.participantList();
  }

  @Get('participants/:id')
  participant(@Req() req: OpsRequest, @Param('id') id: string) {
    return this.reads.participant(id, session(req));
  }

  /** `?currency=&date=` (default today, UTC) `&format=xml`: the camt.053 as a download; JSON otherwise. */
  @Get('participants/:id/statement')
  async statement(@Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Query() query: Record<string, string>) {
    const statement = await this.reads.statement(id, query);
    if (statement.format === 'json') return statement.body;
    void reply.header('content-type', 'application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${statement.fileName}"`);
    return statement.body;
  }

  @Get('audit')
  @Requires('audit.read')
  audit(@Query() query: Record<string, string>) {
    return this.reads.auditLog(query);
  }
}
