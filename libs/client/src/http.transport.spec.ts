import { buildUrl, isRetryable, parseRetryAfter, retryDelayMs, sendJson, sendText, withRetries, XML_MEDIA, type FetchFn } from './http.transport';
import { NostroApiError, NostroNetworkError } from './nostro-api.error';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };
const apiError = (status: number, code: string, retryAfterMs?: number) =>
  new NostroApiError(status, code, { type: 'about:blank', title: code, status, code }, retryAfterMs);

describe('buildUrl', () => {
  it('joins base and path, drops undefined query values and encodes the rest', () => {
    expect(buildUrl('http://127.0.0.1:3000/', '/v1/payments', { status: 'HELD', limit: 5, cursor: undefined })).toBe(
      'http://127.0.0.1:3000/v1/payments?status=HELD&limit=5',
    );
    expect(buildUrl('https://gw.example/api', '/v1/keys')).toBe('https://gw.example/api/v1/keys');
    expect(buildUrl('http://h', '/p', { q: 'a b&c' })).toBe('http://h/p?q=a+b%26c');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 1_000)).toBe(4_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 9_000)).toBe(0);
  });

  it('ignores absent or nonsense values', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('', 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('-1', 0)).toBeUndefined();
  });
});

describe('retry decisions', () => {
  it.each([
    [new NostroNetworkError('reset'), true],
    [apiError(500, 'internal'), true],
    [apiError(503, 'unavailable'), true],
    [apiError(409, 'idempotency_in_progress'), true],
    [apiError(409, 'idempotency_conflict'), false],
    [apiError(422, 'insufficient_liquidity'), false],
    [apiError(429, 'rate_limited'), false],
    [new Error('bug'), false],
  ])('%s → %s', (error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('doubles the delay with jitter, capped, and prefers Retry-After (capped too)', () => {
    expect(retryDelayMs(apiError(503, 'x'), 0, policy, () => 1)).toBe(100);
    expect(retryDelayMs(apiError(503, 'x'), 2, policy, () => 1)).toBe(400);
    expect(retryDelayMs(apiError(503, 'x'), 2, policy, () => 0)).toBe(200);
    expect(retryDelayMs(apiError(503, 'x'), 10, policy, () => 1)).toBe(1_000);
    expect(retryDelayMs(apiError(409, 'idempotency_in_progress', 250), 0, policy)).toBe(250);
    expect(retryDelayMs(apiError(409, 'idempotency_in_progress', 60_000), 0, policy)).toBe(1_000);
  });

  it('withRetries stops at the first success, the first permanent error, or the retry budget', async () => {
    const fast = { retries: 2, baseDelayMs: 1, maxDelayMs: 1 };
    let calls = 0;
    await expect(withRetries(async () => (++calls < 3 ? Promise.reject(apiError(503, 'x')) : 'ok'), fast)).resolves.toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetries(async () => Promise.reject(apiError(503, String(++calls))), fast)).rejects.toMatchObject({ code: '3' });
    calls = 0;
    await expect(withRetries(async () => Promise.reject(apiError(400, String(++calls))), fast)).rejects.toMatchObject({ code: '1' });
  });
});

describe('sendJson', () => {
  const fakeFetch = (response: Response | Error): FetchFn => (async () => (response instanceof Error ? Promise.reject(response) : response)) as FetchFn;
  const request = { method: 'GET', url: 'http://127.0.0.1:1/x', headers: {} };

  it('returns undefined for an empty 2xx body', async () => {
    await expect(sendJson(fakeFetch(new Response(null, { status: 204 })), request)).resolves.toBeUndefined();
  });

  it('refuses a 2xx body that is not JSON', async () => {
    await expect(sendJson(fakeFetch(new Response('<html>', { status: 200 })), request)).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('keeps Retry-After on the error', async () => {
    const response = new Response(JSON.stringify({ type: 'x', title: 'x', status: 409, code: 'idempotency_in_progress' }), {
      status: 409,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '2' },
    });
    await expect(sendJson(fakeFetch(response), request)).rejects.toMatchObject({ retryAfterMs: 2_000 });
  });

  it('wraps fetch failures in NostroNetworkError with the cause', async () => {
    const cause = new TypeError('fetch failed');
    const error = (await sendJson(fakeFetch(cause), request).catch((e: unknown) => e)) as NostroNetworkError;
    expect(error).toBeInstanceOf(NostroNetworkError);
    expect(error.cause).toBe(cause);
  });
});

describe('sendText', () => {
  const fakeFetch = (response: Response): FetchFn => (async () => response) as FetchFn;
  const request = { method: 'GET', url: 'http://127.0.0.1:1/x', headers: { accept: 'application/xml' } };
  const xml = (type: string, body = '<Document/>') => new Response(body, { status: 200, headers: { 'content-type': type } });

  it.each(['application/xml', 'application/xml; charset=utf-8', 'text/xml', 'application/iso20022+xml;charset=UTF-8'])(
    'returns the body of a %s answer as it is',
    async (type) => {
      await expect(sendText(fakeFetch(xml(type, '<Document>Zoë</Document>\n')), request, XML_MEDIA)).resolves.toBe('<Document>Zoë</Document>\n');
    },
  );

  it.each(['application/json', 'text/html', 'application/xml-dtd', ''])('refuses a %j answer as invalid_response', async (type) => {
    await expect(sendText(fakeFetch(xml(type)), request, XML_MEDIA)).rejects.toMatchObject({
      code: 'invalid_response',
      problem: { title: 'Response is not XML' },
    });
  });

  it('refuses an empty 2xx body', async () => {
    await expect(sendText(fakeFetch(xml('application/xml', '')), request, XML_MEDIA)).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('throws the problem of a non-2xx answer, JSON as always', async () => {
    const response = new Response(JSON.stringify({ type: 'x', title: 'x', status: 404, code: 'not_found' }), {
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
    });
    await expect(sendText(fakeFetch(response), request, XML_MEDIA)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
