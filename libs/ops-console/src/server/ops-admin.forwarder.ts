import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

export interface ForwardedCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path under /v1/admin, with its query string. */
  path: string;
  token: string;
  body?: unknown;
  idempotencyKey?: string;
  correlationId: string;
}

export interface ForwardedAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * Sends an operator action through the gateway's own operator API (`/v1/admin/*`) in-process (Fastify inject: no
 * socket), authenticated with the signed-in operator's own token. The admin API keeps its guards, validation,
 * idempotency and problems; the console re-implements none of them.
 */
export class OpsAdminForwarder {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async call(c: ForwardedCall): Promise<ForwardedAnswer> {
    if (!c.path.startsWith('/v1/admin/')) throw new Error(`not an operator API path: ${c.path}`);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const response = await fastify.inject({
      method: c.method,
      url: c.path,
      headers: {
        authorization: `Bearer ${c.token}`,
        'x-correlation-id': c.correlationId,
        ...(c.idempotencyKey ? { 'idempotency-key': c.idempotencyKey } : {}),
        ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(c.body !== undefined ? { payload: JSON.stringify(c.body) } : {}),
    });
    const contentType = String(response.headers['content-type'] ?? 'application/json');
    const text = response.body;
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = { detail: text.slice(0, 500) };
      }
    }
    return { status: response.statusCode, contentType: contentType.split(';')[0], body };
  }
}
