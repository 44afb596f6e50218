import { CustomerData } from '../customer-data/customer-data.service';
import { Logger, counter, PgListener } from '@nostro/platform';
import { signRequest } from '@nostro/shared-node';
import { Gauge, register } from 'prom-client';
import { GatewayConfig } from '../config';
import { LedgerClient } from '../ledger/ledger.client';
import { retryDelayMs } from './webhook.backoff';
import { DeliveryRow, WEBHOOK_CHANNEL, WebhookRepository } from './webhook.repository';
import { EgressRefusedError, WebhookEgress } from './webhook-egress';

const deliveries = counter('gateway_webhook_attempts_total', 'Webhook delivery attempts by result', ['result']);
const refusals = counter('gateway_webhook_egress_refused_total', 'Webhook attempts refused before connecting: the host is or resolves to a private address');
const failingGauge =
  (register.getSingleMetric('gateway_webhook_failing_endpoints') as Gauge | undefined) ??
  new Gauge({ name: 'gateway_webhook_failing_endpoints', help: 'Participants whose webhook endpoint keeps failing' });
const pendingGauge =
  (register.getSingleMetric('gateway_webhook_pending') as Gauge | undefined) ??
  new Gauge({ name: 'gateway_webhook_pending', help: 'Webhooks not yet delivered, by participant', labelNames: ['participant'] });

/** The key id of the network key that signs webhooks (API.md, GET /v1/keys). */
export const NETWORK_KEY_ID = 'nostro';
const HEALTH_INTERVAL_MS = 5_000;

/**
 * Delivers the webhook outbox: claims due rows (FOR UPDATE SKIP LOCKED, with a lease), POSTs each signed with the
 * network key (RFC 9421, keyid "nostro"), and records the outcome: delivered on a 2xx, otherwise retried after an
 * exponential, jittered delay until the give-up age, when it is abandoned for an operator to redeliver. Each attempt
 * resolves the endpoint's host itself and connects only to an address the egress rule allows (WebhookEgress).
 * Woken by NOTIFY when a delivery is queued; polls as a safety net. Nothing lives only in memory: a restart
 * resumes from the table.
 */
export class WebhookDispatcher {
  private readonly seed: Uint8Array;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastHealthAt = 0;

  constructor(
    private readonly config: GatewayConfig,
    private readonly listener: PgListener,
    private readonly repo: WebhookRepository,
    private readonly ledger: LedgerClient,
    private readonly egress: WebhookEgress,
    private readonly log: Logger,
    private readonly customerData: CustomerData,
  ) {
    this.seed = Buffer.from(config.networkSeed, 'base64url');
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listener.listen(
      WEBHOOK_CHANNEL,
      () => this.wake?.(),
      () => this.wake?.(),
    );
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.egress.close();
  }

  /**
   * Keeps up to WEBHOOK_CONCURRENCY deliveries in flight, at most WEBHOOK_ENDPOINT_CONCURRENCY of them to any one bank,
   * and claims more as soon as one finishes: a bank whose endpoint answers slowly (or not before the timeout) holds
   * its own share of the slots, never the other banks' deliveries, however many of its own are due.
   */
  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const perBank = new Map<string, number>();
    const leaseMs = this.config.WEBHOOK_TIMEOUT_MS + 10_000;
    while (this.running) {
      let claimed = 0;
      try {
        const free = this.config.WEBHOOK_CONCURRENCY - inFlight.size;
        if (free > 0) {
          const rows = await this.repo.claimDue(free, leaseMs, this.config.WEBHOOK_ENDPOINT_CONCURRENCY, perBank);
          claimed = rows.length;
          for (const row of rows) {
            perBank.set(row.participant, (perBank.get(row.participant) ?? 0) + 1);
            const delivery: Promise<void> = this.deliver(row)
              .catch((error: unknown) =>
                this.log.warn({ err: error, delivery: row.id }, 'webhook dispatcher: recording an attempt failed; the lease expires and it is retried'),
              )
              .finally(() => {
                const left = (perBank.get(row.participant) ?? 1) - 1;
                if (left > 0) perBank.set(row.participant, left);
                else perBank.delete(row.participant);
                inFlight.delete(delivery);
                this.wake?.();
              });
            inFlight.add(delivery);
          }
        }
        await this.reportHealth();
      } catch (error) {
        this.log.warn({ err: error }, 'webhook dispatcher: cycle failed; retrying');
      }
      // Woken by a finished delivery (a free slot) or a NOTIFY (a new one); the poll is the safety net.
      if (claimed === 0 || inFlight.size >= this.config.WEBHOOK_CONCURRENCY) await this.sleep(this.config.WEBHOOK_POLL_MS);
    }
    await Promise.allSettled(inFlight);
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    try {
      if (!row.webhook_url) return await this.fail(row, null, 'the participant has no webhook URL');
      const payload = await this.completePayload(row);
      if (!payload) return await this.fail(row, null, 'the finality proof is not available yet');
      // The outbox holds a placeholder for the parties; they are opened from the sealed payment for this delivery only.
      const status = await this.post(row.webhook_url, row.id, JSON.stringify(await this.customerData.fill(payload)));
      if (status >= 200 && status < 300) {
        deliveries.labels('delivered').inc();
        await this.repo.markDelivered(row.id, status);
      } else {
        await this.fail(row, status, `the endpoint answered ${status}`);
      }
    } catch (error) {
      if (error instanceof EgressRefusedError) refusals.inc();
      await this.fail(row, null, (error as Error).message ?? String(error));
    }
  }

  /**
   * `payment.received` carries the payment's finality proof (a conditional payment's: its fulfilment's) and `payment.returned` the return's, fetched from the
   * validators once and kept with the delivery.
   */
  private async completePayload(row: DeliveryRow): Promise<DeliveryRow['payload'] | null> {
    const txId = proofTransactionOf(row);
    if (txId === null || row.payload.data.finality) return row.payload;
    const finality = await this.ledger.finality(txId).catch(() => null);
    if (!finality) return null;
    const payload = { ...row.payload, data: { ...row.payload.data, finality } };
    await this.repo.savePayload(row.id, payload);
    return payload;
  }

  private async post(url: string, id: string, body: string): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id, 'user-agent': 'nostro-gateway' };
    const signature = signRequest({ method: 'POST', url, headers, body, keyId: NETWORK_KEY_ID, seed: this.seed });
    return this.egress.post(url, { ...headers, ...signature }, body, this.config.WEBHOOK_TIMEOUT_MS);
  }

  private async fail(row: DeliveryRow, httpStatus: number | null, error: string): Promise<void> {
    const failedAttempts = row.attempts + 1;
    const age = Date.now() - row.created_at.getTime();
    const giveUp = age >= this.config.WEBHOOK_GIVE_UP_AFTER_MS;
    deliveries.labels(giveUp ? 'abandoned' : 'failed').inc();
    const nextDelayMs = giveUp
      ? null
      : retryDelayMs(failedAttempts, { baseMs: this.config.WEBHOOK_BACKOFF_BASE_MS, maxMs: this.config.WEBHOOK_BACKOFF_MAX_MS });
    if (giveUp) this.log.error({ id: row.id, participant: row.participant, attempts: failedAttempts, error }, 'webhook abandoned');
    else if (failedAttempts >= this.config.WEBHOOK_FAILING_AFTER_ATTEMPTS)
      this.log.warn({ id: row.id, participant: row.participant, attempts: failedAttempts, error }, 'webhook endpoint keeps failing');
    await this.repo.markFailed(row.id, { httpStatus, error, nextDelayMs });
  }

  /** Refreshes the failing-endpoint and pending gauges, at most every few seconds. */
  private async reportHealth(): Promise<void> {
    if (Date.now() - this.lastHealthAt < HEALTH_INTERVAL_MS) return;
    this.lastHealthAt = Date.now();
    const endpoints = await this.repo.endpointHealth();
    pendingGauge.reset();
    for (const e of endpoints) pendingGauge.labels(e.participant).set(Number(e.pending));
    failingGauge.set(endpoints.filter((e) => (e.max_attempts ?? 0) >= this.config.WEBHOOK_FAILING_AFTER_ATTEMPTS || e.abandoned > 0n).length);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/**
 * The ledger transaction whose proof a delivery carries: the payment's (a conditional payment's fulfilment, named by
 * the delivery), or the return's; null for the others.
 */
export function proofTransactionOf(row: Pick<DeliveryRow, 'type' | 'uetr' | 'payload' | 'proof_tx_id'>): string | null {
  if (row.type === 'payment.received') return row.proof_tx_id ?? row.uetr;
  if (row.type !== 'payment.returned') return null;
  const ret = row.payload.data.return as { returnId?: unknown } | undefined;
  return typeof ret?.returnId === 'string' ? ret.returnId : null;
}
