import { OperatorRole, can } from '@nostro/shared';
import { AuditRow } from './ops-audit.repository';
import { OpsOpenRecall } from './ops-host.port';
import { PaymentSummaryRow } from './ops-payments.repository';

/** What each role may see and do (docs/ops-console.md, Roles). The server builds every view from this. */
export const ROLE_CAN = {
  /** Debtor and creditor names, accounts and remittance information (customer data). */
  seeParties: (role: OperatorRole) => can(role, 'customer_data.read'),
  /** The audit log and who decided what on a held payment. */
  seeAudit: (role: OperatorRole) => can(role, 'audit.read'),
  decide: (role: OperatorRole) => can(role, 'payment.decide'),
  manageParticipants: (role: OperatorRole) => can(role, 'participant.manage'),
  /** Approve or reject another operator's call held for a second admin (dual control: admins only). */
  decideRequests: (role: OperatorRole) => can(role, 'request.decide'),
} as const;

export function capabilities(role: OperatorRole) {
  return {
    seeParties: ROLE_CAN.seeParties(role),
    seeAudit: ROLE_CAN.seeAudit(role),
    decide: ROLE_CAN.decide(role),
    manageParticipants: ROLE_CAN.manageParticipants(role),
    decideRequests: ROLE_CAN.decideRequests(role),
  };
}

export function paymentSummaryView(r: PaymentSummaryRow) {
  return {
    uetr: r.uetr,
    endToEndId: r.end_to_end_id,
    status: r.status,
    ...(r.reason ? { reason: r.reason } : {}),
    debtorParticipant: r.participant,
    creditorParticipant: r.creditor_participant,
    sourceCurrency: r.source_currency,
    targetCurrency: r.target_currency,
    sendAmount: r.send_amount,
    receiveAmount: r.receive_amount,
    totalDebit: r.total_debit,
    blockHeight: r.block_height === null ? null : Number(r.block_height),
    createdAt: r.created_at_iso,
    updatedAt: r.updated_at.toISOString(),
    ...summaryDeadline(r),
  };
}

/** The deadline a waiting payment runs against, named as the gateway's payment view names it (API.md). */
function summaryDeadline(r: PaymentSummaryRow): { queuedUntil?: string; reservedUntil?: string } {
  if (r.status === 'QUEUED' && r.queued_until) return { queuedUntil: r.queued_until.toISOString() };
  const reservedUntil = r.reserved_until ?? r.condition_expires_at;
  if (r.status === 'RESERVED' && reservedUntil) return { reservedUntil: reservedUntil.toISOString() };
  return {};
}

interface AdminPaymentExtras {
  approvals?: number;
  decisions?: { operator: { id: string; name: string }; decision: string; state: string; comment?: string; reason?: string; at: string }[];
}

/** The decisions on a held payment as the role may see them: a viewer learns how many approvals, not who gave them. */
export function decisionsView(extras: AdminPaymentExtras | null, role: OperatorRole) {
  if (!extras) return { approvals: null, decisions: [] };
  return {
    approvals: extras.approvals ?? null,
    decisions: ROLE_CAN.seeAudit(role) ? (extras.decisions ?? []) : [],
  };
}

/**
 * Removes customer data from a payment body for roles that may not see it: the parties, the remittance information,
 * and the free text of its recall (the debtor bank writes it about its customer).
 */
export function withoutParties<T extends Record<string, unknown>>(payment: T, role: OperatorRole): T {
  if (ROLE_CAN.seeParties(role)) return payment;
  const { debtor: _d, creditor: _c, remittanceInfo: _r, ...rest } = payment;
  const recall = rest.recall;
  if (recall && typeof recall === 'object' && 'comment' in recall) {
    const { comment: _m, ...withoutComment } = recall as Record<string, unknown>;
    return { ...rest, recall: withoutComment } as unknown as T;
  }
  return rest as T;
}

/** One row of the open recalls list: what waits on whom (the creditor bank must answer by `respondBy`). */
export function openRecallView(r: OpsOpenRecall, role: OperatorRole) {
  return {
    recallId: r.recallId,
    uetr: r.uetr,
    reason: r.reason,
    ...(r.comment && ROLE_CAN.seeParties(role) ? { comment: r.comment } : {}),
    requestedAt: r.requestedAt,
    respondBy: r.respondBy,
    debtor: r.debtor,
    creditor: r.creditor,
    amount: r.amount,
    currency: r.currency,
    waitingOn: r.creditor,
  };
}

/** A held operator call as `GET /v1/admin/requests` answers it. */
export interface AdminRequest {
  requestId: string;
  status: string;
  action: string;
  method: string;
  path: string;
  body: unknown;
  requestedBy?: { id: string; name: string };
  createdAt: string;
  expiresAt: string;
  decidedBy?: { id: string; name: string };
  decidedAt?: string;
  comment?: string;
  result?: { status: number; body: unknown };
}

/** Fields of an approved call's answer that are secrets: a created operator's token (shown once, to the approver). */
const SECRET_RESULT_FIELDS = new Set(['token']);

/**
 * A held operator call as the role may see it: who asked, who decided and why are the audit's (approvers and
 * admins, like the decisions on a held payment); `mine` marks the signed-in operator's own requests (four eyes: it
 * cannot decide them). The approved call's answer never carries a secret here, even if the gateway kept one.
 */
export function requestView(r: AdminRequest, operator: { id: string; role: OperatorRole }) {
  const { requestedBy, decidedBy, comment, result, ...rest } = r;
  const body = result && typeof result.body === 'object' && result.body !== null && !Array.isArray(result.body) ? result.body : null;
  const safeResult = result
    ? { status: result.status, body: body ? Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_RESULT_FIELDS.has(k))) : result.body }
    : undefined;
  return {
    ...rest,
    mine: requestedBy?.id === operator.id,
    ...(ROLE_CAN.seeAudit(operator.role) ? { requestedBy, decidedBy, comment } : {}),
    ...(safeResult ? { result: safeResult } : {}),
  };
}

export function auditView(r: AuditRow) {
  return {
    id: r.id,
    at: r.at.toISOString(),
    operator: r.operator_id ? { id: r.operator_id, name: r.operator_name, role: r.operator_role } : null,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    httpStatus: r.http_status,
    detail: r.detail,
    correlationId: r.correlation_id,
  };
}
