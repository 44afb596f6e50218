import { ProblemError, problemBody } from '@nostro/platform';
import {
  CreditorPacs008,
  Pacs008Message,
  Pacs008Transaction,
  Statement,
  StatusReport,
  StatusReportTransaction,
  XmlRefusedError,
  buildCamt053,
  buildPacs002,
  buildPacs008,
  checkCondition,
  checkInbound,
  parseCamt029,
  parseCamt056,
  parsePacs004,
  parsePacs008,
  settlementDeadline,
  type Iso20022Schema,
  type PaymentCondition,
  type SettlementTime,
} from '@nostro/iso20022';
import {
  ISO20022_STATUS,
  PaymentStatus,
  RECALL_REASONS,
  RECALL_REJECT_REASONS,
  RETURN_REASONS,
  isoStatusReason,
  newMessageId,
  type RecallReason,
  type RecallRejectReason,
  type ReturnReason,
} from '@nostro/shared';
import { ExceptionsService } from '../exceptions/exceptions.service';
import { CONDITION_TTL_MS_MAX, QUEUE_FOR_S_MAX, type Condition } from '../http/api.schemas';
import { problem } from '../http/gateway.errors';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { LedgerClient } from '../ledger/ledger.client';
import { BatchInput, BatchItemResult, PaymentsService } from '../payments/payments.service';
import { StatementView } from '../statements/statements.service';

/** What a bank sent, as the controller hands it over. */
export interface IsoRequest {
  participant: string;
  key: string;
  path: string;
  rawBody: Buffer | undefined;
  body: unknown;
  correlationId: string;
}

type PaymentView = Awaited<ReturnType<PaymentsService['get']>>;

const pacs002Reason = (code: string): StatusReportTransaction['reason'] => {
  const iso = isoStatusReason(code);
  return iso.additionalInfo ? { code: iso.code, additionalInfo: iso.additionalInfo } : { code: iso.code };
};

/**
 * ISO 20022 at the gateway's edge (docs/iso20022.md): messages in are checked (hostile XML refused, then validated
 * against the official XSD) and mapped onto the JSON flows, which do the work — payments through the batch path,
 * recalls and returns through the way back; documents out are built from the same views the JSON API answers.
 */
export class Iso20022Service {
  constructor(
    private readonly payments: PaymentsService,
    private readonly exceptions: ExceptionsService,
    private readonly ledger: LedgerClient,
  ) {}

  /** `POST /v1/iso20022/pacs.008`: one payment per transaction, answered with a pacs.002 per transaction. */
  async pacs008(r: IsoRequest): Promise<HttpResult> {
    const message = parsePacs008(await this.inbound('pacs.008.001.09', r.body));
    const now = new Date();
    const items = message.transactions.map((tx) => this.batchInput(r.participant, tx, now));
    const hash = IdempotencyService.requestHash('POST', r.path, r.rawBody);
    return this.payments.createFromIso(r.participant, r.key, hash, items, r.correlationId, (results) => this.statusReport(message, results));
  }

  /** `POST /v1/iso20022/camt.056`: a recall, answered like `POST /v1/payments/{uetr}/recall`. */
  async camt056(r: IsoRequest): Promise<HttpResult> {
    const recall = parseCamt056(await this.inbound('camt.056.001.09', r.body));
    const reason = oneOf(RECALL_REASONS, recall.reason, 'CxlRsnInf/Rsn/Cd') as RecallReason;
    const body = { reason, ...(recall.additionalInfo ? { comment: recall.additionalInfo.slice(0, 500) } : {}) };
    return this.exceptions.recall({ ...this.ask(r, recall.uetr), body });
  }

  /** `POST /v1/iso20022/camt.029`: the creditor's answer to a recall (CNCL accept, RJCR reject with a reason). */
  async camt029(r: IsoRequest): Promise<HttpResult> {
    const answer = parseCamt029(await this.inbound('camt.029.001.10', r.body));
    const body =
      answer.decision === 'accept'
        ? { decision: 'accept' as const }
        : { decision: 'reject' as const, reason: oneOf(RECALL_REJECT_REASONS, answer.reason ?? '', 'CxlStsRsnInf/Rsn/Cd') as RecallRejectReason };
    return this.exceptions.respond({ ...this.ask(r, answer.uetr), body });
  }

  /** `POST /v1/iso20022/pacs.004`: a return, answered like `POST /v1/incoming-payments/{uetr}/return`. */
  async pacs004(r: IsoRequest): Promise<HttpResult> {
    const ret = parsePacs004(await this.inbound('pacs.004.001.10', r.body));
    const reason = oneOf(RETURN_REASONS, ret.reason, 'RtrRsnInf/Rsn/Cd') as ReturnReason;
    const payment = await this.payments.get(r.participant, ret.uetr, true);
    if (ret.amount.currency !== payment.targetCurrency) {
      throw problem('validation_failed', `the payment was received in ${payment.targetCurrency}`, [
        { path: 'RtrdIntrBkSttlmAmt/@Ccy', message: `must be ${payment.targetCurrency}` },
      ]);
    }
    return this.exceptions.giveBack({ ...this.ask(r, ret.uetr), body: { reason, amount: ret.amount.amount } });
  }

  /** The debtor's pacs.002 for one payment: its current TxSts (and reason when rejected). */
  paymentStatus(view: PaymentView): string {
    const status = ISO20022_STATUS[view.status as PaymentStatus] ?? 'PDNG';
    return buildPacs002({
      messageId: messageId(),
      createdAt: new Date(),
      // The gateway keeps no message id of the original instruction: the payment's UETR, without hyphens (Max35Text), names it.
      originalMessageId: view.uetr.replace(/-/g, ''),
      originalMessageNameId: 'pacs.008.001.09',
      transactions: [
        {
          uetr: view.uetr,
          endToEndId: view.endToEndId,
          txId: view.quote.id,
          status,
          ...(view.status === 'REJECTED' && view.reason ? { reason: pacs002Reason(view.reason) } : {}),
        },
      ],
    });
  }

  /**
   * The creditor's pacs.008: the payment as a correspondent would have sent it, settled on the block's date. A party
   * whose customer data was erased reads `ERASED` (name and account), as the JSON view reads `{ erased: true }`.
   */
  async incomingPayment(view: PaymentView): Promise<string> {
    const settledAt = view.block ? await this.ledger.blockTime(view.block.height).catch(() => Date.parse(view.createdAt)) : Date.parse(view.createdAt);
    const doc: CreditorPacs008 = {
      messageId: messageId(),
      createdAt: new Date(),
      settlementDate: new Date(settledAt).toISOString().slice(0, 10),
      uetr: view.uetr,
      endToEndId: view.endToEndId,
      txId: view.quote.id,
      interbankSettlementAmount: { amount: view.receiveAmount, currency: view.targetCurrency },
      instructedAmount: { amount: view.sendAmount, currency: view.sourceCurrency },
      exchangeRate: view.quote.rate,
      charges: view.quote.fees.map((f) => ({ amount: { amount: f.amount, currency: f.currency }, agent: view.debtorParticipant })),
      debtor: partyOrErased(view.debtor),
      creditor: partyOrErased(view.creditor),
      debtorAgent: view.debtorParticipant,
      creditorAgent: view.creditorParticipant,
      ...(view.remittanceInfo ? { remittanceInfo: view.remittanceInfo } : {}),
    };
    return buildPacs008(doc);
  }

  /** camt.053 of a statement the JSON API built. */
  statement(s: StatementView, owner: string): string {
    const doc: Statement = {
      messageId: messageId(),
      createdAt: new Date(),
      statementId: `${s.account}-${s.fromHeight}-${s.toHeight}`.slice(0, 35),
      account: { id: s.account, currency: s.currency, owner },
      from: new Date(s.from),
      to: new Date(s.to),
      interim: s.interim,
      openingBalance: { amount: s.openingBalance, currency: s.currency },
      closingBalance: { amount: s.closingBalance, currency: s.currency },
      entries: s.entries.map((e) => ({
        entryRef: e.entryId,
        amount: { amount: e.amount, currency: s.currency },
        direction: e.direction,
        bookingDate: new Date(e.at),
        status: 'BOOK',
        kind: e.kind,
        ...(e.uetr ? { uetr: e.uetr } : {}),
        ...(e.endToEndId ? { endToEndId: e.endToEndId } : {}),
        ...(e.counterparty ? { counterparty: e.counterparty } : {}),
        ...(e.reference ? { reference: e.reference } : {}),
      })),
    };
    return buildCamt053(doc);
  }

  /** Hostile XML refused, then the official XSD: `400 validation_failed` with the schema's messages. */
  private async inbound(schema: Iso20022Schema, body: unknown): Promise<string> {
    if (typeof body !== 'string') throw problem('validation_failed', 'an XML document is required', [{ path: '(body)', message: 'not XML' }]);
    try {
      await checkInbound(schema, body);
    } catch (error) {
      if (!(error instanceof XmlRefusedError)) throw error;
      throw problem(
        'validation_failed',
        `not a valid ${schema} document: ${error.message}`,
        error.issues.map((i) => ({ path: i.path, message: i.message })),
      );
    }
    return body;
  }

  /** A pacs.008 transaction as a payment request: its quote must pay exactly its amount, to its creditor agent. */
  private batchInput(participant: string, tx: Pacs008Transaction, now: Date): BatchInput {
    const liquidity = tx.settlementTime ? queueUntil(tx.settlementTime, now) : undefined;
    const condition = tx.condition ? conditionOf(tx.condition, now) : undefined;
    const body = {
      quoteId: tx.quoteId,
      endToEndId: tx.endToEndId,
      debtor: tx.debtor,
      creditor: tx.creditor,
      ...(tx.remittanceInfo ? { remittanceInfo: tx.remittanceInfo } : {}),
      ...(liquidity && 'queueFor' in liquidity ? { liquidity: { onShortfall: 'queue', queueFor: liquidity.queueFor } } : {}),
      ...(condition && 'condition' in condition ? { condition: condition.condition } : {}),
    };
    const input: BatchInput = {
      body,
      ...(tx.uetr ? { uetr: tx.uetr } : {}),
      expect: { sendAmount: tx.amount, sourceCurrency: tx.currency, creditorParticipant: tx.creditorAgent },
    };
    if (tx.debtorAgent !== participant) {
      input.refused = problemBody(problem('debtor_agent_mismatch', `DbtrAgt must be the sender, ${participant}`));
    } else if (liquidity && 'refused' in liquidity) {
      input.refused = problemBody(liquidity.refused);
    } else if (condition && 'refused' in condition) {
      input.refused = problemBody(condition.refused);
    }
    return input;
  }

  /** The pacs.002 answer: RCVD or RJCT (with its ISO reason) per transaction, in order. */
  private statusReport(message: Pacs008Message, results: BatchItemResult[]): string {
    const transactions: StatusReportTransaction[] = results.map((result, i) => {
      const tx = message.transactions[i];
      const base = { endToEndId: tx.endToEndId, txId: tx.quoteId };
      if ('problem' in result) return { ...base, ...(tx.uetr ? { uetr: tx.uetr } : {}), status: 'RJCT', reason: pacs002Reason(result.problem.code) };
      const rejected = result.status === 'REJECTED';
      return { ...base, uetr: result.uetr, status: rejected ? 'RJCT' : 'RCVD', ...(rejected && result.reason ? { reason: pacs002Reason(result.reason) } : {}) };
    });
    const rejected = transactions.filter((t) => t.status === 'RJCT').length;
    const groupStatus = rejected === 0 ? 'RCVD' : rejected === transactions.length ? 'RJCT' : 'PART';
    const report: StatusReport = {
      messageId: messageId(),
      createdAt: new Date(),
      originalMessageId: message.messageId,
      originalMessageNameId: 'pacs.008.001.09',
      originalCreatedAt: message.createdAt,
      groupStatus,
      transactions,
    };
    return buildPacs002(report);
  }

  private ask(r: IsoRequest, uetr: string) {
    return { participant: r.participant, uetr, key: r.key, rawBody: r.rawBody, correlationId: r.correlationId, hashPath: r.path };
  }
}

/**
 * `SttlmTmReq/TillTm` as a liquidity instruction (docs/iso20022.md): settle by then, waiting in the debtor account's
 * queue if short of funds, for the whole seconds from `now` to that instant; refused unless that is 1 s to 24 h.
 */
export function queueUntil(time: SettlementTime, now: Date): { queueFor: number } | { refused: ProblemError } {
  let deadline: Date;
  try {
    deadline = settlementDeadline(time, now);
  } catch (error) {
    if (!(error instanceof XmlRefusedError)) throw error;
    return { refused: problem('validation_failed', error.message, error.issues) };
  }
  const queueFor = Math.floor((deadline.getTime() - now.getTime()) / 1_000);
  if (queueFor >= 1 && queueFor <= QUEUE_FOR_S_MAX) return { queueFor };
  const when = queueFor < 1 ? 'has passed' : 'is more than 24 h ahead';
  const detail = `SttlmTmReq/TillTm ${time.tillTime}${time.settlementDate ? ` on ${time.settlementDate}` : ''} (${deadline.toISOString()}) ${when}: it must be 1 s to 24 h from now`;
  return { refused: problem('validation_failed', detail, [{ path: time.path, message: 'must be 1 s to 86400 s from now' }]) };
}

/**
 * A transaction's `SplmtryData` condition as the JSON API's (docs/iso20022.md "Conditions"), by the same rules:
 * Tp SHA256, Hash 64 lower-case hex digits, XpryDtTm after `now` and at most CONDITION_TTL_MS_MAX (30 days) ahead;
 * otherwise refused as 400 validation_failed naming the element.
 */
export function conditionOf(c: PaymentCondition, now: Date): { condition: Condition } | { refused: ProblemError } {
  let condition: Condition;
  try {
    condition = checkCondition(c);
  } catch (error) {
    if (!(error instanceof XmlRefusedError)) throw error;
    return { refused: problem('validation_failed', error.message, error.issues) };
  }
  const aheadMs = Date.parse(condition.expiresAt) - now.getTime();
  if (aheadMs > 0 && aheadMs <= CONDITION_TTL_MS_MAX) return { condition };
  const path = `${c.path}/XpryDtTm`;
  const message = aheadMs <= 0 ? 'must lie in the future' : 'must lie at most 30 days ahead';
  return { refused: problem('validation_failed', `${path} ${c.expiresAt} ${message}`, [{ path, message }]) };
}

function oneOf(allowed: readonly string[], value: string, path: string): string {
  if (!allowed.includes(value))
    throw problem('validation_failed', `${path} must be one of ${allowed.join(', ')}`, [{ path, message: `not one of ${allowed.join(', ')}` }]);
  return value;
}

/** A message id: 35 characters at most (Max35Text). */
const messageId = (): string => `NOSTRO-${newMessageId().replace(/-/g, '').slice(0, 28)}`;

function partyOrErased(party: PaymentView['debtor']): CreditorPacs008['debtor'] {
  return party && 'name' in party ? party : { name: 'ERASED', account: 'ERASED' };
}
