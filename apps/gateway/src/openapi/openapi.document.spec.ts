import { AdminOpsController } from '../admin/admin-ops.controller';
import { AdminPaymentsController } from '../admin/admin-payments.controller';
import { AdminController } from '../admin/admin.controller';
import { AccountsController } from '../accounts/accounts.controller';
import { IncomingPaymentsController } from '../payments/incoming.controller';
import { PaymentsController } from '../payments/payments.controller';
import { QuotesController } from '../quotes/quotes.controller';
import { KeysController } from '../keys/keys.controller';
import { OpenApiController } from './openapi.controller';
import { buildOpenApi, problemStatus, routesOf } from './openapi.document';

const CONTROLLERS = [
  QuotesController,
  PaymentsController,
  IncomingPaymentsController,
  AccountsController,
  AdminController,
  AdminOpsController,
  AdminPaymentsController,
  KeysController,
  OpenApiController,
];

describe('the OpenAPI document is generated from the routes themselves', () => {
  it('finds every route from NestJS routing metadata, and each one carries its documentation', () => {
    const routes = routesOf(CONTROLLERS);
    expect(routes.length).toBeGreaterThan(30);
    const undocumented = routes.filter((r) => !r.doc).map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
  });

  it('turns every route into an operation with path parameters, and bodies into JSON Schema', () => {
    const doc = buildOpenApi(CONTROLLERS, { version: 'test', serverUrl: 'http://127.0.0.1:3000' }) as {
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; requestBody?: unknown; operationId: string }>>;
    };
    for (const route of routesOf(CONTROLLERS)) {
      const op = doc.paths[route.path][route.method];
      const expected = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
      expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(expected);
      expect(op.operationId).toMatch(/^[A-Za-z]+_[A-Za-z]+$/);
    }
    expect(doc.paths['/v1/payments/batch'].post.requestBody).toMatchObject({
      content: { 'application/json': { schema: { properties: { payments: { maxItems: 1000 } } } } },
    });
    const operationIds = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('gives every documented problem code the status the gateway really answers with', () => {
    const unmapped = routesOf(CONTROLLERS).flatMap((r) =>
      (r.doc?.problems ?? []).filter((code) => problemStatus(code) === undefined).map((code) => `${r.method} ${r.path}: ${code}`),
    );
    expect(unmapped).toEqual([]);
    expect([problemStatus('payment_not_held'), problemStatus('approver_already_decided'), problemStatus('hold_expired')]).toEqual([409, 409, 409]);
    expect([problemStatus('account_unknown'), problemStatus('limit_below_balance')]).toEqual([422, 422]);
    const doc = buildOpenApi(CONTROLLERS, { version: 'test', serverUrl: 'http://x' }) as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    const decide = Object.entries(doc.paths).find(([p]) => p.includes('decisions'))?.[1];
    expect(decide && Object.values(decide)[0].responses['409'].description).toContain('payment_not_held');
  });

  it('is valid JSON all the way down (no functions, no undefined)', () => {
    const doc = buildOpenApi(CONTROLLERS, { version: 'test', serverUrl: 'http://x' });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
