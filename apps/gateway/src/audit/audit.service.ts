import { AuditChainBreak, AuditChainRow, ListCursorCodec, Logger, parseOrProblem, problemBody, verifyAuditChain } from '@nostro/platform';
import { problem } from '../http/gateway.errors';
import { pageLimitSchema } from '@nostro/shared';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuthedRequest } from '../auth/auth.guards';
import { AuditAppend, AuditRepository } from './audit.repository';

export const auditQuerySchema = z.strictObject({ limit: pageLimitSchema(1_000, 100), cursor: z.string().max(CURSOR_LENGTH_MAX).optional() });

/** Rows verified per read. */
const VERIFY_BATCH = 10_000;
/** Request bodies kept in an entry, at most (a body is at most 1 MiB; the audit keeps what identifies the call). */
const BODY_CHARS_MAX = 4_096;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The tamper-evident record of what operators did (docs/security.md): every state-changing /v1/admin call —
 * accepted, refused or denied — with who, what, on what, from where and how it ended, appended before the answer
 * leaves the gateway; and its verification.
 */
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly cursors: ListCursorCodec,
    private readonly log: Logger,
  ) {}

  /**
   * Fastify onSend hook: records the call, then lets the answer go. When the entry cannot be written the answer is
   * withheld: `503 service_unavailable` (a problem document), to be retried with the same Idempotency-Key.
   */
  async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    if (READS.has(request.method) || !request.url.startsWith('/v1/admin')) return payload;
    try {
      await this.repo.append(entryOf(request as unknown as AuthedRequest & FastifyRequest, reply.statusCode));
      return payload;
    } catch (error) {
      this.log.error({ err: error, path: request.url }, 'an operator call could not be written to the audit log; its answer is withheld');
      void reply.code(503).header('content-type', 'application/problem+json').header('retry-after', '1');
      return JSON.stringify(
        problemBody(problem('service_unavailable', 'the call could not be recorded in the audit log; retry with the same Idempotency-Key')),
      );
    }
  }

  async list(query: unknown) {
    const q = parseOrProblem(auditQuerySchema, query, 'query');
    const before = q.cursor ? this.cursors.decodeSerial('admin-audit', q.cursor) : undefined;
    const rows = await this.repo.page(q.limit + 1, before);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(auditView),
      nextCursor: rows.length > q.limit && last ? this.cursors.encode('admin-audit', [last.seq]) : null,
    };
  }

  /** Walks the whole chain; answers how many entries it checked and the first broken one, if any. */
  async verify(): Promise<{ entries: number; broken: AuditChainBreak | null }> {
    let before: { seq: string; hash: string } | null = null;
    let entries = 0;
    for (;;) {
      const rows = await this.repo.chain(before ? BigInt(before.seq) + 1n : 1n, VERIFY_BATCH);
      if (rows.length === 0) return { entries, broken: null };
      const broken = verifyAuditChain(rows, before);
      if (broken) return { entries: entries + rows.findIndex((r) => r.seq === broken.seq), broken };
      entries += rows.length;
      const last = rows[rows.length - 1];
      before = { seq: last.seq, hash: last.hash };
    }
  }
}

/** `admin.<route without its parameters>.<method>`: POST /v1/admin/participants/:id/deposits → admin.participants.deposits.post. */
export function auditAction(method: string, route: string | undefined): string {
  const parts = (route ?? '/v1/admin/unmatched')
    .split('/')
    .filter((p) => p !== '' && !p.startsWith(':'))
    .slice(2)
    .map((p) => p.toLowerCase().replace(/[^a-z_-]/g, '_'));
  return ['admin', ...parts, method.toLowerCase()].join('.').slice(0, 128);
}

/** Text Postgres can store: NUL and lone surrogates (which a hostile request may carry) become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export function storableText(text: string): string {
  return text.replaceAll(String.fromCharCode(0), '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** A JSON value with every string (keys included) made storable. */
function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => storableJson(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableJson(v, depth + 1)]));
}

function entryOf(request: AuthedRequest & FastifyRequest, status: number): AuditAppend {
  const params = (request.params ?? {}) as Record<string, string>;
  const body = request.body === undefined ? undefined : JSON.stringify(storableJson(request.body));
  const operator = request.operator;
  return {
    operator: operator ? { id: operator.id, name: operator.name, role: operator.role } : null,
    action: auditAction(request.method, request.routeOptions?.url),
    target: storableText(Object.values(params).join('/').slice(0, 200)) || null,
    outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : status < 500 ? 'refused' : 'failed',
    httpStatus: status,
    detail: {
      path: storableText(request.url.slice(0, 500)),
      ...(request.headers['idempotency-key'] ? { idempotencyKey: storableText(String(request.headers['idempotency-key']).slice(0, 255)) } : {}),
      ...(body !== undefined ? { body: body.length > BODY_CHARS_MAX ? `${body.slice(0, BODY_CHARS_MAX)}…` : JSON.parse(body) } : {}),
    },
    correlationId: String(request.id),
    remoteAddr: request.ip ?? null,
  };
}

function auditView(r: AuditChainRow) {
  return {
    seq: Number(r.seq),
    at: r.at,
    operator: r.operator_id ? { id: r.operator_id, name: r.operator_name, role: r.operator_role } : null,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    detail: JSON.parse(r.detail) as unknown,
    correlationId: r.correlation_id,
    remoteAddr: r.remote_addr,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
