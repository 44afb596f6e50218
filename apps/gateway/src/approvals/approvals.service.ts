import { ListCursorCodec, parseOrProblem } from '@nostro/platform';
import { OperatorRole, pageLimitSchema } from '@nostro/shared';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import type { FastifyInstance } from 'fastify';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { problem } from '../http/gateway.errors';
import { OperatorsRepository } from '../operators/operators.repository';
import { ApprovalRow, ApprovalsRepository } from './approvals.repository';

export const APPROVAL_HEADER = 'x-nostro-approval';

export const approvalsQuerySchema = z.strictObject({
  status: z.enum(['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'EXPIRED']).optional(),
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});
export const decisionCommentSchema = z.strictObject({ comment: z.string().min(1).max(500).optional() });

export interface Operator {
  id: string;
  name: string;
  role: OperatorRole;
}

/** What the interceptor holds back: the call exactly as the operator sent it. */
export interface HeldCall {
  action: string;
  method: string;
  path: string;
  body: unknown;
  idempotencyKey: string | null;
  operator: Operator;
}

/**
 * Dual control (API.md "Operator controls"; docs/security.md): money-moving and access-granting operator calls wait
 * for a different admin. An approval runs the held call in-process (Fastify inject) as its requester, marked with a
 * header only this process can mint, so it keeps every check the call has (validation, idempotency, the ledger's
 * answer) and is answered as the call itself would have been.
 */
export class ApprovalsService {
  private readonly secret = randomBytes(32);
  private fastify: FastifyInstance | null = null;

  constructor(
    private readonly repo: ApprovalsRepository,
    private readonly operators: OperatorsRepository,
    private readonly cursors: ListCursorCodec,
    private readonly ttlMs: number,
  ) {}

  attach(fastify: FastifyInstance): void {
    this.fastify = fastify;
  }

  /** `202 { requestId, status: PENDING_APPROVAL, action }`: the call is held (the same key answers the same request). */
  async hold(call: HeldCall) {
    const row = await this.repo.insert({
      id: randomUUID(),
      action: call.action,
      method: call.method,
      path: call.path,
      body: call.body,
      idempotencyKey: call.idempotencyKey,
      requestedBy: call.operator,
      expiresAt: new Date(Date.now() + this.ttlMs),
    });
    return { requestId: row.id, status: row.status, action: row.action, expiresAt: row.expires_at.toISOString() };
  }

  async list(query: unknown) {
    await this.repo.expire(new Date());
    const q = parseOrProblem(approvalsQuerySchema, query, 'query');
    const rows = await this.repo.list({
      status: q.status,
      limit: q.limit + 1,
      after: q.cursor ? this.cursors.decodeTime('admin-requests', q.cursor) : undefined,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(view),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('admin-requests', { at: last.cursor_at, id: last.id }) : null,
    };
  }

  async get(id: string) {
    await this.repo.expire(new Date());
    const row = await this.repo.find(id);
    if (!row) throw problem('not_found', 'no such request');
    return view(row);
  }

  /** Approves and runs the held call; answers what the call answered (a deposit's 201 with the new balance). */
  async approve(id: string, approver: Operator, body: unknown): Promise<{ status: number; body: unknown }> {
    const { comment } = parseOrProblem(decisionCommentSchema, body ?? {});
    const row = await this.decide(id, approver, 'APPROVED', comment ?? null);
    const answer = await this.replay(row);
    await this.repo.recordResult(row.id, answer.status, keptOf(answer.body));
    return answer;
  }

  async reject(id: string, approver: Operator, body: unknown) {
    const { comment } = parseOrProblem(decisionCommentSchema, body ?? {});
    return view(await this.decide(id, approver, 'REJECTED', comment ?? null));
  }

  /** The requester of an approved call being run now, if `header` is this process's mark for it. */
  async replayedOperator(header: string | undefined): Promise<Operator | null> {
    const [id, tag] = (header ?? '').split('.');
    if (!id || !tag) return null;
    const given = Buffer.from(tag, 'base64url');
    const expected = this.tag(id);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const row = await this.repo.find(id);
    if (!row || row.status !== 'APPROVED' || row.result_status !== null) return null;
    return this.operators.activeById(row.requested_by);
  }

  private async decide(id: string, approver: Operator, status: 'APPROVED' | 'REJECTED', comment: string | null): Promise<ApprovalRow> {
    return this.repo.locked(id, async (row, tx) => {
      if (!row) throw problem('not_found', 'no such request');
      if (row.status === 'PENDING_APPROVAL' && row.expires_at.getTime() <= Date.now()) {
        await this.repo.decide(tx, id, { status: 'EXPIRED', by: null, comment: null });
        throw problem('request_expired', `the request expired at ${row.expires_at.toISOString()}`);
      }
      if (row.status !== 'PENDING_APPROVAL') throw problem('request_not_pending', `the request is ${row.status}`);
      if (row.requested_by === approver.id) throw problem('four_eyes_required', 'a different admin must decide a request: not the operator who made it');
      return this.repo.decide(tx, id, { status, by: approver, comment });
    });
  }

  private async replay(row: ApprovalRow): Promise<{ status: number; body: unknown }> {
    if (!this.fastify) throw new Error('approvals: no HTTP instance attached');
    const response = await this.fastify.inject({
      method: row.method,
      url: row.path,
      headers: {
        [APPROVAL_HEADER]: `${row.id}.${this.tag(row.id).toString('base64url')}`,
        ...(row.idempotency_key ? { 'idempotency-key': row.idempotency_key } : {}),
        ...(row.body !== null ? { 'content-type': 'application/json' } : {}),
      },
      ...(row.body !== null ? { payload: JSON.stringify(row.body) } : {}),
    });
    let body: unknown = null;
    try {
      body = response.body === '' ? null : JSON.parse(response.body);
    } catch {
      body = response.body;
    }
    return { status: response.statusCode, body };
  }

  private tag(id: string): Buffer {
    return createHmac('sha256', this.secret).update(id).digest().subarray(0, 16);
  }
}

/**
 * What a request keeps of its approved call's answer: all of it but a created operator's token. The approver gets the
 * token once, in the approval's answer; kept with the request, anyone who may read requests (viewers too) could use
 * it, and operator tokens are otherwise stored only as their SHA-256.
 */
export function keptOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('token' in body)) return body;
  const { token: _shownOnce, ...rest } = body as Record<string, unknown>;
  return rest;
}

function view(r: ApprovalRow) {
  return {
    requestId: r.id,
    status: r.status,
    action: r.action,
    method: r.method,
    path: r.path,
    body: r.body,
    requestedBy: { id: r.requested_by, name: r.requested_by_name },
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    ...(r.decided_by ? { decidedBy: { id: r.decided_by, name: r.decided_by_name }, decidedAt: r.decided_at?.toISOString() } : {}),
    ...(r.comment ? { comment: r.comment } : {}),
    ...(r.result_status !== null ? { result: { status: r.result_status, body: r.result_body } } : {}),
  };
}
