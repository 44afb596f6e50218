import type { OperatorRole, QueueEntryView, QueuePageView, QueueView, StatementEntryView, StatementView } from '@nostro/shared';

/** An operator as the operator API knows it (a token that is unknown or revoked names none). */
export interface OpsOperator {
  id: string;
  name: string;
  role: OperatorRole;
}

/** A payment as `GET /v1/payments/{uetr}` shows it (timeline, block), with its debtor, creditor and remittance information. */
export type OpsPaymentView = { uetr: string } & Record<string, unknown>;

/** A registered participant as the operator API shows it. */
export interface OpsParticipantView {
  id: string;
  name: string;
  currencies: string[];
  webhookUrl: string | null;
  status: string;
}

/** A request-signing key of a participant as the operator API shows it. */
export interface OpsKeyView {
  keyId: string;
  participant: string;
  publicKey: string;
  createdAt: string;
  revokedAt: string | null;
}

/** One account of a participant as of the ledger's last final block; amounts in minor units. */
export interface OpsLedgerAccount {
  account: string;
  currency: string;
  balance: string;
  netDebitCap: string | null;
}

/** The delivery health of one participant's webhook endpoint, as the operator API shows it. */
export interface OpsWebhookEndpoint {
  participant: string;
  state: string;
  pending: number;
  abandoned: number;
  maxAttempts: number;
  lastError: string | null;
}

/** A recall still waiting for the creditor bank's answer, with the payment it recalls (participants, not customers). */
export interface OpsOpenRecall {
  recallId: string;
  uetr: string;
  /** ISO 20022 cancellation reason (API.md "Cancel, recall, return"). */
  reason: string;
  /** The debtor bank's free text; may name customers. */
  comment: string | null;
  requestedAt: string;
  respondBy: string;
  /** Debtor and creditor participant ids. */
  debtor: string;
  creditor: string;
  /** The payment's receive amount (a decimal string) in its target currency. */
  amount: string;
  currency: string;
  /** The keyset position of the row: `respondBy` exact to the microsecond (list-cursor.ts `TimeKeyset.at`). */
  cursorAt: string;
}

/** A participant's account statement and its entries, as the bank API answers them (libs/shared). */
export type OpsStatementEntry = StatementEntryView;
export type OpsStatementView = StatementView;

/** Which statement: a UTC day (YYYY-MM-DD), or a range of block heights; neither is the whole chain. */
export interface OpsStatementQuery {
  date?: string;
  fromHeight?: number;
  toHeight?: number;
}

/** A liquidity queue's payment, a debtor account's queue and a page of them: the gateway's own views (libs/shared). */
export type OpsQueueEntry = QueueEntryView;
export type OpsQueue = QueueView;
export type OpsQueuePage = QueuePageView;

/** Which queues: a debtor participant, a currency, a page size and the operator API's own cursor. */
export interface OpsQueuesQuery {
  participant?: string;
  currency?: string;
  limit: number;
  cursor?: string;
}

/**
 * What the operations console reads from the service that hosts it: the port the gateway implements and passes in
 * when it mounts the console (OpsConsoleModule.register). Each answer is the gateway's own API view of the thing,
 * so the console shows what the bank and operator APIs show; a ProblemError a method throws (no validator answers,
 * a proof is not final yet) is answered to the console as it is.
 */
export interface OpsConsoleHost {
  /** The operator whose token has this SHA-256 (hex), or null when it is unknown or revoked. */
  operatorByTokenHash(tokenHash: string): Promise<OpsOperator | null>;
  /** One payment (lower-case UETR) with its parties and timeline, or null when there is none. */
  payment(uetr: string): Promise<OpsPaymentView | null>;
  /** Registered participants, at most `limit`. */
  participants(limit: number): Promise<OpsParticipantView[]>;
  participant(id: string): Promise<OpsParticipantView | null>;
  participantKeys(id: string): Promise<OpsKeyView[]>;
  /** The participant's screening limits, as `GET /v1/admin/participants/{id}/screening-limits` answers. */
  screeningLimits(id: string): Promise<{ data: unknown[] }>;
  /** Every webhook endpoint's delivery health, as `GET /v1/admin/webhooks/endpoints` answers. */
  webhookEndpoints(): Promise<{ data: OpsWebhookEndpoint[] }>;
  /** The participant's balances and limits as of the last final block the validators have. */
  ledgerBalances(participant: string): Promise<{ height: number; accounts: OpsLedgerAccount[] }>;
  /** A transaction's finality proof as the ledger serves it: a payment's by its UETR, a return's by its returnId. */
  finality(id: string): Promise<unknown>;
  /** Pending recalls, soonest `respondBy` first (then by recallId), after the keyset position `after`; at most `limit`. */
  openRecalls(limit: number, after?: { at: string; id: string }): Promise<OpsOpenRecall[]>;
  /**
   * The statement of one of the participant's accounts, as the bank itself gets it; a currency it holds no account in
   * (or a participant that does not exist) is a `not_found` problem, more than the bank API allows `statement_too_large`.
   */
  statement(participant: string, currency: string, query: OpsStatementQuery): Promise<OpsStatementView>;
  /** The same statement as the ISO 20022 camt.053.001.08 document the bank gets with `Accept: application/xml`. */
  statementXml(participant: string, currency: string, query: OpsStatementQuery): Promise<string>;
  /**
   * Non-empty liquidity queues, as `GET /v1/admin/queues` answers them (the same service): a cursor that is not that
   * list's is a `validation_failed` problem, no validator answering `service_unavailable`.
   */
  queues(query: OpsQueuesQuery): Promise<OpsQueuePage>;
}
