import { Controller, Get, Headers, Inject, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { finalitySchema, listQuerySchema, pageOf, paymentSchema } from '../http/api.schemas';
import { LedgerClient } from '../ledger/ledger.client';
import { Iso20022Service } from '../iso20022/iso20022.service';
import { XML_MEDIA_TYPE, wantsXml, xmlDocSchema } from '../iso20022/xml-media';
import { PaymentsService } from './payments.service';

/** The creditor bank's view (API.md "Incoming payments"): payments to it, with the parties and their proofs. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class IncomingPaymentsController {
  constructor(
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(Iso20022Service) private readonly iso: Iso20022Service,
  ) {}

  @Get('incoming-payments')
  @ApiDoc({
    summary: 'Payments to the caller (as creditor)',
    tags: ['Incoming payments'],
    auth: 'bank',
    query: listQuerySchema,
    responses: ok('One page', pageOf(paymentSchema)),
    problems: ['validation_failed'],
  })
  incoming(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query, true);
  }

  @Get('incoming-payments/:uetr')
  @ApiDoc({
    summary: 'An incoming payment, with the parties',
    description:
      'With `Accept: application/xml`, the payment as the pacs.008.001.09 a correspondent would have sent: IntrBkSttlmAmt = receiveAmount, InstdAmt = sendAmount, XchgRate = the quote’s rate, ChrgBr DEBT with ChrgsInf per fee, IntrBkSttlmDt = the block’s date.',
    tags: ['Incoming payments'],
    auth: 'bank',
    responses: { 200: { description: 'The payment', schema: paymentSchema, alternatives: { 'application/xml': xmlDocSchema('pacs.008.001.09') } } },
    problems: ['not_found', 'validation_failed'],
  })
  async incomingOne(
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uetr') uetr: string,
    @Headers('accept') accept?: string,
  ) {
    const view = await this.payments.get(participantOf(req), uetr, true);
    if (!wantsXml(accept)) return view;
    void reply.header('content-type', XML_MEDIA_TYPE);
    return this.iso.incomingPayment(view);
  }

  @Get('incoming-payments/:uetr/finality')
  @ApiDoc({
    summary: 'Finality proof of an incoming payment',
    description: 'Of a conditional payment, once decided: the proof of its fulfilment (SETTLED) or of its expiry (REJECTED condition_expired).',
    tags: ['Incoming payments'],
    auth: 'bank',
    responses: ok('The proof', finalitySchema),
    problems: ['not_found'],
  })
  async incomingFinality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.ledger.finality(await this.payments.proofTransaction(participantOf(req), uetr, true));
  }
}
