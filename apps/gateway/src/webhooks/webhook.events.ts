import { newMessageId } from '@nostro/shared';
import { paymentView } from '../payments/payment.view';
import { PaymentRow, TimelineRow } from '../payments/payments.repository';
import { NewDelivery, WebhookType } from './webhook.repository';

/** Who hears of a status: the debtor of every final or held status, the creditor once the payment is final. */
const RECIPIENTS: Record<string, { debtor?: WebhookType; creditor?: WebhookType }> = {
  HELD: { debtor: 'payment.held' },
  SETTLED: { debtor: 'payment.settled', creditor: 'payment.received' },
  REJECTED: { debtor: 'payment.rejected' },
};

/** Whether a status causes any webhook (to whom depends on the participants' webhook URLs). */
export function hasWebhooks(status: string): boolean {
  return RECIPIENTS[status] !== undefined;
}

export interface StatusChangeForWebhooks {
  /** What caused it: a settlement event id, or `gateway:<uetr>:<status>` for the gateway's own decisions. */
  sourceId: string;
  status: string;
  at: Date;
  payment: PaymentRow;
  timeline: TimelineRow[];
  webhookUrls: { debtor: string | null; creditor: string | null };
}

/**
 * The webhooks a status change causes. The debtor gets its own view of the payment; the creditor gets the incoming
 * view (with the parties it needs to credit its customer), to which the dispatcher adds the finality proof.
 * Participants without a webhook URL get none.
 */
export function webhooksFor(change: StatusChangeForWebhooks): NewDelivery[] {
  const recipients = RECIPIENTS[change.status] ?? {};
  const out: NewDelivery[] = [];
  const occurredAt = change.at.toISOString();
  const uetr = change.payment.uetr;
  if (recipients.debtor && change.webhookUrls.debtor) {
    const id = newMessageId();
    const payment = paymentView(change.payment, change.timeline);
    out.push({
      id,
      participant: change.payment.participant,
      type: recipients.debtor,
      uetr,
      sourceId: change.sourceId,
      payload: { id, type: recipients.debtor, occurredAt, data: { payment } },
    });
  }
  if (recipients.creditor && change.webhookUrls.creditor) {
    const id = newMessageId();
    const payment = paymentView(change.payment, change.timeline, true);
    out.push({
      id,
      participant: change.payment.creditor_participant,
      type: recipients.creditor,
      uetr,
      sourceId: change.sourceId,
      payload: { id, type: recipients.creditor, occurredAt, data: { payment } },
    });
  }
  return out;
}
