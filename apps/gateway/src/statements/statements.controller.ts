import { Controller, Get, Headers, Inject, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Iso20022Service } from '../iso20022/iso20022.service';
import { XML_MEDIA_TYPE, wantsXml, xmlDocSchema } from '../iso20022/xml-media';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { entrySchema, pageOf, statementSchema } from '../http/api.schemas';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { entriesQuerySchema, statementQuerySchema, StatementsService } from './statements.service';

/** A bank's nostro reconciliation (API.md "Account entries and statements"): its own accounts only. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class StatementsController {
  constructor(
    @Inject(StatementsService) private readonly statements: StatementsService,
    @Inject(Iso20022Service) private readonly iso: Iso20022Service,
  ) {}

  @Get('accounts/:currency/entries')
  @ApiDoc({
    summary: 'Every posting to one of the caller’s accounts, from final blocks, oldest first',
    description:
      'With the running balance after each entry, in block order. Entries of blocks that are not final never appear. `fromHeight`/`toHeight` bound the heights; pages follow `nextCursor`.',
    tags: ['Accounts'],
    auth: 'bank',
    query: entriesQuerySchema,
    responses: ok('One page', pageOf(entrySchema)),
    problems: ['validation_failed', 'not_found', 'service_unavailable'],
  })
  entries(@Req() req: AuthedRequest, @Param('currency') currency: string, @Query() query: Record<string, string>) {
    return this.statements.entries(participantOf(req), currency, query);
  }

  @Get('accounts/:currency/statement')
  @ApiDoc({
    summary: 'A statement of one of the caller’s accounts: a UTC day or a height range',
    description:
      '`?date=YYYY-MM-DD` (the blocks whose time falls on that UTC day; today is interim) or `?fromHeight=&toHeight=` (default: the whole chain up to the last final block). openingBalance + totalCredits − totalDebits = closingBalance, the ledger balance at toHeight.',
    tags: ['Accounts'],
    auth: 'bank',
    query: statementQuerySchema,
    responses: {
      200: {
        description: 'The statement (camt.053.001.08 with Accept: application/xml)',
        schema: statementSchema,
        alternatives: { 'application/xml': xmlDocSchema('camt.053.001.08') },
      },
    },
    problems: ['validation_failed', 'not_found', 'statement_too_large', 'service_unavailable'],
  })
  async statement(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('currency') currency: string,
    @Query() query: Record<string, string>,
    @Headers('accept') accept?: string,
  ) {
    const statement = await this.statements.statement(participantOf(req), currency, query);
    if (!wantsXml(accept)) return statement;
    void reply.header('content-type', XML_MEDIA_TYPE);
    return this.iso.statement(statement, participantOf(req));
  }
}
