/**
 * The HTTP plumbing shared by both clients: URL building, one JSON (or text, e.g. ISO 20022 XML) exchange over fetch
 * with a timeout, error mapping to {@link NostroApiError}, and bounded retries.
 */
import { NostroApiError, NostroNetworkError } from './nostro-api.error';
import type { ProblemDetails } from './types';

export type FetchFn = typeof fetch;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Retries happen only where repeating is harmless (a request carrying an Idempotency-Key): after a
 * network error, a 5xx, or `409 idempotency_in_progress`. Delays double from `baseDelayMs`, with jitter,
 * and honour `Retry-After`; no delay exceeds `maxDelayMs`.
 */
export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type QueryValue = string | number | boolean | undefined;

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 5_000 };
const RETRY_COUNT_MAX = 10;
const PROBLEM_DETAIL_CHARS_MAX = 500;
/** IMF-fixdate (RFC 9110 §5.6.7), the only HTTP-date form servers may send. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** `baseUrl` + `path` + the defined query values, as the exact string that is both signed and sent. */
export function buildUrl(baseUrl: string, path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.href;
}

/** `Retry-After` (delay-seconds or HTTP-date) in milliseconds from `nowMs`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  if (!HTTP_DATE.test(value.trim())) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(body: unknown): body is ProblemDetails {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string';
}

function apiError(response: Response, text: string): NostroApiError {
  const body = parseJson(text);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  if (isProblem(body)) return new NostroApiError(response.status, body.code, body, retryAfterMs);
  const code = `http_${response.status}`;
  const problem: ProblemDetails = {
    type: 'about:blank',
    title: response.statusText || 'HTTP error',
    status: response.status,
    code,
    detail: text.slice(0, PROBLEM_DETAIL_CHARS_MAX),
  };
  return new NostroApiError(response.status, code, problem, retryAfterMs);
}

function invalidResponse(status: number, what = 'JSON'): NostroApiError {
  const code = 'invalid_response';
  return new NostroApiError(status, code, { type: 'about:blank', title: `Response is not ${what}`, status, code });
}

async function fetchOrThrow(fetchFn: FetchFn, request: HttpRequest, timeoutMs: number): Promise<Response> {
  try {
    return await fetchFn(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new NostroNetworkError(`${request.method} ${request.url} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** The answer and its body as text; a non-2xx answer is thrown as a {@link NostroApiError}. */
async function exchange(fetchFn: FetchFn, request: HttpRequest, timeoutMs: number): Promise<{ response: Response; text: string }> {
  const response = await fetchOrThrow(fetchFn, request, timeoutMs);
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new NostroNetworkError(`${request.method} ${request.url}: body not received`, { cause: error });
  }
  if (!response.ok) throw apiError(response, text);
  return { response, text };
}

/** One exchange: the parsed JSON body of a 2xx answer (undefined when empty), else a {@link NostroApiError}. */
export async function sendJson<T>(fetchFn: FetchFn, request: HttpRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const { response, text } = await exchange(fetchFn, request, timeoutMs);
  if (text === '') return undefined as T;
  const body = parseJson(text);
  if (body === undefined) throw invalidResponse(response.status);
  return body as T;
}

/** A media type a text answer may have (`sendText`): its name for errors and the Content-Type values it covers. */
export interface TextMediaType {
  name: string;
  pattern: RegExp;
}

/** `application/xml`, `text/xml` and `+xml` types (an ISO 20022 document), with or without parameters. */
export const XML_MEDIA: TextMediaType = { name: 'XML', pattern: /^\s*(application|text)\/([\w.-]+\+)?xml\s*(;|$)/i };

/**
 * One exchange whose 2xx answer is a document of `media` (e.g. an ISO 20022 XML message), returned as text exactly as
 * received; an empty body or another Content-Type is `invalid_response`, a non-2xx answer a {@link NostroApiError}.
 */
export async function sendText(fetchFn: FetchFn, request: HttpRequest, media: TextMediaType, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  const { response, text } = await exchange(fetchFn, request, timeoutMs);
  if (text === '' || !media.pattern.test(response.headers.get('content-type') ?? '')) throw invalidResponse(response.status, media.name);
  return text;
}

/** True for the failures worth repeating with the same Idempotency-Key. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NostroNetworkError) return true;
  if (!(error instanceof NostroApiError)) return false;
  return error.status >= 500 || (error.status === 409 && error.code === 'idempotency_in_progress');
}

/** Delay before retry number `attempt` (0-based). */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random = Math.random): number {
  if (error instanceof NostroApiError && error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxDelayMs);
  const exponential = policy.baseDelayMs * 2 ** attempt;
  return Math.min(policy.maxDelayMs, Math.round(exponential * (0.5 + random() / 2)));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or `policy.retries` retries are spent. */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const retries = Math.min(Math.max(0, Math.floor(policy.retries)), RETRY_COUNT_MAX);
  for (let done = 0; ; done++) {
    try {
      return await attempt();
    } catch (error) {
      if (done >= retries || !isRetryable(error)) throw error;
      await sleep(retryDelayMs(error, done, policy));
    }
  }
}
