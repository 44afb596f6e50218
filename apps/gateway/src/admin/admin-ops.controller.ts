import { DualControl, DualControlInterceptor } from '../approvals/dual-control';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { z } from 'zod';
import {
  deliveriesQuerySchema,
  deliverySchema,
  endpointHealthSchema,
  hitsQuerySchema,
  pageOf,
  screeningHitSchema,
  screeningLimitsSchema,
  screeningLimitsViewSchema,
  screeningStatusSchema,
  webhookEventSchema,
} from '../http/api.schemas';
import { OperatorGuard } from '../auth/auth.guards';
import { ParticipantIdParam, UuidParam } from '../auth/path-params';
import { Requires } from '@nostro/platform';
import { GatewayErrorFilter } from '../http/gateway-error.filter';
import { ApiDoc, ok } from '../openapi/api-doc.decorator';
import { ScreeningAdminService } from '../screening/screening-admin.service';
import { WebhookAdminService } from '../webhooks/webhook-admin.service';

/** Operator endpoints for screening (sanctions list, limits, decisions) and webhook delivery health. */
@UseInterceptors(DualControlInterceptor)
@Controller('v1/admin')
@UseGuards(OperatorGuard)
@UseFilters(GatewayErrorFilter)
export class AdminOpsController {
  constructor(
    @Inject(ScreeningAdminService) private readonly screening: ScreeningAdminService,
    @Inject(WebhookAdminService) private readonly webhooks: WebhookAdminService,
  ) {}

  @Get('screening')
  @ApiDoc({
    summary: 'The sanctions list in force',
    tags: ['Screening'],
    auth: 'operator',
    responses: ok('File, entries, version, hash, load time', screeningStatusSchema),
  })
  screeningStatus() {
    return this.screening.status();
  }

  @Post('screening/reload')
  @Requires('screening.reload')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Reload the sanctions list file',
    description: 'A file that does not load leaves the current list in force (422 screening_list_invalid). SIGHUP does the same.',
    tags: ['Screening'],
    auth: 'operator',
    responses: ok('The list now in force', screeningStatusSchema),
    problems: ['screening_list_invalid'],
  })
  reload() {
    return this.screening.reload();
  }

  @Get('screening/hits')
  @ApiDoc({
    summary: 'Screening decisions (newest first)',
    description: 'Sanctions hits, possible matches held, limits exceeded, with the reason.',
    tags: ['Screening'],
    auth: 'operator',
    query: hitsQuerySchema,
    responses: ok('One page', pageOf(screeningHitSchema)),
  })
  hits(@Query() query: Record<string, string>) {
    return this.screening.hits(query);
  }

  @Get('participants/:id/screening-limits')
  @ApiDoc({
    summary: 'A participant’s amount and velocity limits',
    tags: ['Screening'],
    auth: 'operator',
    responses: ok('Limits per currency', z.object({ data: z.array(screeningLimitsViewSchema) })),
  })
  limits(@Param('id', ParticipantIdParam) id: string) {
    return this.screening.limits(id);
  }

  @Put('participants/:id/screening-limits')
  @DualControl()
  @Requires('participant.screening_limits')
  @ApiDoc({
    summary: 'Set a participant’s amount and velocity limits in one currency',
    description: 'A payment above maxAmount, or beyond the velocity limit over the window, is refused with 422 limit_exceeded. null removes a limit.',
    tags: ['Screening'],
    auth: 'operator',
    body: screeningLimitsSchema,
    responses: ok('The limits in force', screeningLimitsViewSchema),
    problems: ['validation_failed', 'not_found'],
  })
  setLimits(@Param('id', ParticipantIdParam) id: string, @Body() body: unknown) {
    return this.screening.setLimits(id, body);
  }

  @Get('webhooks/endpoints')
  @ApiDoc({
    summary: 'Webhook endpoint health per participant',
    description: 'failing: the oldest pending delivery failed WEBHOOK_FAILING_AFTER_ATTEMPTS times, or one was abandoned.',
    tags: ['Webhooks'],
    auth: 'operator',
    responses: ok('Endpoints', z.object({ data: z.array(endpointHealthSchema) })),
  })
  endpoints() {
    return this.webhooks.endpoints();
  }

  @Get('webhooks/deliveries')
  @ApiDoc({
    summary: 'Webhook deliveries (newest first)',
    tags: ['Webhooks'],
    auth: 'operator',
    query: deliveriesQuerySchema,
    responses: ok('One page', pageOf(deliverySchema)),
  })
  deliveries(@Query() query: Record<string, string>) {
    return this.webhooks.deliveries(query);
  }

  @Get('webhooks/deliveries/:id')
  @ApiDoc({
    summary: 'One webhook delivery with its body',
    tags: ['Webhooks'],
    auth: 'operator',
    responses: ok('The delivery', deliverySchema.extend({ payload: webhookEventSchema })),
    problems: ['not_found'],
  })
  delivery(@Param('id', UuidParam) id: string) {
    return this.webhooks.delivery(id);
  }

  @Post('webhooks/deliveries/:id/redeliver')
  @Requires('webhook.redeliver')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Queue an undelivered (or abandoned) webhook again now',
    tags: ['Webhooks'],
    auth: 'operator',
    responses: ok('The delivery', deliverySchema),
    problems: ['not_found'],
  })
  redeliver(@Param('id', UuidParam) id: string) {
    return this.webhooks.redeliver(id);
  }
}
