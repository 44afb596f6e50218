import { NostroClient } from '@nostro/client';
import { verifyFinalityProof } from '@nostro/shared';
import { TestBank, adminClient, cluster, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';

const VALIDATOR_DBS = ['ledger_0', 'ledger_1', 'ledger_2'];

async function balancesOnEveryValidator(accounts: string[]): Promise<Record<string, string>[]> {
  return Promise.all(
    VALIDATOR_DBS.map((db) =>
      withDb(db, async (client) => {
        const { rows } = await client.query<{ id: string; balance: string }>('SELECT id, balance::text FROM accounts WHERE id = ANY($1)', [accounts]);
        return Object.fromEntries(rows.map((r) => [r.id, r.balance]));
      }),
    ),
  );
}

async function finalPayment(bank: TestBank, uetr: string) {
  return eventually(
    () => bank.client.getPayment(uetr),
    (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
  );
}

describe('one payment end to end through gateway, fx-quote, settlement and three validators', () => {
  let debtor: TestBank;
  let creditor: TestBank;

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '5000.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '100000.00');
  });

  it('settles a USD → EUR payment, with the same postings on every validator and a verifiable proof', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1000.00', creditorParticipant: creditor.id });
    expect(quote.totalDebit).toBe('1002.50');
    expect(quote.fees).toEqual([{ type: 'fixed', amount: '2.50', currency: 'USD' }]);
    const before = await balancesOnEveryValidator([`${debtor.id}:USD`, `${creditor.id}:EUR`, 'FEES:USD']);

    const accepted = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: 'E2E-FLOW-1',
      debtor: { name: 'Alice', account: 'US001' },
      creditor: { name: 'Bernd', account: 'DE89370400440532013000' },
    });
    expect(accepted.status).toBe('RECEIVED');

    const payment = await finalPayment(debtor, accepted.uetr);
    expect(payment.status).toBe('SETTLED');
    expect(payment.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(payment.block?.height).toBeGreaterThan(0);

    const after = await eventually(
      () => balancesOnEveryValidator([`${debtor.id}:USD`, `${creditor.id}:EUR`, 'FEES:USD']),
      (all) =>
        all.every((b) => b[`${creditor.id}:EUR`] === String(BigInt(before[0][`${creditor.id}:EUR`] ?? '0') + BigInt(quote.receiveAmount.replace('.', '')))),
    );
    for (const validator of after) {
      expect(validator[`${debtor.id}:USD`]).toBe('399750'); // 5000.00 − 1002.50 USD
      expect(validator[`${creditor.id}:EUR`]).toBe(quote.receiveAmount.replace('.', ''));
      expect(BigInt(validator['FEES:USD']) - BigInt(before[0]['FEES:USD'] ?? '0')).toBe(250n);
    }

    const keys = await debtor.client.getKeys();
    const proof = await debtor.client.getFinality(accepted.uetr);
    expect(verifyFinalityProof(proof, { validators: keys.validators, quorum: keys.quorum })).toEqual({ ok: true });
    const transaction = proof.transaction as { outcome: unknown };
    expect(transaction.outcome).toEqual({ status: 'accepted' });
    const tampered = { ...proof, transaction: { ...transaction, outcome: { status: 'rejected', reason: 'x' } } };
    expect(verifyFinalityProof(tampered, { validators: keys.validators, quorum: keys.quorum }).ok).toBe(false);

    const accounts = await debtor.client.getAccounts();
    expect(accounts.data).toEqual([{ currency: 'USD', balance: '3997.50', available: '3997.50', queued: '0.00' }]);
  });

  it('keeps every validator on the same chain and every currency summing to zero', async () => {
    const chains = await Promise.all(
      VALIDATOR_DBS.map((db) =>
        withDb(db, async (c) => (await c.query<{ height: string; hash: string }>('SELECT height::text, hash FROM blocks ORDER BY height')).rows),
      ),
    );
    const common = Math.min(...chains.map((c) => c.length));
    expect(common).toBeGreaterThan(0);
    for (const chain of chains) expect(chain.slice(0, common)).toEqual(chains[0].slice(0, common));
    for (const db of VALIDATOR_DBS) {
      const sums = await withDb(
        db,
        async (c) => (await c.query<{ currency: string; total: string }>('SELECT currency, sum(balance)::text AS total FROM accounts GROUP BY currency')).rows,
      );
      for (const s of sums) expect(s.total).toBe('0');
    }
  });

  it('rejects a payment the debtor cannot fund, with the ledger reason and a proof showing rejected', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '9000.00', creditorParticipant: creditor.id });
    const accepted = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: 'E2E-NSF',
      debtor: { name: 'A', account: '1' },
      creditor: { name: 'B', account: '2' },
    });
    const payment = await finalPayment(debtor, accepted.uetr);
    expect(payment.status).toBe('REJECTED');
    expect(payment.reason).toBe('insufficient_funds');
    const proof = await debtor.client.getFinality(accepted.uetr);
    expect((proof.transaction as { outcome: unknown }).outcome).toEqual({ status: 'rejected', reason: 'insufficient_funds' });
  });

  it('uses a quote once: a second payment with it is refused', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
    const body = { quoteId: quote.id, endToEndId: 'E2E-ONCE', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };
    await debtor.client.createPayment(body);
    await expect(debtor.client.createPayment(body)).rejects.toMatchObject({ status: 409, code: 'quote_already_used' });
  });

  it('replays the stored response for the same Idempotency-Key and refuses a different body', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '2.00', creditorParticipant: creditor.id });
    const body = { quoteId: quote.id, endToEndId: 'E2E-IDEM', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };
    const first = await debtor.client.createPayment(body, { idempotencyKey: 'idem-e2e-1' });
    const again = await debtor.client.createPayment(body, { idempotencyKey: 'idem-e2e-1' });
    expect(again.uetr).toBe(first.uetr);
    await expect(debtor.client.createPayment({ ...body, endToEndId: 'OTHER' }, { idempotencyKey: 'idem-e2e-1' })).rejects.toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
    });
  });

  it('shows a bank only its own payments', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '3.00', creditorParticipant: creditor.id });
    const accepted = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: 'E2E-ISO',
      debtor: { name: 'A', account: '1' },
      creditor: { name: 'B', account: '2' },
    });
    await expect(creditor.client.getPayment(accepted.uetr)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    const listed = await creditor.client.listPayments();
    expect(listed.data.map((p) => p.uetr)).not.toContain(accepted.uetr);
  });
});

describe('request authentication', () => {
  it('answers 401 problems with distinct codes', async () => {
    const c = cluster();
    const noSig = await fetch(`${c.gatewayUrl}/v1/accounts`);
    expect(noSig.status).toBe(401);
    expect(noSig.headers.get('content-type')).toContain('application/problem+json');
    expect(await noSig.json()).toMatchObject({ status: 401, code: 'signature_missing' });

    const bank = await registerBank(['USD']);
    const forged = new NostroClient({ baseUrl: c.gatewayUrl, participantId: bank.id, seed: new Uint8Array(32).fill(7) });
    await expect(forged.getAccounts()).rejects.toMatchObject({ status: 401, code: 'signature_invalid' });
    const unknown = new NostroClient({ baseUrl: c.gatewayUrl, participantId: 'NOBODY99', seed: bank.seed });
    await expect(unknown.getAccounts()).rejects.toMatchObject({ status: 401, code: 'key_unknown' });
  });

  it('refuses operator calls without a valid token', async () => {
    const c = cluster();
    const response = await fetch(`${c.gatewayUrl}/v1/admin/operators`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-real-token-at-all-xx', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    const viewer = await adminClient().createOperator({ name: 'watcher', role: 'viewer' });
    const forbidden = await fetch(`${c.gatewayUrl}/v1/admin/operators`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'admin' }),
    });
    expect(forbidden.status).toBe(403);
  });
});
