/**
 * Settlement checks fx-quote's signature over the quote's canonical form: a payment carrying a quote changed after
 * signing is rejected (quote_invalid), while the same payment with the untouched quote settles.
 */
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { SignedQuote, verifyQuote } from '@nostro/shared-node';
import { cluster, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import { call } from './support/fx-process';

describe('a tampered quote', () => {
  it('is refused by settlement, and its untouched original is not', async () => {
    const c = cluster();
    const [debtor, creditor] = await Promise.all([registerBank(['USD'], { USD: '100.00' }), registerBank(['EUR'])]);
    await fundFxDesk('EUR', '1000.00');
    const issued = await call<SignedQuote>(`http://127.0.0.1:${c.ports['fx-quote']}/v1/fx/quotes`, 'POST', {
      participant: debtor.id,
      request: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: creditor.id },
    });
    expect(issued.status).toBe(201);
    const genuine = issued.body;
    const tampered: SignedQuote = { ...genuine, receiveAmount: '19.00' };
    expect(verifyQuote(genuine, c.keys.fx.publicKey)).toBe(true);
    expect(verifyQuote(tampered, c.keys.fx.publicKey)).toBe(false);

    const producer = new Kafka({ clientId: 'fx-tamper-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const [bad, good] = [randomUUID(), randomUUID()];
    try {
      const intent = (uetr: string, quote: SignedQuote) => ({
        key: uetr,
        value: JSON.stringify({ kind: 'payment.intent', id: randomUUID(), uetr, participant: debtor.id, quote, acceptedAt: Date.now() }),
      });
      await producer.send({ topic: `${c.topicPrefix}settlement.requests`, messages: [intent(bad, tampered), intent(good, genuine)] });
    } finally {
      await producer.disconnect();
    }
    const status = (uetr: string) =>
      withDb(
        'settlement',
        async (db) => (await db.query<{ status: string; reason: string | null }>('SELECT status, reason FROM payments WHERE uetr = $1', [uetr])).rows[0],
      );
    const outcome = await eventually(
      () => Promise.all([status(bad), status(good)]),
      ([b, g]) => b?.status === 'REJECTED' && g?.status === 'SETTLED',
    );
    expect(outcome).toEqual([
      { status: 'REJECTED', reason: 'quote_invalid' },
      { status: 'SETTLED', reason: null },
    ]);
  });
});
