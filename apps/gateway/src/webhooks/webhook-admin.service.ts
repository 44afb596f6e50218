import { CustomerData } from '../customer-data/customer-data.service';
import { webhooksError } from './webhooks.errors';
import { parseOrProblem, ListCursorCodec } from '@nostro/platform';
import { z } from 'zod';
import { deliveriesQuerySchema } from '../http/api.schemas';
import { GatewayConfig } from '../config';
import { DeliveryRow, EndpointHealthRow, WebhookRepository } from './webhook.repository';

function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    participant: row.participant,
    type: row.type,
    uetr: row.uetr,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

/** Operator views of webhooks: which endpoints keep failing, every delivery, and redelivery. */
export class WebhookAdminService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly repo: WebhookRepository,
    private readonly cursors: ListCursorCodec,
    private readonly customerData: CustomerData,
  ) {}

  async endpoints() {
    const rows = await this.repo.endpointHealth();
    return { data: rows.map((r) => this.endpointView(r)) };
  }

  private endpointView(r: EndpointHealthRow) {
    const failing = (r.max_attempts ?? 0) >= this.config.WEBHOOK_FAILING_AFTER_ATTEMPTS || r.abandoned > 0n;
    return {
      participant: r.participant,
      webhookUrl: r.webhook_url,
      state: failing ? 'failing' : 'healthy',
      pending: Number(r.pending),
      abandoned: Number(r.abandoned),
      oldestPendingAt: r.oldest_pending_at?.toISOString() ?? null,
      maxAttempts: r.max_attempts ?? 0,
      lastError: r.last_error,
      lastDeliveredAt: r.last_delivered_at?.toISOString() ?? null,
    };
  }

  async deliveries(query: unknown) {
    const q = parseOrProblem(deliveriesQuerySchema, query, 'query');
    const after = q.cursor ? this.cursors.decodeTime('webhook-deliveries', q.cursor) : undefined;
    const rows = await this.repo.list({ participant: q.participant, status: q.status, uetr: q.uetr, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(deliveryView),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('webhook-deliveries', { at: last.cursor_at, id: last.id }) : null,
    };
  }

  async delivery(id: string) {
    const row = z.uuid().safeParse(id).success ? await this.repo.find(id) : null;
    if (!row) throw webhooksError('not_found', 'no such webhook delivery');
    return this.withPayload(row);
  }

  /** Answers with the delivery as it was put back (pending): a dispatcher may deliver it before the answer is sent. */
  async redeliver(id: string) {
    const row = z.uuid().safeParse(id).success ? await this.repo.redeliver(id) : null;
    if (!row) throw webhooksError('not_found', 'no such undelivered webhook');
    return this.withPayload(row);
  }

  private async withPayload(row: DeliveryRow) {
    return { ...deliveryView(row), payload: await this.customerData.fill(row.payload) };
  }
}
