import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { formatAmount, asCurrency, quoteRequestSchema } from '@nostro/shared';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard } from './auth.guards';
import { FxClient } from './fx.client';
import { IdempotencyService } from './idempotency.service';
import { LedgerClient } from './ledger.client';
import { PaymentsService } from './payments.service';

const participantOf = (req: AuthedRequest): string => {
  if (!req.participant) throw new ProblemError(401, 'signature_missing', 'Unauthorized', 'not authenticated');
  return req.participant;
};

/** The bank-facing API (API.md); every route is signed (RFC 9421) and sees only the caller's own data. */
@Controller('v1')
@UseGuards(BankAuthGuard)
export class BankController {
  constructor(
    @Inject(PaymentsService) private readonly payments: PaymentsService,
    @Inject(FxClient) private readonly fx: FxClient,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
  ) {}

  @Post('quotes')
  @HttpCode(201)
  async quote(@Req() req: AuthedRequest, @Body() body: unknown) {
    const { participant: _own, ...quote } = await this.fx.createQuote(participantOf(req), parseOrProblem(quoteRequestSchema, body));
    return quote;
  }

  @Post('payments')
  async pay(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    const idempotencyKey = IdempotencyService.validateKey(key, true) as string;
    const result = await this.payments.create(participantOf(req), idempotencyKey, req.rawBody ?? Buffer.alloc(0), body, String(req.id));
    void reply.status(result.status);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    if (result.status >= 400) void reply.header('content-type', 'application/problem+json');
    return result.body;
  }

  @Get('payments')
  list(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query);
  }

  @Get('payments/:uetr')
  get(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.payments.get(participantOf(req), uetr);
  }

  @Get('payments/:uetr/finality')
  async finality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    const payment = await this.payments.get(participantOf(req), uetr);
    return this.ledger.finality(payment.uetr);
  }

  @Get('incoming-payments/:uetr/finality')
  async incomingFinality(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    const payment = await this.payments.get(participantOf(req), uetr, true);
    return this.ledger.finality(payment.uetr);
  }

  @Get('incoming-payments')
  incoming(@Req() req: AuthedRequest, @Query() query: Record<string, string>) {
    return this.payments.list(participantOf(req), query, true);
  }

  @Get('incoming-payments/:uetr')
  incomingOne(@Req() req: AuthedRequest, @Param('uetr') uetr: string) {
    return this.payments.get(participantOf(req), uetr, true);
  }

  /** Settlement accounts as of the last final block; available = balance + net debit cap. */
  @Get('accounts')
  async accounts(@Req() req: AuthedRequest) {
    const { height, accounts } = await this.ledger.balances(participantOf(req));
    return {
      height,
      data: accounts.map((a) => {
        const currency = asCurrency(a.currency);
        const balance = BigInt(a.balance);
        return {
          currency,
          balance: formatAmount(balance, currency),
          available: formatAmount(balance + BigInt(a.netDebitCap ?? '0'), currency),
        };
      }),
    };
  }
}
