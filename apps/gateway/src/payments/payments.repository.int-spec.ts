/**
 * The read model's batch application of settlement's status events, on a fresh gateway database (real Postgres):
 * a batch must leave exactly what applying its events one by one would.
 */
import { PiiCipher, PoolClient, TestDatabase, createLogger, withTransaction } from '@nostro/platform';
import { ISO20022_STATUS, PaymentStatus, SignedQuote } from '@nostro/shared';
import assert from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { CustomerData } from '../customer-data/customer-data.service';
import { CustomerDataRepository } from '../customer-data/customer-data.repository';
import { DeliveryRow, WebhookRepository } from '../webhooks/webhook.repository';
import { proofTransactionOf } from '../webhooks/webhook.dispatcher';
import { webhooksFor } from '../webhooks/webhook.events';
import { paymentView } from './payment.view';
import { PaymentRequest } from '../http/api.schemas';
import { PaymentRow, PaymentsRepository, StatusEvent } from './payments.repository';
import { freshGatewayDatabase, testQuote as quote } from '../testing/gateway-test-db';

interface ReadModel {
  db: TestDatabase;
  repo: PaymentsRepository;
  webhooks: WebhookRepository;
  customerData: CustomerData;
}

/** A fresh gateway database for the calling describe block (created before its tests, dropped after them). */
function readModel(name: string): ReadModel {
  const m = {} as ReadModel;
  beforeAll(async () => {
    m.db = await freshGatewayDatabase(name);
    m.repo = new PaymentsRepository(m.db.pool);
    m.webhooks = new WebhookRepository(m.db.pool);
    m.customerData = new CustomerData(
      new PiiCipher({ id: 'k1', key: randomBytes(32) }),
      new CustomerDataRepository(m.db.pool),
      createLogger('gateway-test', 'silent'),
      0,
    );
  }, 60_000);
  afterAll(() => m.db.drop());
  return m;
}

/** Inserts a RECEIVED payment from BANKUS01 (its request carrying `condition` when given) and answers its UETR. */
async function insertPayment(
  { db, repo, customerData }: ReadModel,
  { at, totalDebitMinor, condition }: { at: Date; totalDebitMinor: bigint; condition?: PaymentRequest['condition'] },
): Promise<string> {
  const uetr = randomUUID();
  const request = {
    quoteId: `q_${uetr}`,
    endToEndId: 'E2E',
    debtor: { name: 'A', account: '1' },
    creditor: { name: 'B', account: '2' },
    ...(condition ? { condition } : {}),
  };
  await withTransaction(db.pool, (tx) =>
    repo.insert(tx, { uetr, participant: 'BANKUS01', quote: quote(`q_${uetr}`), request, sealed: customerData.seal(uetr, request), at, totalDebitMinor }),
  );
  return uetr;
}

const WEBHOOK_URLS = { debtor: 'https://bank-us.example/hooks', creditor: 'https://bank-de.example/hooks' };

/** Applies `events` in one transaction with the webhooks of the last one, stored (the database CHECKs their type). */
function applyWithWebhooks({ db, repo, webhooks }: ReadModel, events: StatusEvent[]) {
  return withTransaction(db.pool, async (tx) => {
    const last = (await repo.applyStatuses(tx, events)).at(-1);
    assert(last?.timeline, 'no event applied');
    const deliveries = webhooksFor({
      sourceId: last.event.id,
      status: last.event.status,
      at: last.event.at,
      payment: last.payment,
      timeline: last.timeline ?? [],
      webhookUrls: WEBHOOK_URLS,
    });
    await webhooks.enqueue(tx, deliveries);
    return deliveries;
  });
}

describe('PaymentsRepository.insertMany', () => {
  const model = readModel('payments_insert');

  it('answers each payment as stored, every column (the quote from the caller, the rest from the database), in input order', async () => {
    const request = { quoteId: 'q', endToEndId: 'E2E', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };
    const list = [randomUUID(), randomUUID()].map((uetr, i) => ({
      uetr,
      participant: 'BANKUS01',
      quote: { ...quote(`q_${uetr}`), sendAmount: `${i + 1}.00` } as SignedQuote,
      request: { ...request, quoteId: `q_${uetr}` },
      sealed: model.customerData.seal(uetr, request),
      at: new Date(),
      totalDebitMinor: 1050n,
      ...(i === 1 ? { rejected: { reason: 'sanctions_match' } } : {}),
    }));
    const answered = await withTransaction(model.db.pool, (tx) => model.repo.insertMany(tx, list));
    const stored = await model.repo.findAnyMany(list.map((p) => p.uetr));
    expect(answered.map((r) => r.uetr)).toEqual(list.map((p) => p.uetr));
    expect(answered).toEqual(list.map((p) => stored.get(p.uetr)));
    expect(answered.map((r) => [r.quote.sendAmount, r.status])).toEqual([
      ['1.00', 'RECEIVED'],
      ['2.00', 'REJECTED'],
    ]);
  });
});

describe('PaymentsRepository.applyStatuses (settlement events in batches)', () => {
  const model = readModel('gwreadmodel');
  const payment = () => insertPayment(model, { at: new Date(Date.now() - 1_000), totalDebitMinor: 1050n });
  const event = (uetr: string, status: string, extra: Partial<StatusEvent> = {}): StatusEvent => ({ id: randomUUID(), uetr, status, at: new Date(), ...extra });
  const apply = (events: StatusEvent[]) => withTransaction(model.db.pool, (tx: PoolClient) => model.repo.applyStatuses(tx, events));

  it('applies events in order until one is final, once each, and tells each event the timeline it had', async () => {
    const a = await payment();
    const b = await payment();
    const block = { height: 7, hash: 'ab'.repeat(32) };
    const applied = await apply([
      event(a, 'SUBMITTED'),
      event(b, 'HELD', { reason: undefined }),
      event(a, 'SETTLED', { block }),
      event(b, 'SUBMITTED'),
      event(a, 'SUBMITTED'), // a redelivered, earlier status: already in the timeline, ignored
    ]);
    expect(applied.map((x) => [x.event.uetr === a ? 'a' : 'b', x.event.status, x.payment.status])).toEqual([
      ['a', 'SUBMITTED', 'SUBMITTED'],
      ['b', 'HELD', 'HELD'],
      ['a', 'SETTLED', 'SETTLED'],
      ['b', 'SUBMITTED', 'SUBMITTED'],
    ]);
    // the HELD webhook must not show the SUBMITTED that came after it in the same batch
    expect(applied[1].timeline?.map((t) => t.status)).toEqual(['RECEIVED', 'HELD']);
    expect(applied[2].timeline?.map((t) => t.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(applied[2].payment).toMatchObject({ block_height: 7n, block_hash: block.hash });
    const rows = await model.repo.findAnyMany([a, b]);
    expect([rows.get(a)?.status, rows.get(b)?.status]).toEqual(['SETTLED', 'SUBMITTED']);
    expect(String(rows.get(a)?.block_height)).toBe('7');
  });

  it('keeps a final status when an earlier status arrives after it (in the same batch or a later one)', async () => {
    const c = await payment();
    await apply([event(c, 'REJECTED', { reason: 'insufficient_funds' }), event(c, 'SUBMITTED')]);
    expect((await model.repo.findAnyMany([c])).get(c)).toMatchObject({ status: 'REJECTED', reason: 'insufficient_funds' });
    expect(await apply([event(c, 'SETTLED')])).toHaveLength(1);
    expect((await model.repo.findAnyMany([c])).get(c)).toMatchObject({ status: 'REJECTED', reason: 'insufficient_funds' });
    const timeline = (await model.repo.timelines([c])).get(c)?.map((t) => t.status);
    expect(timeline).toEqual(expect.arrayContaining(['RECEIVED', 'SUBMITTED', 'REJECTED', 'SETTLED']));
  });

  it('reads timelines only for the payments the caller wants (the ones with webhooks), as of each event', async () => {
    const e = await payment();
    const f = await payment();
    const asked: string[][] = [];
    const applied = await withTransaction(model.db.pool, (tx: PoolClient) =>
      model.repo.applyStatuses(
        tx,
        [event(e, 'SUBMITTED'), event(f, 'SUBMITTED'), event(e, 'SETTLED', { block: { height: 8, hash: 'cd'.repeat(32) } })],
        async (changes) => {
          asked.push(changes.map((c) => `${c.event.uetr === e ? 'e' : 'f'} ${c.event.status} ${c.payment.status}`));
          return new Set([e]);
        },
      ),
    );
    expect(asked).toEqual([['e SUBMITTED SUBMITTED', 'f SUBMITTED SUBMITTED', 'e SETTLED SETTLED']]);
    expect(applied.map((a) => a.timeline?.map((t) => t.status) ?? null)).toEqual([['RECEIVED', 'SUBMITTED'], null, ['RECEIVED', 'SUBMITTED', 'SETTLED']]);
    // The wanted ones come whole, as of their event; the others with their state only (no quote or parties read).
    expect(applied.map((a) => [a.payment.status, 'quote' in a.payment, 'end_to_end_id' in a.payment])).toEqual([
      ['SUBMITTED', true, true],
      ['SUBMITTED', false, false],
      ['SETTLED', true, true],
    ]);
    expect(applied[2].payment).toMatchObject({ block_height: 8n, block_hash: 'cd'.repeat(32), quote: { id: `q_${e}` } });
    expect(applied[0].payment).toMatchObject({ block_height: null, quote: { id: `q_${e}` } });
    expect((await model.repo.findAnyMany([f])).get(f)?.status).toBe('SUBMITTED');
  });

  it('ignores events for payments it does not know, and a replayed batch changes nothing', async () => {
    const d = await payment();
    const batch = [event(randomUUID(), 'SETTLED'), event(d, 'SUBMITTED'), event(d, 'SETTLED')];
    expect((await apply(batch)).map((x) => x.event.status)).toEqual(['SUBMITTED', 'SETTLED']);
    expect(await apply(batch)).toEqual([]);
    expect((await model.repo.findAnyMany([d])).get(d)?.status).toBe('SETTLED');
  });
});

describe('a queued payment (API.md "Liquidity queue") in the read model', () => {
  const model = readModel('gwqueued');

  it('shows QUEUED with queuedUntil, tells the debtor (payment.queued, stored), and drops queuedUntil once it settles', async () => {
    const uetr = await insertPayment(model, { at: new Date(Date.now() - 1_000), totalDebitMinor: 1050n });
    const queuedUntil = Date.parse('2031-01-02T03:04:05.000Z');
    const deliveries = await applyWithWebhooks(model, [
      { id: randomUUID(), uetr, status: 'SUBMITTED', at: new Date() },
      { id: randomUUID(), uetr, status: 'QUEUED', at: new Date(), queuedUntil },
    ]);
    expect(deliveries.map((d) => [d.participant, d.type])).toEqual([['BANKUS01', 'payment.queued']]);
    expect(deliveries[0].payload.data.payment).toMatchObject({ status: 'QUEUED', queuedUntil: '2031-01-02T03:04:05.000Z' });
    const row = (await model.repo.findAnyMany([uetr])).get(uetr);
    expect(row?.status).toBe('QUEUED');
    const view = paymentView(row as PaymentRow, (await model.repo.timelines([uetr])).get(uetr) ?? []);
    expect(view).toMatchObject({ status: 'QUEUED', queuedUntil: '2031-01-02T03:04:05.000Z' });
    expect(view.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'SUBMITTED', 'QUEUED']);
    expect(ISO20022_STATUS[view.status as PaymentStatus]).toBe('PDNG');

    await withTransaction(model.db.pool, (tx) =>
      model.repo.applyStatuses(tx, [{ id: randomUUID(), uetr, status: 'SETTLED', at: new Date(), block: { height: 3, hash: 'ef'.repeat(32) } }]),
    );
    const settled = paymentView((await model.repo.findAnyMany([uetr])).get(uetr) as PaymentRow, []);
    expect(settled.status).toBe('SETTLED');
    expect(settled).not.toHaveProperty('queuedUntil');
  });

  it('refuses a QUEUED payment without its deadline (database CHECK)', async () => {
    const uetr = await insertPayment(model, { at: new Date(), totalDebitMinor: 1n });
    await expect(
      withTransaction(model.db.pool, (tx) => model.repo.applyStatuses(tx, [{ id: randomUUID(), uetr, status: 'QUEUED', at: new Date() }])),
    ).rejects.toThrow(/payments_queued_until/);
  });
});

describe('a conditional payment (API.md "Conditional payments") in the read model', () => {
  const model = readModel('gwescrow');

  const condition = { type: 'sha256' as const, hash: 'cd'.repeat(32), expiresAt: '2031-01-02T03:04:05.000Z' };

  const conditional = () => insertPayment(model, { at: new Date(), totalDebitMinor: 1050n, condition });

  it('keeps the condition, shows RESERVED with reservedUntil, tells both banks; the fulfilment’s id names the creditor’s proof', async () => {
    const uetr = await conditional();
    const reservedUntil = Date.parse(condition.expiresAt);
    const reserved = await applyWithWebhooks(model, [
      { id: randomUUID(), uetr, status: 'SUBMITTED', at: new Date() },
      { id: randomUUID(), uetr, status: 'RESERVED', at: new Date(), reservedUntil },
    ]);
    expect(reserved.map((d) => [d.participant, d.type])).toEqual([
      ['BANKUS01', 'payment.reserved'],
      ['BANKDE01', 'payment.reserved'],
    ]);
    const row = (await model.repo.findAnyMany([uetr])).get(uetr) as PaymentRow;
    expect(paymentView(row, [])).toMatchObject({ status: 'RESERVED', condition, reservedUntil: condition.expiresAt });
    expect(ISO20022_STATUS[row.status as PaymentStatus]).toBe('ACSP');

    const fulfilmentId = randomUUID();
    const settled = await applyWithWebhooks(model, [
      { id: randomUUID(), uetr, status: 'SETTLED', at: new Date(), block: { height: 4, hash: 'ab'.repeat(32) }, ledgerTxId: fulfilmentId },
    ]);
    const after = (await model.repo.findAnyMany([uetr])).get(uetr) as PaymentRow;
    expect(after).toMatchObject({ status: 'SETTLED', ledger_tx_id: fulfilmentId });
    expect(paymentView(after, [])).toMatchObject({ condition });
    expect(paymentView(after, [])).not.toHaveProperty('reservedUntil');
    const stored = (await model.webhooks.list({ uetr, limit: 10 })).filter((d) => d.type === 'payment.received' || d.type === 'payment.settled');
    expect(stored.map((d) => [d.type, d.proof_tx_id])).toEqual(
      expect.arrayContaining([
        ['payment.settled', null],
        ['payment.received', fulfilmentId],
      ]),
    );
    expect(proofTransactionOf(stored.find((d) => d.type === 'payment.received') as DeliveryRow)).toBe(fulfilmentId);
    expect(settled).toHaveLength(2);
  });

  it('refuses a RESERVED payment without a condition, and a condition hash that is not lower-case hex (database CHECKs)', async () => {
    const uetr = await insertPayment(model, { at: new Date(), totalDebitMinor: 1n });
    await expect(
      withTransaction(model.db.pool, (tx) =>
        model.repo.applyStatuses(tx, [{ id: randomUUID(), uetr, status: 'RESERVED', at: new Date(), reservedUntil: Date.now() }]),
      ),
    ).rejects.toThrow(/payments_reserved_conditional/);
    await expect(
      model.db.pool.query(`UPDATE payments SET condition_hash = $2, condition_expires_at = now() WHERE uetr = $1`, [uetr, 'AB'.repeat(32)]),
    ).rejects.toThrow(/payments_condition_hash/);
  });
});
