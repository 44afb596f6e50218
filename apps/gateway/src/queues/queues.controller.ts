import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { OperatorGuard } from '../auth/auth.guards';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { queuePageSchema, queuesQuerySchema } from './queues.schemas';
import { QueuesService } from './queues.service';

/** Operators' view of the liquidity queues (API.md "Liquidity queue"); thin: validate, call, map. */
@Controller('v1/admin')
@UseGuards(OperatorGuard)
export class QueuesController {
  constructor(@Inject(QueuesService) private readonly queues: QueuesService) {}

  @Get('queues')
  @ApiDoc({
    summary: 'Every liquidity queue: what waits, for how long, and for how much',
    description:
      'As of the last block the first validator that answers applied (queues change only in blocks). One queue per debtor account with payments waiting for funds, in account order; ' +
      '`shortfall` is what it waits for (queued − (balance + netDebitCap), at least zero). Entries in release order (FIFO). Cancel one with POST /v1/admin/payments/{uetr}/cancel.',
    tags: ['Payments (operators)'],
    auth: 'operator',
    query: queuesQuerySchema,
    responses: { 200: { description: 'One page', schema: queuePageSchema } },
    problems: ['validation_failed', 'service_unavailable'],
  })
  list(@Query() query: Record<string, string>) {
    return this.queues.list(query);
  }
}
