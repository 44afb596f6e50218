import type { FastifyReply } from 'fastify';
import { HttpResult } from '../idempotency/idempotency.service';

/** Sends a service's answer: its status, `Idempotent-Replayed` on a stored answer, problem+json for errors. */
export function send(reply: FastifyReply, result: HttpResult): unknown {
  void reply.status(result.status);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  if (result.status >= 400) void reply.header('content-type', 'application/problem+json');
  return result.body;
}
