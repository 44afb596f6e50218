import { Controller, Get, Inject, Param, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { finalitySchema, listQuerySchema, pageOf, paymentSchema } from '../http/api.schemas';
import { LedgerClient } from '../ledger/ledger.client';
import { PaymentsService } from './payments.service';

/** The creditor bank's view (API.md "Incoming payments"): payments to it, with the parties and their proofs. */
@Controller('v1')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class IncomingPaymentsController {
  constructor(
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
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
    tags: ['Incoming payments'],
    auth: 'bank',
    responses: ok('The payment', paymentSchema),
    problems: ['not_found', 'validation_failed'],
  })
  incomingOne(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.payments.get(participantOf(req), uetr, true);
  }

  @Get('incoming-payments/:uetr/finality')
  @ApiDoc({
    summary: 'Finality proof of an incoming payment',
    tags: ['Incoming payments'],
    auth: 'bank',
    responses: ok('The proof', finalitySchema),
    problems: ['not_found'],
  })
  async incomingFinality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    const payment = await this.payments.get(participantOf(req), uetr, true);
    return this.ledger.finality(payment.uetr);
  }
}
