import { OpsAdminForwarder, ForwardedAnswer } from './ops-admin.forwarder';
import { AuditOutcome, OpsAuditRepository } from './ops-audit.repository';
import { OpsSession } from './ops-session.service';

/** The operator actions the console offers, each mapped to the operator API endpoint that performs it. */
export const OPS_ACTIONS = {
  'payment.decision': { method: 'POST', path: (id: string) => `/v1/admin/payments/${encodeURIComponent(id)}/decisions` },
  'payment.cancel': { method: 'POST', path: (id: string) => `/v1/admin/payments/${encodeURIComponent(id)}/cancel` },
  'participant.deposit': { method: 'POST', path: (id: string) => `/v1/admin/participants/${encodeURIComponent(id)}/deposits` },
  'participant.withdrawal': { method: 'POST', path: (id: string) => `/v1/admin/participants/${encodeURIComponent(id)}/withdrawals` },
  'participant.limits': { method: 'PUT', path: (id: string) => `/v1/admin/participants/${encodeURIComponent(id)}/limits` },
  'participant.suspend': { method: 'POST', path: (id: string) => `/v1/admin/participants/${encodeURIComponent(id)}/suspend` },
  'participant.resume': { method: 'POST', path: (id: string) => `/v1/admin/participants/${encodeURIComponent(id)}/resume` },
  'request.approve': { method: 'POST', path: (id: string) => `/v1/admin/requests/${encodeURIComponent(id)}/approve` },
  'request.reject': { method: 'POST', path: (id: string) => `/v1/admin/requests/${encodeURIComponent(id)}/reject` },
} as const;
export type OpsActionName = keyof typeof OPS_ACTIONS;

const DETAIL_TEXT_MAX = 500;
const REQUEST_JSON_MAX = 2_000;

/**
 * Performs an operator action through the operator API as the signed-in operator, and records it in the audit
 * log with its outcome whatever that is: `ok` (2xx), `refused` (a 4xx problem: validation, not held, already
 * decided…), `failed` (5xx or no answer). The audit row is written before the answer goes back.
 */
export class OpsActionsService {
  constructor(
    private readonly forwarder: OpsAdminForwarder,
    private readonly audit: OpsAuditRepository,
  ) {}

  async perform(
    session: OpsSession,
    a: { action: OpsActionName; target: string; body?: unknown; idempotencyKey?: string; correlationId: string },
  ): Promise<ForwardedAnswer> {
    const spec = OPS_ACTIONS[a.action];
    let answer: ForwardedAnswer;
    try {
      answer = await this.forwarder.call({
        method: spec.method,
        path: spec.path(a.target),
        token: session.token(),
        body: a.body,
        idempotencyKey: a.idempotencyKey,
        correlationId: a.correlationId,
      });
    } catch (error) {
      await this.record(session, a, 'failed', null, { error: String((error as Error).message).slice(0, DETAIL_TEXT_MAX) });
      throw error;
    }
    const outcome: AuditOutcome = answer.status < 300 ? 'ok' : answer.status < 500 ? 'refused' : 'failed';
    await this.record(session, a, outcome, answer.status, { response: summarize(answer.body) });
    return answer;
  }

  private record(
    session: OpsSession,
    a: { action: OpsActionName; target: string; body?: unknown; idempotencyKey?: string; correlationId: string },
    outcome: AuditOutcome,
    httpStatus: number | null,
    detail: Record<string, unknown>,
  ) {
    return this.audit.append({
      operator: session.operator,
      action: a.action,
      target: a.target,
      outcome,
      httpStatus,
      detail: { request: bounded(a.body), idempotencyKey: a.idempotencyKey?.slice(0, 100) ?? null, ...detail },
      correlationId: a.correlationId,
    });
  }
}

/** What the audit keeps of an answer: its problem code and detail, or the resulting status. Never whole bodies. */
function summarize(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as Record<string, unknown>;
  const pick = (key: string) =>
    typeof b[key] === 'string' || typeof b[key] === 'number'
      ? { [key]: typeof b[key] === 'string' ? (b[key] as string).slice(0, DETAIL_TEXT_MAX) : b[key] }
      : {};
  const payment = typeof b.payment === 'object' && b.payment !== null ? { payment: b.payment } : {};
  return { ...pick('code'), ...pick('detail'), ...pick('status'), ...pick('balance'), ...pick('requestId'), ...payment };
}

/** The request body as sent, unless it is too large to keep (then only its size). */
function bounded(body: unknown): unknown {
  if (body === undefined) return null;
  const text = JSON.stringify(body);
  return text.length <= REQUEST_JSON_MAX ? body : { truncated: true, bytes: text.length };
}
