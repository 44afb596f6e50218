/** The CLI in-process against a local server that plays the gateway (the e2e suite runs it against the real one). */
import { buildPacs002, type StatusReport } from '@nostro/iso20022';
import { base64UrlDecode, base64UrlEncode, generateEd25519KeyPair, publicKeyFromSeed, verifyRequest } from '@nostro/shared-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testNetwork, transfer } from '../testing/finality-proof';
import { startLocalServer, type LocalServer, type ReceivedRequest, type Reply } from '../testing/local-server';
import { EXIT, runCli } from './program';
import { conditionHash } from '../condition';

const bank = generateEd25519KeyPair();
const UETR = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const RETURN_ID = 'b7e1d7a0-6c1f-4f7e-9a51-0d2b3c4d5e6f';
const CANCELLED = 'c0000000-0000-4000-8000-000000000001';
const RETURNED = 'c0000000-0000-4000-8000-000000000002';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const network = testNetwork();
const block = [transfer('tx-1', UETR), transfer('tx-2', UETR, { returnId: RETURN_ID })];
const [paymentProof, returnProof] = [network.prove(block, 0), network.prove(block, 1)];
const recall = { recallId: 'rc-1', uetr: UETR, status: 'PENDING', reason: 'DUPL', respondBy: '2030-01-11T00:00:00.000Z' };
const paymentReturn = {
  returnId: RETURN_ID,
  uetr: UETR,
  status: 'RECEIVED',
  amount: '5.00',
  currency: 'EUR',
  sourceAmount: '5.46',
  sourceCurrency: 'USD',
  reason: 'AC04',
};
const entries = [1, 2, 3].map((n) => ({
  entryId: `${n}-0-0`,
  height: n,
  at: '2026-12-06T10:00:00.000Z',
  kind: 'deposit',
  direction: 'credit',
  amount: '1.00',
  balanceAfter: `${n}.00`,
}));
const statement = { account: 'BANKUS33:USD', currency: 'USD', openingBalance: '0.00', closingBalance: '3.00', entryCount: 3, interim: false, entries };
const CAMT053 = '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">…</Document>';
const report = (statuses: ('RCVD' | 'RJCT')[]): string => {
  const r: StatusReport = {
    messageId: 'NOSTRO-1',
    createdAt: new Date('2026-12-06T10:00:01Z'),
    originalMessageId: 'MSG-1',
    originalMessageNameId: 'pacs.008.001.09',
    groupStatus: statuses.every((t) => t === 'RCVD') ? 'RCVD' : 'PART',
    transactions: statuses.map((status, i) => ({
      endToEndId: `E2E-${i}`,
      txId: `q-${i}`,
      status,
      ...(status === 'RJCT' ? { reason: { code: 'NARR', additionalInfo: 'quote_already_used' } } : {}),
    })),
  };
  return buildPacs002(r);
};
const XML = { 'content-type': 'application/xml; charset=utf-8' };

/** Statements and entries of the USD account (pages of `limit`, the cursor the index of the next entry), and pacs.008. */
function accountsAndIsoRoute(request: ReceivedRequest): Reply | undefined {
  const { pathname, searchParams } = new URL(request.url, 'http://localhost');
  if (pathname === '/v1/accounts/USD/statement') {
    return request.headers.accept === 'application/xml' ? { status: 200, headers: XML, body: CAMT053 } : { status: 200, body: statement };
  }
  if (pathname === '/v1/accounts/USD/entries') {
    const from = Number(searchParams.get('cursor') ?? '0');
    const limit = Number(searchParams.get('limit') ?? '100');
    return { status: 200, body: { data: entries.slice(from, from + limit), nextCursor: from + limit < entries.length ? String(from + limit) : null } };
  }
  if (pathname === '/v1/iso20022/pacs.008') {
    const xml = request.rawBody.toString('utf8');
    if (!xml.includes('<Document')) return { status: 400, body: { type: 'x', title: 'Validation failed', status: 400, code: 'validation_failed' } };
    return { status: 202, headers: XML, body: report(xml.includes('RJCT-PLEASE') ? ['RCVD', 'RJCT'] : ['RCVD', 'RCVD']) };
  }
  if (pathname.startsWith('/v1/accounts/'))
    return { status: 404, body: { type: 'x', title: 'Not found', status: 404, code: 'not_found', detail: 'no GBP account' } };
  return undefined;
}

let server: LocalServer;
let dir: string;
let keyFile: string;

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The gateway's answers to the way back: cancel, recall, recall response, return, and the proofs of returns. */
function wayBackRoute(request: ReceivedRequest): Reply | undefined {
  const routes: Record<string, Reply> = {
    'GET /v1/keys': { status: 200, body: network.keys },
    [`POST /v1/payments/${UETR}/cancel`]: { status: 200, body: { uetr: UETR, status: 'CANCELLED' } },
    [`POST /v1/payments/${UETR}/recall`]: { status: 202, body: recall },
    [`POST /v1/incoming-payments/${UETR}/recall/response`]: { status: 200, body: { recallId: 'rc-1', status: 'ACCEPTED', returnId: RETURN_ID } },
    [`POST /v1/incoming-payments/${UETR}/return`]: { status: 202, body: paymentReturn },
    [`POST /v1/incoming-payments/${UETR}/fulfil`]: { status: 202, body: { uetr: UETR, status: 'RESERVED' } },
    [`POST /v1/incoming-payments/${CANCELLED}/fulfil`]: problemReply(422, 'condition_not_met'),
    [`GET /v1/payments/${CANCELLED}`]: { status: 200, body: { uetr: CANCELLED, status: 'CANCELLED', timeline: [] } },
    [`GET /v1/payments/${RETURNED}`]: { status: 200, body: { uetr: RETURNED, status: 'RETURNED', timeline: [], returnedAmount: '5.00' } },
    [`GET /v1/payments/${UETR}/returns/${RETURN_ID}/finality`]: { status: 200, body: returnProof },
    [`GET /v1/incoming-payments/${UETR}/returns/${RETURN_ID}/finality`]: { status: 200, body: returnProof },
  };
  return routes[`${request.method} ${request.url}`];
}

const TOKEN = 'op_second-admin-token-0123456789';
const REQUEST_ID = '6f0c6a63-8a0e-4a43-9d0c-2b7c5e1a9d11';
const held = {
  requestId: REQUEST_ID,
  status: 'PENDING_APPROVAL',
  action: 'admin.participants.deposits.post',
  method: 'POST',
  path: '/v1/admin/participants/BANKUS33/deposits',
  body: { currency: 'USD', amount: '250.00', reference: 'four eyes' },
  requestedBy: { id: 'op-1', name: 'alice' },
  createdAt: '2026-12-06T10:00:00.000Z',
  expiresAt: '2026-12-07T10:00:00.000Z',
};
const problemReply = (status: number, code: string): Reply => ({ status, body: { type: 'x', title: code, status, code, detail: `because ${code}` } });

/** The operator API's dual control, behind a bearer token (the bank's signature plays no part). */
function adminRoute(request: ReceivedRequest): Reply {
  if (request.headers.authorization !== `Bearer ${TOKEN}`) return problemReply(401, 'unauthorized');
  const { pathname } = new URL(request.url, 'http://localhost');
  const comment = request.rawBody.length > 0 ? (JSON.parse(request.rawBody.toString('utf8')) as { comment?: string }).comment : undefined;
  if (request.method === 'GET' && pathname === '/v1/admin/requests') return { status: 200, body: { data: [held], nextCursor: null } };
  if (request.method === 'GET' && pathname === `/v1/admin/requests/${REQUEST_ID}`) return { status: 200, body: held };
  if (pathname === `/v1/admin/requests/${REQUEST_ID}/approve`)
    return comment === 'mine' ? problemReply(403, 'four_eyes_required') : { status: 201, body: { type: 'deposit', currency: 'USD', balance: '250.00' } };
  if (pathname === `/v1/admin/requests/${REQUEST_ID}/reject`) return { status: 200, body: { ...held, status: 'REJECTED', ...(comment ? { comment } : {}) } };
  if (request.method === 'POST' && pathname === '/v1/admin/participants/BANKDEFF/erase-customer-data')
    return { status: 200, body: { participant: 'BANKDEFF', erasedBefore: '2021-01-01T00:00:00.000Z', retentionDays: 1825, erased: 3 } };
  if (request.method === 'GET' && pathname === '/v1/admin/queues')
    return { status: 200, body: { height: 7, at: '2026-12-07T10:00:00.000Z', data: [], nextCursor: null } };
  if (request.method === 'POST' && pathname === `/v1/admin/payments/${UETR}/cancel`) return { status: 200, body: { uetr: UETR, status: 'CANCELLED' } };
  if (request.method === 'GET' && pathname === '/v1/admin/customer-data') return { status: 200, body: { currentKekId: 'kek-1', keks: [] } };
  return problemReply(404, 'not_found');
}

/** The bank's own keys: a key is added as sent; BANKUS33 (its only other key) is the last one. */
function keysRoute(request: ReceivedRequest): Reply | undefined {
  if (request.method === 'POST' && request.url === '/v1/keys/participant') {
    const key = JSON.parse(request.rawBody.toString('utf8')) as { keyId: string; publicKey: string };
    return { status: 201, body: { ...key, participant: 'BANKUS33', createdAt: '2026-12-06T10:00:00.000Z', revokedAt: null } };
  }
  if (request.method === 'DELETE' && request.url === '/v1/keys/participant/BANKUS33') return problemReply(409, 'last_key');
  if (request.method === 'DELETE' && request.url === '/v1/keys/participant/BANKUS33-2027') return { status: 204 };
  return undefined;
}

beforeAll(async () => {
  server = await startLocalServer(async (request) => {
    if (request.url.startsWith('/v1/admin/')) return adminRoute(request);
    const verdict = await verifyRequest(
      { method: request.method, targetUri: `${server.baseUrl}${request.url}`, headers: request.headers, rawBody: request.rawBody },
      { lookupKey: (keyId) => (keyId === 'BANKUS33' ? bank.publicKey : undefined) },
    );
    if (!verdict.ok) return { status: 401, body: { type: 'x', title: 'x', status: 401, code: verdict.code } };
    if (request.url.startsWith('/v1/quotes')) return { status: 201, body: { id: 'q_1', ...JSON.parse(request.rawBody.toString()) } };
    const wayBack = wayBackRoute(request) ?? accountsAndIsoRoute(request) ?? keysRoute(request);
    if (wayBack) return wayBack;
    if (request.url.startsWith('/v1/payments/'))
      return { status: 404, body: { type: 'x', title: 'Not found', status: 404, code: 'not_found', detail: 'no such payment' } };
    return { status: 500, body: {} };
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-cli-unit-'));
  keyFile = path.join(dir, 'bank.key');
  fs.writeFileSync(keyFile, `${base64UrlEncode(bank.seed)}\n`);
});

beforeEach(() => {
  server.received.length = 0;
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = () => ['--url', server.baseUrl, '--participant', 'BANKUS33', '--key-file', keyFile];

describe('nostro CLI', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toMatch(/Usage: nostro/);
    expect(help.out).toContain('4 pacs008: at\nleast one transaction refused (RJCT)');
    const commands = [
      'quote',
      'pay',
      'status',
      'verify',
      'incoming',
      'cancel',
      'recall',
      'respond-recall',
      'return',
      'statement',
      'entries',
      'pacs008',
      'keys',
      'admin',
    ];
    for (const command of commands) {
      expect(help.out).toContain(command);
      const sub = await run([command, '--help']);
      expect({ command, code: sub.code }).toEqual({ command, code: EXIT.ok });
      expect(sub.out).toContain(`Usage: nostro ${command}`);
    }
  });

  it('signs its requests: a quote comes back as JSON on stdout', async () => {
    const result = await run([...auth(), 'quote', '--from', 'USD', '--to', 'EUR', '--send', '10.00', '--creditor', 'BANKDE55']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual({ id: 'q_1', sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: 'BANKDE55' });
  });

  it('pay --queue-for sends liquidity { onShortfall: queue, queueFor }; a value out of 1..86400 is a usage error', async () => {
    const pay = [
      'pay',
      '--quote',
      'q_1',
      '--end-to-end-id',
      'E2E-1',
      '--debtor-name',
      'A',
      '--debtor-account',
      'A1',
      '--creditor-name',
      'B',
      '--creditor-account',
      'B1',
    ];
    await run([...auth(), ...pay, '--queue-for', '600']);
    const sent = server.received.find((r) => r.url === '/v1/payments');
    expect(JSON.parse(sent?.rawBody.toString('utf8') ?? '{}')).toMatchObject({ quoteId: 'q_1', liquidity: { onShortfall: 'queue', queueFor: 600 } });
    for (const bad of ['0', '86401', '1.5', 'soon']) {
      const result = await run([...auth(), ...pay, '--queue-for', bad]);
      expect(result).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('whole seconds, 1 to 86400') });
    }
  });

  it('condition prints a fresh preimage and its SHA-256 with the deadline, locally; a bad instant is a usage error', async () => {
    const result = await run(['condition', '--expires', '2031-01-09T02:00:00+02:00']);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    const made = JSON.parse(result.out) as { preimage: string; condition: { type: string; hash: string; expiresAt: string } };
    expect(made.condition).toEqual({ type: 'sha256', hash: conditionHash(made.preimage), expiresAt: '2031-01-09T00:00:00.000Z' });
    expect(Buffer.from(made.preimage, 'base64url')).toHaveLength(32);
    expect(server.received).toEqual([]);
    for (const bad of ['2031-01-09', 'tomorrow', '2031-01-09T00:00:00']) {
      expect(await run(['condition', '--expires', bad])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('RFC 3339') });
    }
  });

  it('pay --condition-hash --condition-expires sends the condition; one without the other, or a bad hash, is a usage error', async () => {
    const pay = [
      'pay',
      '--quote',
      'q_1',
      '--end-to-end-id',
      'E2E-1',
      '--debtor-name',
      'A',
      '--debtor-account',
      'A1',
      '--creditor-name',
      'B',
      '--creditor-account',
      'B1',
    ];
    const hash = 'AB'.repeat(32);
    await run([...auth(), ...pay, '--condition-hash', hash, '--condition-expires', '2031-01-09T00:00:00Z']);
    const sent = server.received.find((r) => r.url === '/v1/payments');
    expect(JSON.parse(sent?.rawBody.toString('utf8') ?? '{}')).toMatchObject({
      quoteId: 'q_1',
      condition: { type: 'sha256', hash: 'ab'.repeat(32), expiresAt: '2031-01-09T00:00:00.000Z' },
    });
    server.received.length = 0;
    expect(await run([...auth(), ...pay, '--condition-hash', hash])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--condition-expires') });
    expect(await run([...auth(), ...pay, '--condition-expires', '2031-01-09T00:00:00Z'])).toMatchObject({ code: EXIT.usage });
    expect(await run([...auth(), ...pay, '--condition-hash', 'ab', '--condition-expires', '2031-01-09T00:00:00Z'])).toMatchObject({
      code: EXIT.usage,
      err: expect.stringContaining('64 hex digits'),
    });
    expect(server.received).toEqual([]);
  });

  it('fulfil posts the preimage with an Idempotency-Key; a refusal is the problem on stderr, exit 1', async () => {
    const done = await run([...auth(), 'fulfil', UETR, '--preimage', 'c2VjcmV0', '--idempotency-key', 'f-1']);
    expect(done).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(done.out)).toEqual({ uetr: UETR, status: 'RESERVED' });
    expect(server.received[0]).toMatchObject({ method: 'POST', url: `/v1/incoming-payments/${UETR}/fulfil` });
    expect(server.received[0].headers['idempotency-key']).toBe('f-1');
    expect(JSON.parse(server.received[0].rawBody.toString('utf8'))).toEqual({ preimage: 'c2VjcmV0' });
    const refused = await run([...auth(), 'fulfil', CANCELLED, '--preimage', 'c2VjcmV0']);
    expect(refused.code).toBe(EXIT.api);
    expect(JSON.parse(refused.err)).toMatchObject({ status: 422, code: 'condition_not_met' });
    expect(await run([...auth(), 'fulfil', UETR, '--preimage', 'c2VjcmV0=='])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('base64url') });
  });

  it('prints the problem on stderr and exits 1 when the API refuses', async () => {
    const result = await run([...auth(), 'status', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(EXIT.api);
    expect(JSON.parse(result.err)).toMatchObject({ code: 'not_found' });
  });

  it.each([
    [['quote', '--from', 'USD', '--to', 'EUR', '--creditor', 'B'], 'exactly one of --send and --receive'],
    [['status'], "missing required argument 'uetr'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const result = await run([...auth(), ...args]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
  });

  it('exits 2 without credentials, naming what is missing', async () => {
    const result = await run(['--url', server.baseUrl, 'status', 'x']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain('--participant');
  });
});

/** The one request the last command sent: method, path, JSON body and Idempotency-Key. */
function sent() {
  expect(server.received).toHaveLength(1);
  const [request] = server.received;
  const body = request.rawBody.length > 0 ? (JSON.parse(request.rawBody.toString('utf8')) as unknown) : undefined;
  return { method: request.method, path: request.url, body, idempotencyKey: request.headers['idempotency-key'] };
}

describe('nostro CLI: the way back', () => {
  it.each([
    [
      'recall',
      [
        'DUPL  duplicate payment',
        'FRAD  fraudulent origin',
        'TECH  technical problem',
        'CUST  requested by the customer',
        'AM09  wrong amount',
        'AC03  wrong creditor account',
        'UPAY  undue payment',
      ],
    ],
    [
      'respond-recall',
      [
        'NOOR  no original transaction',
        'CUST  the customer refused',
        'AC04  account closed',
        'ARDT  already returned',
        'LEGL  legal decision',
        'NOAS  no answer from the customer',
      ],
    ],
    [
      'return',
      [
        'AC01  incorrect account number',
        'AC04  closed account',
        'AC06  blocked account',
        'AM09  wrong amount',
        'BE04  missing creditor address',
        'MS02  not specified, by the customer',
        'MS03  not specified, by the agent',
        'RR04  regulatory reason',
      ],
    ],
  ])('%s --help names every reason code with its meaning', async (command, lines) => {
    const help = await run([command, '--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const line of lines) expect(help.out).toContain(line);
  });

  it('cancel posts the reason with a new Idempotency-Key and prints the answer', async () => {
    const result = await run([...auth(), 'cancel', UETR, '--reason', 'customer asked']);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(result.out)).toEqual({ uetr: UETR, status: 'CANCELLED' });
    expect(sent()).toEqual({
      method: 'POST',
      path: `/v1/payments/${UETR}/cancel`,
      body: { reason: 'customer asked' },
      idempotencyKey: expect.stringMatching(UUID_V4),
    });
  });

  it('cancel without a reason sends an empty body, with the Idempotency-Key it is given', async () => {
    expect((await run([...auth(), 'cancel', UETR, '--idempotency-key', 'cancel-77'])).code).toBe(EXIT.ok);
    expect(sent()).toMatchObject({ body: {}, idempotencyKey: 'cancel-77' });
  });

  it('recall takes the reason code in any case and prints the pending recall', async () => {
    const result = await run([...auth(), 'recall', UETR, '--reason', 'dupl', '--comment', 'sent twice']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual(recall);
    expect(sent()).toEqual({
      method: 'POST',
      path: `/v1/payments/${UETR}/recall`,
      body: { reason: 'DUPL', comment: 'sent twice' },
      idempotencyKey: expect.stringMatching(UUID_V4),
    });
  });

  it('respond-recall --accept [--amount] posts an acceptance and prints the return it made', async () => {
    const result = await run([...auth(), 'respond-recall', UETR, '--accept', '--amount', '5.00']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual({ recallId: 'rc-1', status: 'ACCEPTED', returnId: RETURN_ID });
    expect(sent()).toMatchObject({ method: 'POST', path: `/v1/incoming-payments/${UETR}/recall/response`, body: { decision: 'accept', amount: '5.00' } });
  });

  it('respond-recall --reject --reason posts a rejection', async () => {
    expect((await run([...auth(), 'respond-recall', UETR, '--reject', '--reason', 'NOAS'])).code).toBe(EXIT.ok);
    expect(sent()).toMatchObject({ body: { decision: 'reject', reason: 'NOAS' }, idempotencyKey: expect.stringMatching(UUID_V4) });
  });

  it('return posts the reason and amount and prints the return', async () => {
    const result = await run([...auth(), 'return', UETR, '--reason', 'AC04', '--amount', '5.00', '--idempotency-key', 'ret-1']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual(paymentReturn);
    expect(sent()).toEqual({ method: 'POST', path: `/v1/incoming-payments/${UETR}/return`, body: { reason: 'AC04', amount: '5.00' }, idempotencyKey: 'ret-1' });
  });

  it.each([
    [['recall', UETR, '--reason', 'OOPS'], "argument 'OOPS' is invalid. Allowed: DUPL, FRAD, TECH, CUST, AM09, AC03, UPAY"],
    [['recall', UETR], "required option '--reason <code>' not specified"],
    [['return', UETR, '--reason', 'FOCR'], "argument 'FOCR' is invalid. Allowed: AC01, AC04, AC06, AM09, BE04, MS02, MS03, RR04"],
    [['return', UETR], "required option '--reason <code>' not specified"],
    [['respond-recall', UETR], 'give exactly one of --accept and --reject'],
    [['respond-recall', UETR, '--accept', '--reject', '--reason', 'NOAS'], 'give exactly one of --accept and --reject'],
    [['respond-recall', UETR, '--reject'], '--reject needs --reason, one of NOOR, CUST, AC04, ARDT, LEGL, NOAS'],
    [['respond-recall', UETR, '--reject', '--reason', 'DUPL'], "argument 'DUPL' is invalid. Allowed: NOOR, CUST, AC04, ARDT, LEGL, NOAS"],
    [['respond-recall', UETR, '--reject', '--reason', 'NOAS', '--amount', '1.00'], '--amount goes with --accept'],
    [['respond-recall', UETR, '--accept', '--reason', 'NOAS'], '--reason goes with --reject'],
    [['cancel'], "missing required argument 'uetr'"],
  ])('exits 2 without sending anything on a usage error: %j', async (args, message) => {
    const result = await run([...auth(), ...args]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
    expect(server.received).toHaveLength(0);
  });

  it.each([
    [CANCELLED, 'CANCELLED'],
    [RETURNED, 'RETURNED'],
  ])('status --wait stops at once on the final status of %s (%s)', async (uetr, status) => {
    const started = Date.now();
    const result = await run([...auth(), 'status', uetr, '--wait', '5']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({ uetr, status });
    expect(server.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("prints the API's problem and exits 1 when the gateway refuses", async () => {
    const result = await run([...auth(), 'cancel', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(EXIT.api);
    expect(JSON.parse(result.err)).toMatchObject({ code: 'not_found' });
  });
});

describe('nostro verify --return', () => {
  it("fetches the return's proof and the keys and verifies it: exit 0", async () => {
    const result = await run([...auth(), 'verify', UETR, '--return', RETURN_ID]);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual({
      uetr: UETR,
      returnId: RETURN_ID,
      verified: true,
      block: { height: returnProof.block.height, hash: returnProof.block.hash },
      transaction: returnProof.transaction,
    });
    expect(server.received.map((r) => r.url).sort()).toEqual(['/v1/keys', `/v1/payments/${UETR}/returns/${RETURN_ID}/finality`]);
  });

  it('with --incoming fetches the proof of a return you made', async () => {
    expect((await run([...auth(), 'verify', UETR, '--incoming', '--return', RETURN_ID])).code).toBe(EXIT.ok);
    expect(server.received.map((r) => r.url)).toContain(`/v1/incoming-payments/${UETR}/returns/${RETURN_ID}/finality`);
  });

  it('fully offline from a proof file and pinned keys, refusing a proof that is not of that return: exit 3', async () => {
    const keysFile = path.join(dir, 'keys.json');
    const returnFile = path.join(dir, 'return-proof.json');
    const paymentFile = path.join(dir, 'payment-proof.json');
    fs.writeFileSync(keysFile, JSON.stringify(network.keys));
    fs.writeFileSync(returnFile, JSON.stringify(returnProof));
    fs.writeFileSync(paymentFile, JSON.stringify(paymentProof));
    const offline = ['verify', UETR, '--keys-file', keysFile, '--proof-file'];
    expect(await run([...offline, returnFile, '--return', RETURN_ID])).toMatchObject({ code: EXIT.ok });
    const payment = await run([...offline, paymentFile, '--return', RETURN_ID]);
    expect(payment.code).toBe(EXIT.unverified);
    expect(JSON.parse(payment.out)).toMatchObject({ uetr: UETR, returnId: RETURN_ID, verified: false, reason: 'the proof is of another transaction' });
    const asPayment = await run([...offline, returnFile]);
    expect(asPayment.code).toBe(EXIT.unverified);
    expect(JSON.parse(asPayment.out)).toMatchObject({ verified: false, reason: 'the proof is of another transaction' });
    expect(JSON.parse(asPayment.out)).not.toHaveProperty('returnId');
    expect(server.received).toHaveLength(0);
  });
});

describe('nostro statement and entries', () => {
  it('statement prints the JSON statement of a UTC day, the currency upper-cased', async () => {
    const result = await run([...auth(), 'statement', 'usd', '--date', '2026-12-06']);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(result.out)).toEqual(statement);
    expect(server.received.map((r) => [r.url, r.headers.accept])).toEqual([['/v1/accounts/USD/statement?date=2026-12-06', 'application/json']]);
  });

  it('statement --xml prints the camt.053 document as received, with a final newline', async () => {
    const result = await run([...auth(), 'statement', 'USD', '--from-height', '1', '--to-height', '3', '--xml']);
    expect(result).toMatchObject({ code: EXIT.ok, out: `${CAMT053}\n`, err: '' });
    expect(server.received.map((r) => [r.url, r.headers.accept])).toEqual([['/v1/accounts/USD/statement?fromHeight=1&toHeight=3', 'application/xml']]);
  });

  it('entries prints one page, and with --all every entry as one page', async () => {
    const page = await run([...auth(), 'entries', 'USD', '--limit', '2', '--from-height', '1']);
    expect(page.code).toBe(EXIT.ok);
    expect(JSON.parse(page.out)).toEqual({ data: entries.slice(0, 2), nextCursor: '2' });
    expect(server.received.map((r) => r.url)).toEqual(['/v1/accounts/USD/entries?fromHeight=1&limit=2']);
    server.received.length = 0;
    const all = await run([...auth(), 'entries', 'USD', '--all', '--limit', '2']);
    expect(all.code).toBe(EXIT.ok);
    expect(JSON.parse(all.out)).toEqual({ data: entries, nextCursor: null });
    expect(server.received.map((r) => r.url)).toEqual(['/v1/accounts/USD/entries?limit=2', '/v1/accounts/USD/entries?limit=2&cursor=2']);
  });

  it('prints the problem and exits 1 for an account the bank does not hold', async () => {
    const result = await run([...auth(), 'statement', 'GBP']);
    expect(result).toMatchObject({ code: EXIT.api, out: '' });
    expect(JSON.parse(result.err)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it.each([
    [['statement', 'USD', '--date', '2026-12-06', '--from-height', '3'], "option '--date <YYYY-MM-DD>' cannot be used with option '--from-height <n>'"],
    [['statement', 'USD', '--date', '6/12/2026'], 'A UTC date, YYYY-MM-DD.'],
    [['statement', 'US'], 'A three-letter ISO 4217 code, e.g. USD.'],
    [['statement', 'USD', '--from-height', '0'], 'A block height: a positive integer.'],
    [['entries', 'USD', '--limit', '1001'], 'A page size from 1 to 1000.'],
    [['entries', 'USD', '--all', '--cursor', 'abc'], "option '--cursor <cursor>' cannot be used with option '--all'"],
    [['entries'], "missing required argument 'currency'"],
  ])('exits 2 without sending anything on a usage error: %j', async (args, message) => {
    const result = await run([...auth(), ...args]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
    expect(server.received).toHaveLength(0);
  });
});

describe('nostro pacs008', () => {
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('sends the file as it is and prints the pacs.002: exit 0 when every transaction is RCVD', async () => {
    const doc = '<?xml version="1.0"?><Document>two payments, Zoë</Document>';
    const result = await run([...auth(), 'pacs008', file('ok.xml', doc), '--idempotency-key', 'MSG-1']);
    expect(result).toMatchObject({ code: EXIT.ok, out: report(['RCVD', 'RCVD']).replace(/\n?$/, '\n'), err: '' });
    const [request] = server.received;
    expect(request.rawBody.toString('utf8')).toBe(doc);
    expect(request.headers).toMatchObject({ 'content-type': 'application/xml', accept: 'application/xml', 'idempotency-key': 'MSG-1' });
  });

  it('exits 4 when a transaction is RJCT, naming it on stderr', async () => {
    const result = await run([...auth(), 'pacs008', file('part.xml', '<Document>RJCT-PLEASE</Document>')]);
    expect(result.code).toBe(EXIT.rejected);
    expect(result.code).toBe(4);
    expect(result.out).toContain('<TxSts>RJCT</TxSts>');
    expect(result.err).toBe('nostro: 1 of 2 transactions not received:\n  E2E-1 RJCT NARR quote_already_used\n');
    expect(server.received[0].headers['idempotency-key']).toMatch(UUID_V4);
  });

  it('exits 1 with the problem when the gateway refuses the whole file, 2 when the file cannot be read', async () => {
    const refused = await run([...auth(), 'pacs008', file('bad.xml', 'not xml')]);
    expect(refused.code).toBe(EXIT.api);
    expect(JSON.parse(refused.err)).toMatchObject({ code: 'validation_failed' });
    expect(refused.out).toBe('');
    server.received.length = 0;
    const missing = await run([...auth(), 'pacs008', path.join(dir, 'nowhere.xml')]);
    expect(missing).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('cannot read') });
    expect(server.received).toHaveLength(0);
  });
});

describe('nostro keys: rotation without an operator', () => {
  it('generate writes a new seed with mode 0600, prints its public key, and never overwrites a file', async () => {
    const file = path.join(dir, 'generated.key');
    const result = await run(['keys', 'generate', file]);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    const printed = JSON.parse(result.out) as { file: string; publicKey: string };
    const seed = fs.readFileSync(file, 'utf8');
    expect(seed).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(printed).toEqual({ file, publicKey: base64UrlEncode(publicKeyFromSeed(base64UrlDecode(seed.trim()))) });
    const again = await run(['keys', 'generate', file]);
    expect(again).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('exists: a key file is never overwritten') });
    expect(fs.readFileSync(file, 'utf8')).toBe(seed);
    expect(server.received).toHaveLength(0);
  });

  it('add posts the public key of a seed file, signed with the current key, with a new Idempotency-Key', async () => {
    const next = generateEd25519KeyPair();
    const seedFile = path.join(dir, 'next.key');
    fs.writeFileSync(seedFile, `${base64UrlEncode(next.seed)}\n`);
    const result = await run([...auth(), 'keys', 'add', 'BANKUS33-2027', '--seed-file', seedFile]);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(result.out)).toMatchObject({ keyId: 'BANKUS33-2027', participant: 'BANKUS33', publicKey: base64UrlEncode(next.publicKey) });
    expect(sent()).toEqual({
      method: 'POST',
      path: '/v1/keys/participant',
      body: { keyId: 'BANKUS33-2027', publicKey: base64UrlEncode(next.publicKey) },
      idempotencyKey: expect.stringMatching(UUID_V4),
    });
    expect(JSON.stringify(server.received[0].rawBody.toString('utf8'))).not.toContain(base64UrlEncode(next.seed));
  });

  it('add takes a public key as given, with the Idempotency-Key it is given', async () => {
    const publicKey = base64UrlEncode(generateEd25519KeyPair().publicKey);
    expect((await run([...auth(), 'keys', 'add', 'BANKUS33-2027', '--public-key', publicKey, '--idempotency-key', 'rotate-1'])).code).toBe(EXIT.ok);
    expect(sent()).toMatchObject({ body: { keyId: 'BANKUS33-2027', publicKey }, idempotencyKey: 'rotate-1' });
  });

  it('revoke deletes the key and prints it revoked; the last key is refused with 409 last_key, exit 1', async () => {
    const revoked = await run([...auth(), 'keys', 'revoke', 'BANKUS33-2027']);
    expect(revoked).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(revoked.out)).toEqual({ keyId: 'BANKUS33-2027', revoked: true });
    expect(sent()).toMatchObject({ method: 'DELETE', path: '/v1/keys/participant/BANKUS33-2027' });
    server.received.length = 0;
    const last = await run([...auth(), 'keys', 'revoke', 'BANKUS33']);
    expect(last).toMatchObject({ code: EXIT.api, out: '' });
    expect(JSON.parse(last.err)).toMatchObject({ status: 409, code: 'last_key' });
  });

  it.each([
    [['keys', 'add', 'K2'], 'give exactly one of --public-key and --seed-file'],
    [['keys', 'add', 'K2', '--public-key', 'x', '--seed-file', 'y'], "option '--public-key <base64url>' cannot be used with option '--seed-file <file>'"],
    [['keys', 'add', 'K2', '--seed-file', '/nonexistent/next.key'], 'cannot read the key file /nonexistent/next.key'],
    [['keys', 'revoke'], "missing required argument 'keyId'"],
  ])('exits 2 without sending anything on a usage error: %j', async (args, message) => {
    const result = await run([...auth(), ...args]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a seed file that is not a 32-byte seed', async () => {
    const bad = path.join(dir, 'short.key');
    fs.writeFileSync(bad, 'c2hvcnQ\n');
    const result = await run([...auth(), 'keys', 'add', 'K2', '--seed-file', bad]);
    expect(result).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('is not an Ed25519 seed') });
  });
});

describe('nostro admin: calls held for a second admin', () => {
  let tokenFile: string;
  beforeAll(() => {
    tokenFile = path.join(dir, 'admin2-token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`);
  });
  const admin = () => ['--url', server.baseUrl, 'admin', '--token-file', tokenFile];

  it('requests lists the pending ones by default, with the bearer token of the token file', async () => {
    const result = await run([...admin(), 'requests']);
    expect(result).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(result.out)).toEqual({ data: [held], nextCursor: null });
    expect(server.received.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ['GET', '/v1/admin/requests?status=PENDING_APPROVAL', `Bearer ${TOKEN}`],
    ]);
  });

  it('requests takes a status in any case, --all, a page size and a cursor; or prints one request', async () => {
    await run([...admin(), 'requests', '--status', 'approved', '--limit', '20', '--cursor', 'c1']);
    await run([...admin(), 'requests', '--all']);
    const one = await run([...admin(), 'requests', REQUEST_ID]);
    expect(JSON.parse(one.out)).toEqual(held);
    expect(server.received.map((r) => r.url)).toEqual([
      '/v1/admin/requests?status=APPROVED&limit=20&cursor=c1',
      '/v1/admin/requests',
      `/v1/admin/requests/${REQUEST_ID}`,
    ]);
  });

  it("approve prints the held call's own answer; the token file also comes from NOSTRO_TOKEN_FILE", async () => {
    process.env.NOSTRO_TOKEN_FILE = tokenFile;
    try {
      const result = await run(['--url', server.baseUrl, 'admin', 'approve', REQUEST_ID, '--comment', 'SWIFT confirmation checked']);
      expect(result).toMatchObject({ code: EXIT.ok, err: '' });
      expect(JSON.parse(result.out)).toEqual({ type: 'deposit', currency: 'USD', balance: '250.00' });
    } finally {
      delete process.env.NOSTRO_TOKEN_FILE;
    }
    expect(sent()).toEqual({
      method: 'POST',
      path: `/v1/admin/requests/${REQUEST_ID}/approve`,
      body: { comment: 'SWIFT confirmation checked' },
      idempotencyKey: undefined,
    });
  });

  it('approve of your own request prints 403 four_eyes_required on stderr, exit 1', async () => {
    const result = await run([...admin(), 'approve', REQUEST_ID, '--comment', 'mine']);
    expect(result).toMatchObject({ code: EXIT.api, out: '' });
    expect(JSON.parse(result.err)).toMatchObject({ status: 403, code: 'four_eyes_required' });
  });

  it('reject sends the comment and prints the request, REJECTED; without one it sends an empty body', async () => {
    const result = await run([...admin(), 'reject', REQUEST_ID, '--comment', 'not on the funding plan']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toMatchObject({ requestId: REQUEST_ID, status: 'REJECTED', comment: 'not on the funding plan' });
    server.received.length = 0;
    expect((await run([...admin(), 'reject', REQUEST_ID])).code).toBe(EXIT.ok);
    expect(sent()).toMatchObject({ path: `/v1/admin/requests/${REQUEST_ID}/reject`, body: {} });
  });

  it('queues reads the liquidity queues with its filters; cancel posts the reason with an Idempotency-Key', async () => {
    const queues = await run([...admin(), 'queues', '--debtor', 'BANKUS33', '--currency', 'usd', '--limit', '5']);
    expect(queues).toMatchObject({ code: EXIT.ok, err: '' });
    expect(JSON.parse(queues.out)).toMatchObject({ height: 7, data: [] });
    const cancel = await run([...admin(), 'cancel', UETR, '--reason', 'stuck', '--idempotency-key', 'k-1']);
    expect(JSON.parse(cancel.out)).toEqual({ uetr: UETR, status: 'CANCELLED' });
    expect(server.received.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/v1/admin/queues?participant=BANKUS33&currency=USD&limit=5'],
      ['POST', `/v1/admin/payments/${UETR}/cancel`],
    ]);
    expect(server.received[1].headers['idempotency-key']).toBe('k-1');
    expect(JSON.parse(server.received[1].rawBody.toString('utf8'))).toEqual({ reason: 'stuck' });
  });

  it('erase-customer-data posts the cutoff with an Idempotency-Key; customer-data reads the key status', async () => {
    const result = await run([...admin(), 'erase-customer-data', 'BANKDEFF', '--before', '2021-01-01T00:00:00Z']);
    expect(result.code).toBe(EXIT.ok);
    expect(sent()).toMatchObject({ method: 'POST', path: '/v1/admin/participants/BANKDEFF/erase-customer-data', body: { before: '2021-01-01T00:00:00Z' } });
    expect(sent().idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    server.received.length = 0;
    await run([...admin(), 'customer-data']);
    expect(sent()).toMatchObject({ method: 'GET', path: '/v1/admin/customer-data' });
    const bad = await run([...admin(), 'erase-customer-data', 'BANKDEFF', '--before', 'last tuesday']);
    expect(bad).toMatchObject({ code: EXIT.usage });
    expect(bad.err).toContain('RFC 3339');
    expect((await run(['admin', 'erase-customer-data', '--help'])).out).toContain('PII_RETENTION_DAYS');
  });

  it('--help explains dual control, the statuses and four eyes', async () => {
    expect((await run(['admin', '--help'])).out).toContain('403 four_eyes_required');
    const requests = await run(['admin', 'requests', '--help']);
    expect(requests.out).toContain('Usage: nostro admin requests');
    expect(requests.out).toContain('PENDING_APPROVAL  waiting for a second admin');
    expect((await run(['admin', 'approve', '--help'])).out).toContain('request_not_pending');
    expect((await run(['keys', '--help'])).out).toContain('nostro keys revoke BANKUS33');
  });

  it.each([
    [['--url', 'http://127.0.0.1:1', 'admin', 'requests'], '--token-file (or NOSTRO_TOKEN_FILE) is required'],
    [['--url', 'http://127.0.0.1:1', 'admin', '--token-file', '/nonexistent/token', 'requests'], 'cannot read the token file /nonexistent/token'],
    [['admin', '--token-file', 'x', 'requests', '--status', 'DONE'], 'Allowed: PENDING_APPROVAL, APPROVED, REJECTED, EXPIRED'],
    [['admin', '--token-file', 'x', 'requests', '--status', 'APPROVED', '--all'], 'give --status or --all, not both'],
    [['admin', '--token-file', 'x', 'approve'], "missing required argument 'requestId'"],
  ])('exits 2 without sending anything on a usage error: %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
    expect(server.received).toHaveLength(0);
  });
});
