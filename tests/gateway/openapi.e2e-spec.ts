import { cluster } from '../support/cluster';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

describe('OpenAPI document generated from the code, and /docs', () => {
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

  beforeAll(async () => {
    const response = await fetch(`${cluster().gatewayUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    doc = (await response.json()) as typeof doc;
  });

  it('is OpenAPI 3.1 and documents every route of API.md', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /v1/keys',
        'POST /v1/quotes',
        'POST /v1/quotes/batch',
        'POST /v1/payments',
        'POST /v1/payments/batch',
        'GET /v1/payments',
        'GET /v1/payments/{uetr}',
        'GET /v1/payments/{uetr}/finality',
        'GET /v1/incoming-payments',
        'GET /v1/incoming-payments/{uetr}',
        'GET /v1/incoming-payments/{uetr}/finality',
        'GET /v1/accounts',
        'POST /v1/admin/operators',
        'DELETE /v1/admin/operators/{id}',
        'POST /v1/admin/participants',
        'POST /v1/admin/participants/{id}/keys',
        'DELETE /v1/admin/participants/{id}/keys/{keyId}',
        'POST /v1/admin/participants/{id}/suspend',
        'POST /v1/admin/participants/{id}/resume',
        'POST /v1/admin/participants/{id}/deposits',
        'POST /v1/admin/participants/{id}/withdrawals',
        'GET /v1/openapi.json',
        'GET /docs',
      ]),
    );
    for (const [name, op] of Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, o]) => [`${m} ${path}`, o] as const))) {
      expect({ name, tagged: op.tags?.[0] !== 'Other' }).toEqual({ name, tagged: true });
    }
  });

  it('describes request bodies from the validation schemas, unknown fields refused', () => {
    const body = doc.paths['/v1/payments'].post.requestBody?.content['application/json'].schema as {
      properties: Record<string, { maxLength?: number }>;
      additionalProperties: boolean;
      required: string[];
    };
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(['quoteId', 'endToEndId', 'debtor', 'creditor']));
    expect(body.properties.endToEndId.maxLength).toBe(35);
  });

  it('names authentication, idempotency and problem codes', () => {
    const pay = doc.paths['/v1/payments'].post;
    expect(pay.security).toEqual([{ httpMessageSignature: [] }]);
    expect(pay.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
    expect(pay.responses['202']).toBeDefined();
    expect(pay.responses['401'].description).toContain('signature_replayed');
    expect(pay.responses['409'].description).toContain('idempotency_conflict');
    expect(pay.responses['422'].description).toContain('limit_exceeded');
    expect(doc.paths['/v1/admin/operators'].post.security).toEqual([{ operatorToken: ['admin'] }]);
    expect(doc.paths['/v1/keys'].get.security).toEqual([]);
  });

  it('serves a browsable page at /docs that loads the document, without external assets', async () => {
    const response = await fetch(`${cluster().gatewayUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain("fetch('/v1/openapi.json')");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
