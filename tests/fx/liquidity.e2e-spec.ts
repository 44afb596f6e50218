/**
 * FXDESK's target-currency balance bounds what fx-quote quotes: every quote holds its receive amount, a used quote
 * keeps holding until its payment is final (settled: until the ledger balance shows it; rejected: released), and an
 * expired unused quote releases. Real validators, settlement and Kafka; payments enter settlement as the gateway
 * sends them (payment.intent on settlement.requests).
 */
import { formatAmount, parseAmount, asCurrency } from '@nostro/shared';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { TestBank, cluster, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import { FxDeployment, call, counterTotal, deployFx } from './support/fx-process';

const MXN = asCurrency('MXN');
const TTL_MS = 5_000;

interface Position {
  currency: string;
  balance: string;
  reserved: string;
  available: string;
}

describe('FXDESK liquidity bounds quotes, and reservations follow payments to their end', () => {
  let fx: FxDeployment;
  let url: string;
  let producer: Producer;
  let debtor: TestBank;
  let unfunded: TestBank;
  let creditor: TestBank;

  beforeAll(async () => {
    const c = cluster();
    const ledgerUrls = ['v0', 'v1', 'v2'].map((v) => `http://127.0.0.1:${c.ports[v]}`).join(',');
    [debtor, unfunded, creditor] = await Promise.all([registerBank(['USD'], { USD: '5000.00' }), registerBank(['USD']), registerBank(['MXN'])]);
    await fundFxDesk('MXN', '1000.00');
    fx = await deployFx('liquidity', 70, { LEDGER_URLS: ledgerUrls, FX_LEDGER_REFRESH_MS: '200', QUOTE_TTL_MS: String(TTL_MS), FX_SWEEP_INTERVAL_MS: '200' });
    url = fx.replicas[0].url;
    producer = new Kafka({ clientId: 'fx-liquidity-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await fx?.stop();
  });

  const mxn = async (): Promise<Position> => {
    const answer = await call<{ checked: boolean; positions: Position[] }>(`${url}/v1/fx/liquidity`, 'GET');
    expect(answer.body.checked).toBe(true);
    return answer.body.positions.find((p) => p.currency === 'MXN') as Position;
  };
  const quote = (bank: TestBank, receiveAmount: string) =>
    call<{ id: string; code?: string }>(`${url}/v1/fx/quotes`, 'POST', {
      participant: bank.id,
      request: { sourceCurrency: 'USD', targetCurrency: 'MXN', receiveAmount, creditorParticipant: creditor.id },
    });
  const pay = async (bank: TestBank, quoteId: string): Promise<string> => {
    const uetr = randomUUID();
    const used = await call(`${url}/v1/fx/quotes/${quoteId}/consume`, 'POST', { participant: bank.id, uetr });
    expect(used.status).toBe(200);
    const intent = { kind: 'payment.intent', id: randomUUID(), uetr, participant: bank.id, quote: used.body, acceptedAt: Date.now() };
    await producer.send({ topic: `${cluster().topicPrefix}settlement.requests`, messages: [{ key: uetr, value: JSON.stringify(intent) }] });
    return uetr;
  };
  const paymentStatus = async (uetr: string) =>
    withDb(
      'settlement',
      async (db) => (await db.query<{ status: string; reason: string | null }>('SELECT status, reason FROM payments WHERE uetr = $1', [uetr])).rows[0],
    );
  const minor = (amount: string) => parseAmount(amount, MXN);

  it('refuses what FXDESK cannot deliver, and an expired unused quote gives its reservation back', async () => {
    const start = await mxn();
    const balance = minor(start.balance);
    expect(start.reserved).toBe('0.00');
    expect(minor(start.available)).toBe(balance);
    expect(balance >= 100000n).toBe(true);

    expect(await quote(debtor, formatAmount(balance + 1n, MXN))).toMatchObject({ status: 422, body: { code: 'insufficient_liquidity' } });
    const half = await quote(debtor, formatAmount(balance - 5000n, MXN));
    expect(half.status).toBe(201);
    expect(await quote(debtor, '50.01')).toMatchObject({ status: 422, body: { code: 'insufficient_liquidity' } });
    expect((await quote(debtor, '50.00')).status).toBe(201);
    expect(await mxn()).toMatchObject({ reserved: start.balance, available: '0.00' });
    expect(await quote(debtor, '0.01')).toMatchObject({ status: 422, body: { code: 'insufficient_liquidity' } });

    const released = await eventually(mxn, (p) => p.reserved === '0.00', TTL_MS + 10_000);
    expect(released).toEqual({ currency: 'MXN', balance: start.balance, reserved: '0.00', available: start.balance });
    const [{ n }] = await fx.query<{ n: string }>(`SELECT count(*)::text AS n FROM quotes WHERE reservation = 'released' AND release_reason = 'expired'`);
    expect(n).toBe('2');
    expect(await counterTotal([url], 'fx_quotes_expired_total')).toBe(2);
    expect(await counterTotal([url], 'fx_quotes_refused_total', 'reason="insufficient_liquidity"')).toBe(3);

    // A batch is served in request order: a later, smaller request may fit after a larger one was refused.
    const batch = await call<{ results: { receiveAmount?: string; problem?: { code: string } }[] }>(`${url}/v1/fx/quotes/batch`, 'POST', {
      participant: debtor.id,
      requests: [formatAmount(balance + 1n, MXN), '50.00', formatAmount(balance - 5000n, MXN), '0.01'].map((receiveAmount) => ({
        sourceCurrency: 'USD',
        targetCurrency: 'MXN',
        receiveAmount,
        creditorParticipant: creditor.id,
      })),
    });
    expect(batch.body.results.map((r) => r.problem?.code ?? r.receiveAmount)).toEqual([
      'insufficient_liquidity',
      '50.00',
      formatAmount(balance - 5000n, MXN),
      'insufficient_liquidity',
    ]);
    expect(await mxn()).toMatchObject({ reserved: start.balance, available: '0.00' });
    expect(await eventually(mxn, (p) => p.reserved === '0.00', TTL_MS + 10_000)).toMatchObject({ reserved: '0.00' });
  }, 90_000);

  it('holds a used quote until its payment is final: settled money is never counted neither spent nor reserved', async () => {
    const start = await mxn();
    const balance = minor(start.balance);
    expect(start.reserved).toBe('0.00');
    const toSettle = await quote(debtor, '300.00');
    const toReject = await quote(unfunded, '50.00');
    expect([toSettle.status, toReject.status]).toEqual([201, 201]);

    let watching = true;
    const seen: Position[] = [];
    const watcher = (async () => {
      while (watching) {
        seen.push(await mxn());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const settledUetr = await pay(debtor, toSettle.body.id);
    const rejectedUetr = await pay(unfunded, toReject.body.id);
    const final = await eventually(
      () => Promise.all([paymentStatus(settledUetr), paymentStatus(rejectedUetr)]),
      ([a, b]) => a?.status === 'SETTLED' && b?.status === 'REJECTED',
    );
    expect(final).toEqual([
      { status: 'SETTLED', reason: null },
      { status: 'REJECTED', reason: 'insufficient_funds' },
    ]);
    const end = await eventually(mxn, (p) => p.reserved === '0.00', 15_000);
    watching = false;
    await watcher;

    expect(end).toEqual({ currency: 'MXN', balance: formatAmount(balance - 30000n, MXN), reserved: '0.00', available: formatAmount(balance - 30000n, MXN) });
    // At every moment the 300.00 paid out is either gone from the balance or still reserved (or both, briefly).
    for (const p of seen) expect(balance - minor(p.balance) + minor(p.reserved) >= 30000n).toBe(true);
    // How many positions were sampled depends on the machine's speed; the invariant above is what is asserted.
    expect(seen.length).toBeGreaterThan(0);
    const rows = await fx.query<{ id: string; reservation: string; release_reason: string }>(
      'SELECT id, reservation, release_reason FROM quotes WHERE id = ANY($1)',
      [[toSettle.body.id, toReject.body.id]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, `${r.reservation}/${r.release_reason}`]))).toEqual({
      [toSettle.body.id]: 'released/settled',
      [toReject.body.id]: 'released/rejected',
    });
    expect(await counterTotal([url], 'fx_reservations_released_total', 'reason="settled"')).toBe(1);
    expect(await counterTotal([url], 'fx_reservations_released_total', 'reason="rejected"')).toBe(1);
  }, 60_000);
});
