import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { cluster } from '../support/cluster';
import { RawAnswer, bankWithKey, raw, signed } from './support/gateway';

/**
 * A request fuzzer over every route of the OpenAPI document (issue 25): fast-check draws path parameters, query
 * strings, headers and bodies (random JSON, and valid bodies with one field broken), sends them over real HTTP to
 * the test cluster, signed as a bank or as an operator as the route wants, and checks that nothing answers `5xx`,
 * that every error is an `application/problem+json` document with a stable `code`, and that every service is still
 * ready afterwards. Bounded: a fixed number of runs per route group and a time budget.
 */

type Bank = Awaited<ReturnType<typeof bankWithKey>>;
interface Operation {
  method: string;
  path: string;
  auth: 'bank' | 'operator' | 'none';
}

const RUNS = Number(process.env.NOSTRO_FUZZ_RUNS ?? 100);
const TIME_BUDGET_MS = 60_000;

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '0', '-1', '1e3', 'null', 'NaN', '9'.repeat(40), '../../etc', "' OR 1=1 --", '\u0000', '%00', '1.001', 'USD', 'usd', 'FXDESK'),
  fc.uuid(),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid' : d.toISOString())),
  fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59-12:00', '+010000-01-01T00:00:00.000Z', '2026-02-30T00:00:00Z'),
);
const json = fc.jsonValue({ maxDepth: 3 });
const cursor = fc.oneof(
  text,
  fc.base64String({ maxLength: 80 }),
  fc.tuple(text, fc.uuid()).map((t) => Buffer.from(JSON.stringify(t)).toString('base64url')),
);
const query = fc.dictionary(
  fc.oneof(fc.constantFrom('limit', 'cursor', 'since', 'status', 'participant', 'uetr', 'before'), fc.string({ maxLength: 8 })),
  fc.oneof(text, cursor),
  { maxKeys: 4 },
);

/** Valid-looking bodies with one field replaced by anything: they get past the first checks and reach the services. */
function templates(bank: Bank): Record<string, unknown>[] {
  return [
    { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: bank.id },
    { quoteId: 'q_x', endToEndId: 'E2E', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } },
    { payments: [{ quoteId: 'q_x', endToEndId: 'E2E', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } }] },
    { quotes: [{ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: bank.id }] },
    { currency: 'USD', amount: '1.00', reference: 'fuzz' },
    { currency: 'USD', netDebitCap: '0.00', holdAbove: null },
    { currency: 'USD', maxAmount: null, velocity: null },
    { keyId: 'fuzz', publicKey: 'x'.repeat(43) },
    { decision: 'approve' },
    { name: 'fuzz', webhookUrl: null },
  ];
}

function body(bank: Bank) {
  const mutated = fc.tuple(fc.constantFrom(...templates(bank)), fc.string({ maxLength: 12 }), fc.oneof(json, text)).map(([t, key, value]) => {
    const keys = Object.keys(t);
    const field = keys.length > 0 && key.length % 2 === 0 ? (keys[key.length % keys.length] as string) : key;
    return JSON.stringify({ ...t, [field]: value });
  });
  return fc.oneof(
    mutated,
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }),
    fc.constant(''),
  );
}

/** Path values: anything, or ids that exist. Operator routes get the target bank's id, never the signing bank's. */
function pathValue(target: Bank) {
  return fc.oneof(text, fc.constantFrom(target.id, 'FXDESK', 'NOBODY99', randomUUID(), 'a'.repeat(120)));
}

function fill(path: string, values: string[]): string {
  let i = 0;
  return path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++] ?? 'x'));
}

/** Answers by code (or 2xx/3xx status), to show the fuzzer gets past authentication into the handlers. */
const seen = new Map<string, number>();

function checkAnswer(op: Operation, sent: string, answer: RawAnswer): void {
  const key = answer.status >= 400 ? `${answer.status} ${String(answer.body.code)}` : String(answer.status);
  seen.set(key, (seen.get(key) ?? 0) + 1);
  const where = `${op.method.toUpperCase()} ${sent} → ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) throw new Error(`5xx: ${where}`);
  if (answer.status >= 400) {
    if (!(answer.headers.get('content-type') ?? '').includes('application/problem+json')) throw new Error(`not a problem document: ${where}`);
    if (typeof answer.body.code !== 'string' || answer.body.status !== answer.status) throw new Error(`problem without code or status: ${where}`);
  }
}

describe('request fuzzer: every route, no 5xx, every error a problem document', () => {
  let bank: Bank;
  /** What operator routes act on (suspend, revoke its key…), so the signing bank keeps working throughout. */
  let target: Bank;
  let operations: Operation[];
  const deadline = Date.now() + TIME_BUDGET_MS * 4;

  beforeAll(async () => {
    bank = await bankWithKey(['USD', 'EUR']);
    target = await bankWithKey(['USD', 'EUR']);
    const doc = (await raw({ path: '/v1/openapi.json' })).body as { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method,
        path,
        auth: (op.security?.[0] && 'httpMessageSignature' in op.security[0]
          ? 'bank'
          : op.security?.[0] && 'operatorToken' in op.security[0]
            ? 'operator'
            : 'none') as Operation['auth'],
      })),
    );
    expect(operations.length).toBeGreaterThan(30);
  });

  async function send(op: Operation, params: string[], q: Record<string, string>, payload: string, idempotent: boolean): Promise<void> {
    if (Date.now() > deadline) return;
    const search = new URLSearchParams(q).toString();
    const path = `${fill(op.path, params)}${search ? `?${search}` : ''}`;
    const method = op.method.toUpperCase();
    const withBody = method !== 'GET' && method !== 'DELETE';
    const headers: Record<string, string> = withBody ? { 'content-type': 'application/json' } : {};
    if (idempotent) headers['idempotency-key'] = randomUUID();
    const request = { method, path, body: withBody ? payload : undefined, headers };
    const answer =
      op.auth === 'bank'
        ? await signed({ ...request, keyId: bank.id, seed: bank.seed, idempotencyKey: headers['idempotency-key'] })
        : await raw({ ...request, headers: { ...headers, ...(op.auth === 'operator' ? { authorization: `Bearer ${cluster().adminToken}` } : {}) } });
    checkAnswer(op, path, answer);
  }

  it('answers random path parameters, query strings and bodies on every route without a 5xx', async () => {
    for (const op of operations) {
      if (op.path.startsWith('/docs') || op.path === '/metrics') continue;
      await fc.assert(
        fc.asyncProperty(
          fc.array(pathValue(op.auth === 'operator' ? target : bank), { minLength: 3, maxLength: 3 }),
          query,
          body(bank),
          fc.boolean(),
          (params, q, payload, idempotent) => send(op, params, q, payload, idempotent),
        ),
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_BUDGET_MS, seed: Number(process.env.NOSTRO_FUZZ_SEED ?? Date.now() % 2 ** 31) },
      );
    }
    const summary = [...seen.entries()].sort((a, b) => b[1] - a[1]);
    process.stderr.write(`fuzzer answers: ${summary.map(([k, n]) => `${k} ×${n}`).join(', ')}\n`);
    // It reached the handlers: successes and the handlers' own refusals, not only authentication failures.
    expect(summary.some(([k]) => /^2/.test(k))).toBe(true);
    expect(summary.filter(([k]) => k.includes('validation_failed') || k.includes('not_found')).length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('leaves every service ready', async () => {
    const c = cluster();
    for (const [service, port] of Object.entries(c.ports)) {
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect({ service, status: ready.status }).toEqual({ service, status: 200 });
    }
  });
});
