import { ListCursorCodec, ProblemError, parseOrProblem } from '@nostro/platform';
import { asCurrency, formatAmount, isCurrencyCode, participantIdSchema } from '@nostro/shared';
import { OpsAdminForwarder } from './ops-admin.forwarder';
import { OpsAuditRepository } from './ops-audit.repository';
import { OpsConsoleHost, OpsQueuePage, OpsStatementView } from './ops-host.port';
import { OpsLedgerClient } from './ops-ledger.client';
import { OpsPaymentsRepository } from './ops-payments.repository';
import { ForwardedAnswer } from './ops-admin.forwarder';
import {
  auditQuerySchema,
  blocksQuerySchema,
  isUetr,
  paymentFilterSchema,
  queuesQuerySchema,
  recallsQuerySchema,
  requestsQuerySchema,
  statementQuerySchema,
} from './ops-query';
import { OpsSession } from './ops-session.service';
import { AdminRequest, ROLE_CAN, auditView, decisionsView, openRecallView, paymentSummaryView, requestView, withoutParties } from './ops-views';
import { opsProblem } from './ops.errors';

/** Participants that exist on the ledger from bootstrap without a registration (DOMAIN.md, system accounts). */
export const SYSTEM_PARTICIPANTS = [
  { id: 'FXDESK', name: 'FX desk (network liquidity)' },
  { id: 'FEES', name: 'Fee income' },
  { id: 'EXTERNAL', name: 'Outside world (deposits and withdrawals)' },
] as const;
const RECENT_MAX = 20;
const PARTICIPANTS_MAX = 1_000;

/** The console's reads: each returns only what the session's role may see (ops-views.ts). */
export class OpsReadService {
  constructor(
    private readonly payments: OpsPaymentsRepository,
    private readonly host: OpsConsoleHost,
    private readonly ledgerOps: OpsLedgerClient,
    private readonly audit: OpsAuditRepository,
    private readonly forwarder: OpsAdminForwarder,
    private readonly cursors: ListCursorCodec,
  ) {}

  async listPayments(query: unknown) {
    const q = parseOrProblem(paymentFilterSchema, query, 'query');
    const after = q.cursor ? this.cursors.decodeTime('ops-payments', q.cursor) : undefined;
    const rows = await this.payments.list(q, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(paymentSummaryView),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('ops-payments', { at: last.created_at_iso, id: last.uetr }) : null,
    };
  }

  async payment(uetr: string, session: OpsSession, correlationId: string) {
    const payment = isUetr(uetr) ? await this.host.payment(uetr.toLowerCase()) : null;
    if (!payment) throw opsProblem('not_found', 'no such payment');
    const view = withoutParties(payment, session.operator.role);
    // approvals and decisions come from the operator API (issue 6), called as this operator
    const admin = await this.forwarder.call({ method: 'GET', path: `/v1/admin/payments/${payment.uetr}`, token: session.token(), correlationId });
    const extras = admin.status === 200 ? (admin.body as Parameters<typeof decisionsView>[0]) : null;
    return { ...view, hold: decisionsView(extras, session.operator.role) };
  }

  /** The finality proof as the ledger serves it; the browser verifies it with the validators' public keys. */
  finality(uetr: string): Promise<unknown> {
    if (!isUetr(uetr)) throw opsProblem('not_found', 'no such payment');
    return this.host.finality(uetr.toLowerCase());
  }

  /**
   * A return's finality proof, once the return is one of this payment's: a return is a ledger transaction of its own
   * whose id is its returnId, proved like a payment (the proof's `transaction.uetr` is the payment's).
   */
  async returnFinality(uetr: string, returnId: string): Promise<unknown> {
    const payment = isUetr(uetr) && isUetr(returnId) ? await this.host.payment(uetr.toLowerCase()) : null;
    if (!payment) throw opsProblem('not_found', 'no such payment');
    const id = returnId.toLowerCase();
    const returns = Array.isArray(payment.returns) ? (payment.returns as { returnId?: unknown }[]) : [];
    if (!returns.some((r) => r.returnId === id)) throw opsProblem('not_found', 'no such return of this payment');
    return this.host.finality(id);
  }

  /** Recalls waiting for the creditor bank's answer, soonest deadline first (keyset pages). */
  async openRecalls(query: unknown, session: OpsSession) {
    const q = parseOrProblem(recallsQuerySchema, query, 'query');
    const after = q.cursor ? this.cursors.decodeTime('ops-recalls', q.cursor) : undefined;
    const rows = await this.host.openRecalls(q.limit + 1, after);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => openRecallView(r, session.operator.role)),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('ops-recalls', { at: last.cursorAt, id: last.recallId }) : null,
    };
  }

  /**
   * Non-empty liquidity queues in account order, through the host's own queue service (what `GET /v1/admin/queues`
   * answers): per debtor account its balance, cap, queued total and shortfall, and its entries in release order.
   * Every role may read them: they name participants and amounts, no customer.
   */
  queues(query: unknown): Promise<OpsQueuePage> {
    return this.host.queues(parseOrProblem(queuesQuerySchema, query, 'query'));
  }

  /** Payments waiting for approval, oldest first, with their approvals (from the operator API). */
  async held(session: OpsSession, correlationId: string) {
    const answer = await this.forwarder.call({ method: 'GET', path: '/v1/admin/payments?status=HELD&limit=200', token: session.token(), correlationId });
    if (answer.status !== 200) throw opsProblem('service_unavailable', `the operator API answered ${answer.status} for held payments`);
    const body = answer.body as { data: Record<string, unknown>[]; nextCursor: string | null };
    return {
      data: body.data.map((p) => ({
        ...withoutParties(p, session.operator.role),
        hold: decisionsView(p as Parameters<typeof decisionsView>[0], session.operator.role),
      })),
      more: body.nextCursor !== null,
    };
  }

  /**
   * Operator calls held for a second admin (dual control), oldest first, from the operator API as this operator:
   * `status` filters (every status without it), keyset pages with the operator API's own cursor.
   */
  async requests(query: unknown, session: OpsSession, correlationId: string) {
    const q = parseOrProblem(requestsQuerySchema, query, 'query');
    const search = new URLSearchParams({ limit: String(q.limit) });
    if (q.status) search.set('status', q.status);
    if (q.cursor) search.set('cursor', q.cursor);
    const answer = await this.forwarder.call({ method: 'GET', path: `/v1/admin/requests?${search.toString()}`, token: session.token(), correlationId });
    const body = adminAnswer<{ data: AdminRequest[]; nextCursor: string | null }>(answer, 'held requests');
    return { data: body.data.map((r) => requestView(r, session.operator)), nextCursor: body.nextCursor };
  }

  /** One held operator call, as {@link requests} shows it. */
  async request(id: string, session: OpsSession, correlationId: string) {
    if (!isUetr(id)) throw opsProblem('not_found', 'no such request');
    const answer = await this.forwarder.call({ method: 'GET', path: `/v1/admin/requests/${id.toLowerCase()}`, token: session.token(), correlationId });
    return requestView(adminAnswer<AdminRequest>(answer, 'the request'), session.operator);
  }

  blocks(query: unknown) {
    const q = parseOrProblem(blocksQuerySchema, query, 'query');
    return this.ledgerOps.blocks(q.limit, q.before);
  }

  block(heightText: string) {
    if (!/^[1-9][0-9]{0,15}$/.test(heightText)) throw opsProblem('not_found', 'no such block');
    return this.ledgerOps.block(Number(heightText));
  }

  async participantList() {
    const registered = await this.host.participants(PARTICIPANTS_MAX);
    return { data: [...SYSTEM_PARTICIPANTS.map((s) => ({ ...s, currencies: null, webhookUrl: null, status: 'system' })), ...registered] };
  }

  async participant(id: string, session: OpsSession) {
    if (!participantIdSchema.safeParse(id).success) throw opsProblem('not_found', 'no such participant');
    const system = SYSTEM_PARTICIPANTS.find((s) => s.id === id);
    const registered = system ? null : await this.host.participant(id);
    const self = system
      ? { ...system, currencies: null, webhookUrl: null, status: 'system', system: true }
      : registered
        ? { ...registered, system: false }
        : null;
    if (!self) throw opsProblem('not_found', 'no such participant');
    const [ledger, keys, screening, limits, payments, requests, actions] = await Promise.all([
      this.host.ledgerBalances(id),
      system ? Promise.resolve([]) : this.host.participantKeys(id),
      system ? Promise.resolve({ data: [] }) : this.host.screeningLimits(id),
      this.payments.limitsInForce(id),
      system ? Promise.resolve([]) : this.payments.recentFor(id, RECENT_MAX),
      this.payments.adminRequests(id, RECENT_MAX),
      ROLE_CAN.seeAudit(session.operator.role) ? this.audit.list({ limit: RECENT_MAX, target: id }) : Promise.resolve([]),
    ]);
    return {
      participant: self,
      ledgerHeight: ledger.height,
      accounts: ledger.accounts.map((a) => accountView(a, limits.get(a.currency))),
      keys,
      screeningLimits: screening.data,
      recentPayments: payments.map(paymentSummaryView),
      requests: requests.map((r) => ({
        requestId: r.request_id,
        kind: r.kind,
        status: r.status,
        reason: r.reason,
        blockHeight: r.block_height === null ? null : Number(r.block_height),
        createdAt: r.created_at.toISOString(),
        ...requestAmount(r.payload),
      })),
      actions: actions.map(auditView),
    };
  }

  /**
   * One account's statement of a UTC day (default today: interim), exactly as the bank gets it: JSON, or with
   * `format=xml` the camt.053 document and the file name to download it as. Every role may read it: it names
   * participants and the banks' own references, no customer.
   */
  async statement(id: string, query: unknown): Promise<{ format: 'json'; body: OpsStatementView } | { format: 'xml'; body: string; fileName: string }> {
    if (!participantIdSchema.safeParse(id).success) throw opsProblem('not_found', 'no such participant');
    const q = parseOrProblem(statementQuerySchema, query, 'query');
    const date = q.date ?? new Date().toISOString().slice(0, 10);
    if (q.format === 'json') return { format: 'json', body: await this.host.statement(id, q.currency, { date }) };
    const body = await this.host.statementXml(id, q.currency, { date });
    return { format: 'xml', body, fileName: `camt053-${id}-${q.currency}-${date}.xml` };
  }

  async auditLog(query: unknown) {
    const q = parseOrProblem(auditQuerySchema, query, 'query');
    const beforeId = q.cursor ? this.cursors.decodeSerial('ops-audit', q.cursor) : undefined;
    const rows = await this.audit.list({ limit: q.limit + 1, beforeId, operatorId: q.operatorId, action: q.action, target: q.target });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { data: page.map(auditView), nextCursor: rows.length > q.limit && last ? this.cursors.encode('ops-audit', [last.id]) : null };
  }
}

/** The body of the operator API's 200; its 4xx problem is answered as it is (a bad cursor, an unknown id), else 503. */
function adminAnswer<T>(answer: ForwardedAnswer, what: string): T {
  if (answer.status === 200) return answer.body as T;
  const p = (answer.body ?? {}) as { code?: unknown; title?: unknown; detail?: unknown; errors?: unknown };
  if (answer.status >= 400 && answer.status < 500 && typeof p.code === 'string') {
    const errors = Array.isArray(p.errors) ? (p.errors as { path: string; message: string }[]) : undefined;
    throw new ProblemError(answer.status, p.code, String(p.title ?? p.code), String(p.detail ?? ''), errors);
  }
  throw opsProblem('service_unavailable', `the operator API answered ${answer.status} for ${what}`);
}

function money(minor: string | null | undefined, currency: string): string | null {
  if (minor === null || minor === undefined || !isCurrencyCode(currency)) return null;
  return formatAmount(BigInt(minor), asCurrency(currency));
}

function accountView(
  a: { account: string; currency: string; balance: string; netDebitCap: string | null },
  limits: { holdAboveMinor: string | null } | undefined,
) {
  return {
    account: a.account,
    currency: a.currency,
    balance: money(a.balance, a.currency),
    netDebitCap: money(a.netDebitCap, a.currency),
    holdAbove: limits ? money(limits.holdAboveMinor, a.currency) : null,
  };
}

/** The amount of a deposit or withdrawal request, in major units, for the activity list. */
function requestAmount(payload: Record<string, unknown>): { currency?: string; amount?: string } {
  const currency = typeof payload.currency === 'string' ? payload.currency : undefined;
  const minor = typeof payload.amountMinor === 'string' ? payload.amountMinor : undefined;
  if (!currency || !minor) return currency ? { currency } : {};
  return { currency, amount: money(minor, currency) ?? undefined };
}
