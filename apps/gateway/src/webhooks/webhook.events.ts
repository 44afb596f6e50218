import { newMessageId } from '@nostro/shared';
import { recallView, returnView } from '../exceptions/exception.view';
import { PaymentExceptions, RecallRow, ReturnRow } from '../exceptions/exceptions.repository';
import { PARTIES_LATER, paymentView } from '../payments/payment.view';
import { PaymentRow, TimelineRow } from '../payments/payments.repository';
import { NewDelivery, WebhookType } from './webhook.repository';

/**
 * Who hears of a status: the debtor of every final, held or queued status, the creditor once the payment is final;
 * both of a reservation in escrow (the creditor holds, or will be given, what fulfils it).
 */
const RECIPIENTS: Record<string, { debtor?: WebhookType; creditor?: WebhookType }> = {
  HELD: { debtor: 'payment.held' },
  QUEUED: { debtor: 'payment.queued' },
  RESERVED: { debtor: 'payment.reserved', creditor: 'payment.reserved' },
  SETTLED: { debtor: 'payment.settled', creditor: 'payment.received' },
  REJECTED: { debtor: 'payment.rejected' },
  CANCELLED: { debtor: 'payment.cancelled' },
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
 * view (with the parties it needs to credit its customer: a placeholder here, filled in from the sealed payment at each
 * delivery, so that the outbox holds no customer data), to which the dispatcher adds the finality proof.
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
    const payment = paymentView(change.payment, change.timeline, PARTIES_LATER);
    out.push({
      id,
      participant: change.payment.creditor_participant,
      type: recipients.creditor,
      uetr,
      sourceId: change.sourceId,
      payload: { id, type: recipients.creditor, occurredAt, data: { payment } },
      // A fulfilled escrow's proof is its fulfilment's (the reservation's leaf paid nobody).
      ...(change.status === 'SETTLED' && change.payment.ledger_tx_id ? { proofTxId: change.payment.ledger_tx_id } : {}),
    });
  }
  return out;
}

/** A recall or return change with what its webhooks carry (the payment as of that change, with its exceptions). */
export interface ExceptionChangeForWebhooks {
  sourceId: string;
  at: Date;
  payment: PaymentRow;
  timeline: TimelineRow[];
  exceptions: PaymentExceptions;
  webhookUrls: { debtor: string | null; creditor: string | null };
  recall?: RecallRow;
  ret?: ReturnRow;
}

/**
 * Webhooks of the way back (API.md): the creditor hears of a recall (`payment.recall_requested`) and of its own
 * returns' outcomes (`return.settled` / `return.rejected`); the debtor of a recall's resolution
 * (`payment.recall_resolved`) and of each settled return (`payment.returned`, to which the dispatcher adds the
 * return's finality proof).
 */
export function exceptionWebhooks(change: ExceptionChangeForWebhooks): NewDelivery[] {
  const out: NewDelivery[] = [];
  const occurredAt = change.at.toISOString();
  const uetr = change.payment.uetr;
  const send = (to: 'debtor' | 'creditor', type: WebhookType, extra: Record<string, unknown>) => {
    if (!change.webhookUrls[to]) return;
    const id = newMessageId();
    const payment = paymentView(change.payment, change.timeline, to === 'creditor' ? PARTIES_LATER : null, change.exceptions);
    const participant = to === 'debtor' ? change.payment.participant : change.payment.creditor_participant;
    out.push({ id, participant, type, uetr, sourceId: change.sourceId, payload: { id, type, occurredAt, data: { payment, ...extra } } });
  };
  if (change.recall) {
    const recall = recallView(change.recall);
    if (change.recall.status === 'PENDING') send('creditor', 'payment.recall_requested', { recall });
    else send('debtor', 'payment.recall_resolved', { recall });
  }
  if (change.ret) {
    const ret = returnView(change.ret);
    if (change.ret.status === 'SETTLED') {
      send('debtor', 'payment.returned', { return: ret });
      send('creditor', 'return.settled', { return: ret });
    } else if (change.ret.status === 'REJECTED') {
      send('creditor', 'return.rejected', { return: ret });
    }
  }
  return out;
}
