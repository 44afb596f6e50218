import { Body, Controller, Headers, Inject, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthedRequest, BankAuthGuard, participantOf } from '../auth/auth.guards';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { recallAcceptedSchema, recallAnswerSchema, returnAcceptedSchema } from '../http/api.schemas';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { ApiDoc, ProblemCode } from '../openapi/api-doc.decorator';
import { send } from '../http/reply';
import { Iso20022Service, IsoRequest } from './iso20022.service';
import { XML_MEDIA_TYPE, xmlDocSchema } from './xml-media';

const IDEMPOTENT: ProblemCode[] = [
  'validation_failed',
  'unsupported_media_type',
  'idempotency_key_required',
  'idempotency_conflict',
  'idempotency_in_progress',
];

/**
 * ISO 20022 messages in (docs/iso20022.md): signed like every request (RFC 9421 over the XML body's digest),
 * `Content-Type: application/xml`, up to 1 MiB, each with an Idempotency-Key. Errors stay problem+json.
 */
@Controller('v1/iso20022')
@UseGuards(BankAuthGuard)
@UseFilters(GatewayErrorFilter)
export class Iso20022Controller {
  constructor(@Inject(Iso20022Service) private readonly iso: Iso20022Service) {}

  @Post('pacs.008')
  @ApiDoc({
    summary: 'Payments as a pacs.008.001.09 (1 to 1,000 transactions), answered with a pacs.002.001.11',
    description:
      'Each CdtTrfTxInf is one payment: PmtId/TxId is the quote id, PmtId/UETR (optional) the uetr, IntrBkSttlmAmt must be the quote’s sendAmount and CdtrAgt its creditor. The answer has one TxInfAndSts per transaction, RCVD or RJCT with its ISO reason; nothing answered RCVD is rejected for its quote later.',
    tags: ['ISO 20022'],
    auth: 'bank',
    bodyContentType: 'application/xml',
    body: xmlDocSchema('pacs.008.001.09'),
    responses: {
      202: { description: 'A pacs.002.001.11 status report (application/xml)', schema: xmlDocSchema('pacs.002.001.11'), contentType: 'application/xml' },
    },
    problems: IDEMPOTENT,
    idempotency: 'required',
  })
  async pacs008(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return this.xml(reply, await this.iso.pacs008(this.request(req, body, key)));
  }

  @Post('camt.056')
  @ApiDoc({
    summary: 'Recall a settled payment with a camt.056.001.09',
    description: 'Undrlyg/TxInf/OrgnlUETR and CxlRsnInf/Rsn/Cd; answered like POST /v1/payments/{uetr}/recall (JSON).',
    tags: ['ISO 20022'],
    auth: 'bank',
    bodyContentType: 'application/xml',
    body: xmlDocSchema('camt.056.001.09'),
    responses: { 202: { description: 'Recall pending', schema: recallAcceptedSchema } },
    problems: [...IDEMPOTENT, 'not_found', 'payment_not_settled', 'recall_pending', 'payment_returned', 'service_unavailable'],
    idempotency: 'required',
  })
  async camt056(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.iso.camt056(this.request(req, body, key)));
  }

  @Post('camt.029')
  @ApiDoc({
    summary: 'Answer a recall with a camt.029.001.10',
    description:
      'CxlDtls/TxInfAndSts: CxlStsId CNCL accepts (returns the whole payment), RJCR rejects with CxlStsRsnInf/Rsn/Cd; answered like POST /v1/incoming-payments/{uetr}/recall/response (JSON).',
    tags: ['ISO 20022'],
    auth: 'bank',
    bodyContentType: 'application/xml',
    body: xmlDocSchema('camt.029.001.10'),
    responses: { 200: { description: 'The recall’s outcome', schema: recallAnswerSchema } },
    problems: [...IDEMPOTENT, 'not_found', 'recall_not_pending', 'return_exceeds_payment', 'service_unavailable'],
    idempotency: 'required',
  })
  async camt029(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.iso.camt029(this.request(req, body, key)));
  }

  @Post('pacs.004')
  @ApiDoc({
    summary: 'Return a payment received with a pacs.004.001.10',
    description:
      'TxInf/OrgnlUETR, RtrdIntrBkSttlmAmt in the target currency and RtrRsnInf/Rsn/Cd; answered like POST /v1/incoming-payments/{uetr}/return (JSON).',
    tags: ['ISO 20022'],
    auth: 'bank',
    bodyContentType: 'application/xml',
    body: xmlDocSchema('pacs.004.001.10'),
    responses: { 202: { description: 'Return submitted to the ledger', schema: returnAcceptedSchema } },
    problems: [...IDEMPOTENT, 'not_found', 'payment_not_settled', 'return_exceeds_payment', 'service_unavailable'],
    idempotency: 'required',
  })
  async pacs004(@Req() req: AuthedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown, @Headers('idempotency-key') key?: string) {
    return send(reply, await this.iso.pacs004(this.request(req, body, key)));
  }

  private request(req: AuthedRequest, body: unknown, key: string | undefined): IsoRequest {
    return {
      participant: participantOf(req),
      key: IdempotencyService.validateKey(key, true) as string,
      path: req.url.split('?')[0],
      rawBody: req.rawBody,
      body,
      correlationId: String(req.id),
    };
  }

  /** A pacs.002 answer is XML (a stored one too, on a replay); a problem stays problem+json. */
  private xml(reply: FastifyReply, result: HttpResult): unknown {
    const body = send(reply, result);
    if (result.status < 400) void reply.header('content-type', XML_MEDIA_TYPE);
    return body;
  }
}
