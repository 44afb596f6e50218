/**
 * fx-quote's internal batch endpoint (used by the gateway for `POST /v1/quotes/batch`): up to 1,000 requests, one
 * quote or problem per request, in order.
 */
import { SignedQuote, asCurrency, parseAmount, verifyQuote } from '@nostro/shared-node';
import { cluster, fundFxDesk } from '../support/cluster';
import { randomUUID } from 'node:crypto';
import { call } from './support/fx-process';

const BANK = 'BANKUS33';
const item = (targetCurrency: string, amount: Record<string, string>): Record<string, string> => ({
  sourceCurrency: 'USD',
  targetCurrency,
  creditorParticipant: 'BANKDE55',
  ...amount,
});

describe('POST /v1/fx/quotes/batch', () => {
  const url = () => `http://127.0.0.1:${cluster().ports['fx-quote']}/v1/fx/quotes/batch`;

  beforeAll(async () => {
    // Works whether or not the cluster's fx-quote checks FXDESK liquidity.
    // enough for the 1,000-quote batch below (1 + … + 1,000 USD ≈ 680,000 SGD) whatever earlier tests reserved
    await fundFxDesk('SGD', '2000000.00');
    await fundFxDesk('JPY', '1000000');
  });

  it('answers one quote or problem per request, in request order', async () => {
    const answer = await call<{ results: Record<string, unknown>[] }>(url(), 'POST', {
      participant: BANK,
      requests: [
        item('SGD', { sendAmount: '10.00' }),
        item('SGD', { sendAmount: '10.001' }),
        item('KRW', { sendAmount: '10.00' }),
        item('JPY', { receiveAmount: '1500' }),
        item('SGD', { sendAmount: '1000000.01' }),
        { sourceCurrency: 'USD', targetCurrency: 'SGD', sendAmount: 10, creditorParticipant: 'BANKDE55' },
        item('SGD', { sendAmount: '10.00', receiveAmount: '10.00' }),
      ],
    });
    expect(answer.status).toBe(201);
    const { results } = answer.body;
    expect(results.map((r) => (r.problem ? (r.problem as { code: string }).code : 'quote'))).toEqual([
      'quote',
      'validation_failed',
      'corridor_unavailable', // KRW is ISO 4217, but no corridor reaches it here
      'quote',
      'validation_failed',
      'validation_failed',
      'validation_failed',
    ]);
    expect(results[0]).toMatchObject({ participant: BANK, sourceCurrency: 'USD', targetCurrency: 'SGD', sendAmount: '10.00', totalDebit: '12.50' });
    expect(results[3]).toMatchObject({ targetCurrency: 'JPY', receiveAmount: '1500' });
    expect(results[1].problem).toMatchObject({ status: 400, errors: [{ path: 'sendAmount' }] });
    expect(results[4].problem).toMatchObject({ status: 400, errors: [{ path: 'sendAmount' }], detail: expect.stringContaining('above the maximum') });
    expect(new Set(results.filter((r) => !r.problem).map((r) => r.id)).size).toBe(2);
    // The quotes priced in one call share one signature over the Merkle root of their texts, each with its path.
    const quotes = results.filter((r) => !r.problem) as unknown as SignedQuote[];
    expect(quotes.map((q) => [q.batch?.index, q.batch?.size])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(quotes[1].signature).toBe(quotes[0].signature);
    for (const q of quotes) expect(verifyQuote(q, cluster().keys.fx.publicKey)).toBe(true);
    expect(verifyQuote({ ...quotes[1], batch: quotes[0].batch }, cluster().keys.fx.publicKey)).toBe(false);
  });

  it('refuses an unavailable corridor per item, beside quotes that succeed', async () => {
    const answer = await call<{ results: Record<string, unknown>[] }>(url(), 'POST', {
      participant: BANK,
      requests: [item('SGD', { sendAmount: '1.00' }), { ...item('USD', { sendAmount: '1.00' }) }, item('SGD', { sendAmount: '2.00' })],
    });
    expect(answer.body.results.map((r) => (r.problem ? (r.problem as { code: string; status: number }).code : r.sendAmount))).toEqual([
      '1.00',
      'corridor_unavailable',
      '2.00',
    ]);
    expect(answer.body.results[1].problem).toMatchObject({ status: 422, type: 'https://nostro.dev/problems/corridor_unavailable' });
  });

  it('quotes 1,000 requests in one call and refuses 1,001', async () => {
    const requests = Array.from({ length: 1_000 }, (_, i) => item('SGD', { sendAmount: `${i + 1}.00` }));
    const started = Date.now();
    const answer = await call<{ results: { sendAmount: string; receiveAmount: string }[] }>(url(), 'POST', { participant: BANK, requests });
    process.stderr.write(`batch of 1,000 quotes answered in ${Date.now() - started} ms\n`);
    expect(answer.status).toBe(201);
    expect(answer.body.results.map((r) => r.sendAmount)).toEqual(requests.map((r) => r.sendAmount));
    const sgd = asCurrency('SGD');
    const receives = answer.body.results.map((r) => parseAmount(r.receiveAmount, sgd));
    for (let i = 1; i < receives.length; i++) expect(receives[i] > receives[i - 1]).toBe(true);

    const tooMany = await call(url(), 'POST', { participant: BANK, requests: [...requests, item('SGD', { sendAmount: '1.00' })] });
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(await call(url(), 'POST', { participant: BANK, requests: [] })).toMatchObject({ status: 400 });
  });
});

describe("POST /v1/fx/quotes/consume (the gateway's payment batches)", () => {
  const base = () => `http://127.0.0.1:${cluster().ports['fx-quote']}/v1/fx/quotes`;
  const uuid = () => randomUUID();

  beforeAll(async () => {
    await fundFxDesk('SGD', '100000.00');
  });

  async function quotes(n: number, participant = BANK): Promise<string[]> {
    const answer = await call<{ results: { id: string }[] }>(`${base()}/batch`, 'POST', {
      participant,
      requests: Array.from({ length: n }, () => item('SGD', { sendAmount: '5.00' })),
    });
    expect(answer.status).toBe(201);
    return answer.body.results.map((r) => r.id);
  }

  it('uses each quote once, in item order: a second item naming the same quote is refused, a retry of the same uetr is not', async () => {
    const [a, b, c] = await quotes(3);
    const [u1, u2, u3, u4] = [uuid(), uuid(), uuid(), uuid()];
    const items = [
      { quoteId: a, uetr: u1 },
      { quoteId: a, uetr: u2 },
      { quoteId: 'q_no_such_quote', uetr: u3 },
      { quoteId: b, uetr: u4 },
    ];
    const first = await call<{ results: Record<string, unknown>[] }>(`${base()}/consume`, 'POST', { participant: BANK, items });
    expect(first.status).toBe(200);
    const summary = (results: Record<string, unknown>[]) => results.map((r) => (r.problem ? (r.problem as { code: string }).code : r.id));
    expect(summary(first.body.results)).toEqual([a, 'quote_already_used', 'quote_not_found', b]);
    // The same items again (a gateway retrying after a crash): the uetrs that got their quote get it again.
    const again = await call<{ results: Record<string, unknown>[] }>(`${base()}/consume`, 'POST', { participant: BANK, items });
    expect(summary(again.body.results)).toEqual([a, 'quote_already_used', 'quote_not_found', b]);
    // Another participant cannot use or even see the quote; the unused one stays usable by its owner.
    const stranger = await call<{ results: Record<string, unknown>[] }>(`${base()}/consume`, 'POST', {
      participant: 'BANKDE55',
      items: [{ quoteId: c, uetr: uuid() }],
    });
    expect(summary(stranger.body.results)).toEqual(['quote_not_found']);
    const owner = await call<{ results: Record<string, unknown>[] }>(`${base()}/consume`, 'POST', { participant: BANK, items: [{ quoteId: c, uetr: uuid() }] });
    expect(summary(owner.body.results)).toEqual([c]);
  });

  it('refuses a malformed call as a whole (400) and more than 1,000 items', async () => {
    const bad = await call<{ code: string; errors: { path: string }[] }>(`${base()}/consume`, 'POST', {
      participant: BANK,
      items: [{ quoteId: 'q_x', uetr: 'not-a-uuid' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toEqual(['items.0.uetr']);
    const many = await call(`${base()}/consume`, 'POST', { participant: BANK, items: Array.from({ length: 1001 }, () => ({ quoteId: 'q_x', uetr: uuid() })) });
    expect(many.status).toBe(400);
  });
});

describe("POST /v1/fx/quotes/groups and /v1/fx/quotes/consume-groups (the gateway's single requests of every bank)", () => {
  const base = () => `http://127.0.0.1:${cluster().ports['fx-quote']}/v1/fx/quotes`;
  const OTHER = 'BANKGB22';
  type Groups = { groups: { results: Record<string, unknown>[] }[] };
  const summary = (results: Record<string, unknown>[]) => results.map((r) => (r.problem ? (r.problem as { code: string }).code : r.participant));

  beforeAll(async () => {
    await fundFxDesk('SGD', '100000.00');
  });

  it('answers one result list per bank, each item for its own bank, and uses each quote for its own bank only', async () => {
    const priced = await call<Groups>(`${base()}/groups`, 'POST', {
      groups: [
        { participant: BANK, requests: [item('SGD', { sendAmount: '7.00' }), item('KRW', { sendAmount: '7.00' }), item('SGD', { sendAmount: '8.00' })] },
        { participant: OTHER, requests: [item('SGD', { sendAmount: '9.00' }), item('SGD', { sendAmount: '9.001' })] },
      ],
    });
    expect(priced.status).toBe(201);
    const [ours, theirs] = priced.body.groups.map((g) => g.results);
    expect(summary(ours)).toEqual([BANK, 'corridor_unavailable', BANK]);
    expect(summary(theirs)).toEqual([OTHER, 'validation_failed']);
    expect(theirs[1].problem).toMatchObject({ status: 400, errors: [{ path: 'sendAmount' }] });
    const quotes = [ours[0], ours[2], theirs[0]] as unknown as SignedQuote[];
    // Each bank's quotes are signed as its own batch, and verify.
    expect(quotes.map((q) => q.batch?.size ?? 1)).toEqual([2, 2, 1]);
    for (const q of quotes) expect(verifyQuote(q, cluster().keys.fx.publicKey)).toBe(true);

    const used = await call<Groups>(`${base()}/consume-groups`, 'POST', {
      groups: [
        {
          participant: BANK,
          items: [
            { quoteId: quotes[0].id, uetr: randomUUID() },
            { quoteId: quotes[2].id, uetr: randomUUID() },
          ],
        },
        {
          participant: OTHER,
          items: [
            { quoteId: quotes[2].id, uetr: randomUUID() },
            { quoteId: quotes[1].id, uetr: randomUUID() },
          ],
        },
      ],
    });
    expect(used.status).toBe(200);
    const uses = used.body.groups.map((g) => g.results.map((r) => (r.problem ? (r.problem as { code: string }).code : r.id)));
    expect(uses).toEqual([
      [quotes[0].id, 'quote_not_found'],
      [quotes[2].id, 'quote_not_found'],
    ]);
  });

  it('refuses a malformed call as a whole (400), and more than 1,000 items in all', async () => {
    const bad = await call<{ code: string; errors: { path: string }[] }>(`${base()}/consume-groups`, 'POST', {
      groups: [{ participant: BANK, items: [{ quoteId: 'q_x', uetr: 'not-a-uuid' }] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path)).toEqual(['groups.0.items.0.uetr']);
    const requests = Array.from({ length: 501 }, () => item('SGD', { sendAmount: '1.00' }));
    const many = await call<{ code: string; errors: { path: string }[] }>(`${base()}/groups`, 'POST', {
      groups: [
        { participant: BANK, requests },
        { participant: OTHER, requests },
      ],
    });
    expect(many.status).toBe(400);
    expect(many.body.errors.map((e) => e.path)).toEqual(['groups']);
    const empty = await call(`${base()}/groups`, 'POST', { groups: [] });
    expect(empty.status).toBe(400);
  });
});
