/**
 * Conditional payments end to end (API.md "Conditional payments (hash-locked escrow)"): the gateway, settlement,
 * fx-quote and the three validators. The debtor bank pays against a SHA-256 condition; the funds and the FX wait in
 * escrow on the ledger until the creditor bank presents the preimage, or go back when the deadline passes.
 */
import { NostroApiError, newCondition } from '@nostro/client';
import { verifyFinalityProof } from '@nostro/shared';
import { amountOf, eventually, fundFxDesk, minorOf } from '../support/cluster';
import { chain, closeProducer, stackCtl, tipHeight } from '../ledger/support/ledger';
import { bankWithKey, paymentBody, startReceiver, type Receiver } from '../gateway/support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

describe('conditional payments end to end', () => {
  let debtorHooks: Receiver;
  let creditorHooks: Receiver;

  beforeAll(async () => {
    [debtorHooks, creditorHooks] = await Promise.all([startReceiver(), startReceiver()]);
    await fundFxDesk('EUR', '100000.00');
  });

  afterAll(async () => {
    await stackCtl('up');
    await closeProducer();
    await Promise.all([debtorHooks.close(), creditorHooks.close()]);
  }, 180_000);

  const until = (bank: Bank, uetr: string, status: string, timeoutMs = 30_000) =>
    eventually(
      () => bank.client.getPayment(uetr),
      (p) => p.status === status,
      timeoutMs,
    );
  const statuses = async (bank: Bank, uetr: string) => (await bank.client.getPayment(uetr)).timeline.map((t) => t.status);
  const hookTypes = (r: Receiver, uetr: string) =>
    r.received
      .map((h) => JSON.parse(h.body) as { type: string; data: { payment: { uetr: string } } })
      .filter((h) => h.data.payment.uetr === uetr)
      .map((h) => h.type);
  async function proofOk(bank: Bank, uetr: string): Promise<boolean> {
    const keys = await bank.client.getKeys();
    return verifyFinalityProof(await bank.client.getFinality(uetr), { validators: keys.validators, quorum: keys.quorum }).ok;
  }

  async function banks(): Promise<[Bank, Bank]> {
    return Promise.all([
      bankWithKey(['USD'], { deposits: { USD: '1000.00' }, webhookUrl: debtorHooks.url }),
      bankWithKey(['EUR'], { webhookUrl: creditorHooks.url }),
    ]);
  }

  it('reserves into escrow, refuses a wrong preimage at once, and settles on the right one with the fulfilment’s proof', async () => {
    const [debtor, creditor] = await banks();
    const { preimage, condition } = newCondition(new Date(Date.now() + 10 * 60_000).toISOString());
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '100.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), condition });
    const reserved = await until(debtor, uetr, 'RESERVED');
    // The reservation's block is named, so the gateway reads balances as of it at least (never from a validator
    // still behind it): the debtor's funds are in escrow; the creditor has nothing yet.
    expect(reserved.block?.height).toBeGreaterThan(0);
    expect((await debtor.client.getAccounts()).data).toEqual([
      expect.objectContaining({ balance: amountOf(minorOf('1000.00', 'USD') - minorOf(quote.totalDebit, 'USD'), 'USD') }),
    ]);
    expect((await creditor.client.getAccounts()).data).toEqual([expect.objectContaining({ balance: '0.00' })]);
    await eventually(
      async () => [hookTypes(debtorHooks, uetr), hookTypes(creditorHooks, uetr)],
      ([d, c]) => d.includes('payment.reserved') && c.includes('payment.reserved'),
    );
    expect(hookTypes(creditorHooks, uetr)).toContain('payment.reserved');

    const wrong = newCondition(condition.expiresAt).preimage;
    const refused = await creditor.client.fulfil(uetr, wrong).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NostroApiError);
    expect(refused).toMatchObject({ status: 422, code: 'condition_not_met' });
    // Only the creditor bank fulfils: to the debtor the incoming payment does not exist.
    expect(await debtor.client.fulfil(uetr, preimage).catch((e: unknown) => (e as NostroApiError).status)).toBe(404);
    expect((await debtor.client.getPayment(uetr)).status).toBe('RESERVED');

    expect(await creditor.client.fulfil(uetr, preimage)).toMatchObject({ uetr });
    await until(debtor, uetr, 'SETTLED');
    expect(await statuses(debtor, uetr)).toEqual(['RECEIVED', 'SUBMITTED', 'RESERVED', 'SETTLED']);
    expect((await creditor.client.getAccounts()).data).toEqual([expect.objectContaining({ balance: quote.receiveAmount })]);
    expect(await proofOk(debtor, uetr)).toBe(true);
    expect((await debtor.client.getFinality(uetr)).transaction).toMatchObject({ escrow: { step: 'fulfil', preimage } });
    await eventually(
      async () => hookTypes(creditorHooks, uetr),
      (types) => types.includes('payment.received'),
    );
    expect(hookTypes(creditorHooks, uetr)).toContain('payment.received');
  });

  it('gives everything back, fees included, when the deadline passes with no other traffic; a late fulfilment is refused', async () => {
    const [debtor, creditor] = await banks();
    const { preimage, condition } = newCondition(new Date(Date.now() + 5_000).toISOString());
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '200.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), condition });
    await until(debtor, uetr, 'RESERVED');
    const ended = await until(debtor, uetr, 'REJECTED', 30_000);
    expect(ended).toMatchObject({ status: 'REJECTED', reason: 'condition_expired' });
    expect(await statuses(debtor, uetr)).toEqual(['RECEIVED', 'SUBMITTED', 'RESERVED', 'REJECTED']);
    expect((await debtor.client.getAccounts()).data).toEqual([expect.objectContaining({ balance: '1000.00' })]);
    expect(await proofOk(debtor, uetr)).toBe(true);
    const late = await creditor.client.fulfil(uetr, preimage).catch((e: unknown) => e);
    expect(late).toMatchObject({ status: 409, code: 'condition_expired' });
  });

  it('settles an escrow fulfilled while a validator is down, and the validator agrees once it is back', async () => {
    const [debtor, creditor] = await banks();
    const { preimage, condition } = newCondition(new Date(Date.now() + 10 * 60_000).toISOString());
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '50.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({ ...paymentBody(quote.id), condition });
    await until(debtor, uetr, 'RESERVED');
    expect(await stackCtl('kill', 'ledger-node-v1', 'SIGKILL')).toBe('true');
    await creditor.client.fulfil(uetr, preimage);
    const settled = await until(debtor, uetr, 'SETTLED');
    const height = settled.block?.height ?? 0;
    expect(height).toBeGreaterThan(0);
    await stackCtl('up');
    // v1 replays the stream to the same blocks: up to the fulfilment's block its chain is the others'.
    await eventually(
      () => tipHeight(1),
      (h) => h >= height,
      120_000,
    );
    expect(await chain(1, 1, height)).toEqual(await chain(0, 1, height));
    expect(await proofOk(debtor, uetr)).toBe(true);
  });
});
