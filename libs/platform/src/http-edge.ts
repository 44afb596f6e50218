import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ProblemDocument, ProblemError, problemBody, validationProblem } from './problem';

/**
 * The edges of HTTP that sit before any controller, filter or guard: the router (a path parameter past Fastify's
 * length limit, a malformed URL), Node's parser (oversized headers, a malformed request line), the JSON body parser
 * and content codings. Each answers an `application/problem+json` document with a stable `code` (API.md,
 * Conventions), as the controllers do, instead of the framework's own body.
 */

function problemDocument(status: number, code: string, title: string, detail: string): ProblemDocument {
  return problemBody(new ProblemError(status, code, title, detail));
}

function sendProblem(reply: FastifyReply, doc: ProblemDocument): FastifyReply {
  return reply.code(doc.status).header('content-type', 'application/problem+json').send(doc);
}

/** Fastify's `frameworkErrors`: what its router refuses before a route exists to handle the request. */
export function frameworkErrors(error: { code?: string; message: string }, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendProblem(reply, problemDocument(414, 'uri_too_long', 'URI too long', 'a path segment is longer than this API accepts'));
    return;
  }
  void sendProblem(reply, problemDocument(400, 'validation_failed', 'Validation failed', 'the request URL is malformed'));
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'Request header fields too large', 'the request headers exceed the size this server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'Request timeout', 'the request was not received in time'],
};

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request before Fastify saw it (oversized headers,
 * a malformed request line). The socket gets one problem document and is closed, as Node itself would do.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, title, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'bad_request', 'Bad request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify(problemDocument(status, code, title, detail));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * An `onRequest` hook: a body sent with a content coding (gzip, br, deflate…) is refused with `415` rather than
 * read as if it were plain (API.md: bodies are JSON; no coding is supported). `identity` is no coding.
 */
export async function refuseContentCoding(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const coding = request.headers['content-encoding'];
  if (coding === undefined) return;
  const codings = String(coding)
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return;
  await sendProblem(
    reply.header('accept-encoding', 'identity'),
    problemDocument(415, 'unsupported_media_type', 'Unsupported media type', `bodies must not be content-coded (${codings.join(', ')}); send plain JSON`),
  );
}

/** What of an unread request body the server still reads and discards before an early answer, at most. */
export const LINGER_MAX_BYTES = 8 * 1024 * 1024;
/** How long it waits for the rest of such a body, at most. */
export const LINGER_MAX_MS = 2_000;

/**
 * An `onSend` hook: an answer sent before its request's body was read (Fastify answers a body declared over the
 * limit with `413` before reading a byte of it, and closes the connection) waits until the client has sent the rest
 * of the body, which is read and discarded. Closing a connection with unread bytes in it makes the kernel reset it
 * (RFC 9112, section 9.6, "lingering close"), and a client still writing its body then sees `EPIPE` or `ECONNRESET`
 * instead of the problem document. (An answer on a connection kept alive needs none of this: Node reads and
 * discards the rest of the body itself.) A body declared over LINGER_MAX_BYTES, or still arriving after
 * LINGER_MAX_MS, is not waited for: the answer goes out at once and the connection is closed.
 */
export async function drainUnreadBody(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const incoming = request.raw;
  if (incoming.complete || incoming.readableEnded || incoming.destroyed) return payload;
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  const chunked = incoming.headers['transfer-encoding'] !== undefined;
  if (!(declared > 0) && !chunked) return payload;
  if (declared > LINGER_MAX_BYTES || !(await drained(incoming))) void reply.header('connection', 'close');
  return payload;
}

/** Reads and discards what remains of a request body; true if it ended within the bounds. */
function drained(incoming: FastifyRequest['raw']): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      incoming.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > LINGER_MAX_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onFail = () => finish(incoming.complete);
    const timer = setTimeout(() => finish(false), LINGER_MAX_MS);
    incoming.on('data', onData).once('end', onEnd).once('error', onFail).once('close', onFail);
    incoming.resume();
  });
}

/** Text that may spell a forbidden key in JSON: the key itself, or any escape that could write one. */
const MAY_NAME_FORBIDDEN_KEY = /__proto__|constructor|\\u/;

/** Keys that would reach an object's prototype if a body were ever merged into one (prototype poisoning). */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/**
 * The JSON body parser: `400 validation_failed` naming what is wrong (an empty body, the JSON syntax error, a
 * `__proto__` key or a `constructor.prototype` pair), where Fastify's parser would say "Body is not valid JSON" for all
 * of them.
 */
export function parseJsonBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(validationProblem([{ path: '(body)', message: 'the body is empty' }], 'a JSON body is required'));
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return done(validationProblem([{ path: '(body)', message: (error as Error).message }], 'the body is not valid JSON'));
  }
  // Walk the parsed body only when its text could name such a key (spelled out, or with a \u escape that might).
  const poisoned = MAY_NAME_FORBIDDEN_KEY.test(text) ? findPoisonedKey(value) : null;
  if (poisoned !== null)
    return done(
      validationProblem([{ path: poisoned, message: 'this key is not allowed in a request body' }], 'the body contains a key this API never accepts'),
    );
  done(null, value);
}

/** The path of the first `__proto__` key or `constructor` object holding `prototype`; walked without recursion. */
export function findPoisonedKey(value: unknown): string | null {
  const stack: { node: unknown; path: string }[] = [{ node: value, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: string };
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      const childPath = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return childPath;
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.prototype.hasOwnProperty.call(child, 'prototype'))
        return `${childPath}.prototype`;
      stack.push({ node: child, path: childPath });
    }
  }
  return null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Keeps an XML body as text (the routes that take one check it themselves: docs/iso20022.md), refusing an empty
 * body or bytes that are not UTF-8 before any XML code sees them. The raw bytes stay on the request for the digest.
 */
export function parseXmlBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(validationProblem([{ path: '(body)', message: 'the body is empty' }], 'an XML body is required'));
  try {
    done(null, strictUtf8.decode(body));
  } catch {
    done(validationProblem([{ path: '(body)', message: 'not UTF-8' }], 'the body is not UTF-8 text'));
  }
}
