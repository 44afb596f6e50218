import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { FinalityMessage, LimitsSetMessage, PaymentDecisionMessage, PaymentIntentMessage, TransferRequestMessage, blockHash, signBlock } from '@nostro/shared';
import { TestBank, cluster, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import {
  balance,
  closeKafka,
  finalityRecords,
  intentFor,
  kafkaProducer,
  ledgerCopies,
  makeQuote,
  metricValue,
  produceRequests,
  setLimits,
  settlementEvents,
  settlementMetrics,
  topic,
  waitStatus,
} from './support/settlement';

/** Redelivered, duplicated and reordered messages change nothing twice (the outbox publishes at least once). */
describe('duplicate and reordered delivery', () => {
  let debtor: TestBank;
  let creditor: TestBank;

  /** A payment produced after `messages` on the debtor's partition: once it settles, they have all been consumed. */
  async function barrier(): Promise<void> {
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 100n }));
    await produceRequests([intent], debtor.id);
    await waitStatus(intent.uetr, 'SETTLED');
  }

  const eventCount = () =>
    withDb('settlement', async (db) => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM payment_events')).rows[0].n));

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '5000.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '1000000.00');
  });

  afterAll(() => closeKafka());

  it('a payment intent delivered five times, under one message id and under others, settles once', async () => {
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 12_345n }));
    const copies: PaymentIntentMessage[] = [
      intent,
      intent,
      intent,
      { ...intent, id: randomUUID() },
      { ...intent, id: randomUUID(), acceptedAt: intent.acceptedAt + 1 },
    ];
    await produceRequests(copies, debtor.id);
    await barrier();
    const state = await waitStatus(intent.uetr, 'SETTLED');
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(await ledgerCopies(intent.uetr)).toEqual([1, 1, 1]);
    const events = await settlementEvents([intent.uetr], (e) => e.filter((x) => x.kind === 'payment.status').length >= 2);
    const idsByStatus = new Map<string, Set<string>>();
    for (const e of events) if (e.kind === 'payment.status') idsByStatus.set(e.status, (idsByStatus.get(e.status) ?? new Set()).add(e.id));
    expect([...idsByStatus].map(([status, ids]) => [status, ids.size])).toEqual([
      ['SUBMITTED', 1],
      ['SETTLED', 1],
    ]);
    expect(await balance(`${debtor.id}:USD`)).toBe(500_000n - 12_345n - 100n);
  });

  it('two payments racing for one quote: the first delivered settles, the other is rejected, in either order', async () => {
    const quote = makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 2_000n });
    const early = intentFor(quote, { acceptedAt: Date.now() });
    const late = intentFor(quote, { acceptedAt: Date.now() - 1_000 });
    await produceRequests([early, late], debtor.id);
    expect(await waitStatus(early.uetr)).toMatchObject({ status: 'SETTLED' });
    expect(await waitStatus(late.uetr)).toMatchObject({ status: 'REJECTED', reason: 'quote_already_used' });
  });

  it('a deposit delivered twice under different message ids moves the money once', async () => {
    const before = await balance(`${debtor.id}:USD`);
    const deposit: TransferRequestMessage = {
      kind: 'transfer.request',
      id: randomUUID(),
      requestId: randomUUID(),
      type: 'deposit',
      participant: debtor.id,
      currency: 'USD',
      amountMinor: '7777',
      reference: 'redelivered',
    };
    await produceRequests([deposit, { ...deposit, id: randomUUID() }, deposit], debtor.id);
    await barrier();
    await eventually(
      () => ledgerCopies(deposit.requestId),
      (n) => n.every((c) => c === 1),
    );
    expect(await ledgerCopies(deposit.requestId)).toEqual([1, 1, 1]);
    expect(await balance(`${debtor.id}:USD`)).toBe(before + 7_777n - 100n);
  });

  it('limits delivered twice become one ledger transaction', async () => {
    const limits: LimitsSetMessage = {
      kind: 'limits.set',
      id: randomUUID(),
      requestId: randomUUID(),
      participant: debtor.id,
      currency: 'USD',
      netDebitCapMinor: '0',
      holdAboveMinor: '1000000',
    };
    await produceRequests([limits, { ...limits, id: randomUUID() }], debtor.id);
    await barrier();
    await eventually(
      () => ledgerCopies(limits.requestId),
      (n) => n.every((c) => c === 1),
    );
    expect(await ledgerCopies(limits.requestId)).toEqual([1, 1, 1]);
  });

  it('decisions: one that arrives before its payment is refused; a duplicate counts once; an operator decides once', async () => {
    const bank = await registerBank(['USD'], { USD: '1000.00' });
    expect(await setLimits(bank.id, { currency: 'USD', netDebitCap: '0', holdAbove: '1.00' })).toMatchObject({ status: 200 });
    const intent = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 5_000n }));
    const decision = (operator: string, over: Partial<PaymentDecisionMessage> = {}): PaymentDecisionMessage => ({
      kind: 'payment.decision',
      id: randomUUID(),
      requestId: randomUUID(),
      uetr: intent.uetr,
      decision: 'approve',
      operator: { id: operator, name: operator },
      at: Date.now(),
      ...over,
    });
    const tooEarly = decision('op-early');
    await produceRequests([tooEarly], bank.id);
    await produceRequests([intent], bank.id);
    await waitStatus(intent.uetr, 'HELD');
    const first = decision('op-1');
    const again = decision('op-1');
    await produceRequests([first, { ...first, id: randomUUID() }, first, again], bank.id);
    const replies = await settlementEvents([tooEarly.requestId, first.requestId, again.requestId], (e) => e.length >= 3);
    const byRequest = Object.fromEntries(replies.flatMap((e) => (e.kind === 'request.status' ? [[e.requestId, [e.status, e.reason ?? null]]] : [])));
    expect(byRequest).toEqual({
      [tooEarly.requestId]: ['REJECTED', 'payment_not_found'],
      [first.requestId]: ['SETTLED', null],
      [again.requestId]: ['REJECTED', 'approver_already_decided'],
    });
    expect((await waitStatus(intent.uetr, 'HELD'))?.status).toBe('HELD');
    await produceRequests([decision('op-2')], bank.id);
    const state = await waitStatus(intent.uetr, 'SETTLED');
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'HELD', 'SUBMITTED', 'SETTLED']);
    const rows = await withDb(
      'settlement',
      async (db) =>
        (
          await db.query<{ operator_id: string; outcome: string }>('SELECT operator_id, outcome FROM payment_decisions WHERE uetr = $1 ORDER BY recorded_at', [
            intent.uetr,
          ])
        ).rows,
    );
    expect(rows).toEqual([
      { operator_id: 'op-early', outcome: 'refused' },
      { operator_id: 'op-1', outcome: 'recorded' },
      { operator_id: 'op-1', outcome: 'refused' },
      { operator_id: 'op-2', outcome: 'recorded' },
    ]);
  });

  it('finality records delivered again, reversed and duplicated, change nothing', async () => {
    await barrier();
    const records = await finalityRecords((r) => r.length > 0);
    const heights = new Set(records.map((r) => r.block.height));
    const before = await eventCount();
    const producer = await kafkaProducer();
    const replay = [...records].reverse().flatMap((r) => [r, r]);
    await producer.send({
      topic: topic('ledger.finality'),
      acks: -1,
      messages: replay.map((r) => ({ key: String(r.block.height), value: JSON.stringify(r) })),
    });
    await barrier();
    expect((await eventCount()) - before).toBe(3);
    const known = await withDb('settlement', async (db) =>
      Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM finalized_blocks WHERE height = ANY($1::bigint[])', [[...heights]])).rows[0].n),
    );
    expect(known).toBe(heights.size);
  });

  it('refuses a finality record without a quorum of valid signatures, or whose hash is not its header', async () => {
    const [record] = await finalityRecords((r) => r.length > 0);
    const seed = (v: string) => Buffer.from(fs.readFileSync(cluster().keys[v].file, 'utf8').trim(), 'base64url');
    const header = { ...record.block, height: 900_000 + Math.floor(Math.random() * 90_000) };
    const { hash: _old, ...fields } = header;
    const hash = blockHash(fields);
    const oneSigner: FinalityMessage = { ...record, block: { ...fields, hash }, signatures: [{ validator: 'v0', signature: signBlock(hash, seed('v0')) }] };
    const wrongHash: FinalityMessage = {
      ...record,
      block: { ...fields, height: header.height + 1, hash },
      signatures: ['v0', 'v1'].map((v) => ({ validator: v, signature: signBlock(hash, seed(v)) })),
    };
    const refusedBefore = metricValue(await settlementMetrics(), 'settlement_finality_refused_total');
    const producer = await kafkaProducer();
    await producer.send({ topic: topic('ledger.finality'), acks: -1, messages: [oneSigner, wrongHash].map((r) => ({ value: JSON.stringify(r) })) });
    await barrier();
    expect(metricValue(await settlementMetrics(), 'settlement_finality_refused_total') - (Number.isNaN(refusedBefore) ? 0 : refusedBefore)).toBe(2);
    const forged = await withDb('settlement', async (db) => (await db.query('SELECT 1 FROM finalized_blocks WHERE height >= 900000')).rowCount);
    expect(forged).toBe(0);
  });
});
