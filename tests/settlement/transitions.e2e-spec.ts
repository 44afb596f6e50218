import { randomUUID } from 'node:crypto';
import { ParticipantConfigMessage, TransferRequestMessage } from '@nostro/shared';
import { TestBank, adminClient, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import {
  balance,
  closeKafka,
  intentFor,
  ledgerCopies,
  makeQuote,
  makeQuotes,
  produceRequests,
  setLimits,
  settlementEvents,
  waitStatus,
} from './support/settlement';

/** Every transition of the state machine and every rejection reason, against the running cluster. */
describe('settlement state machine', () => {
  let debtor: TestBank;
  let creditor: TestBank;

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '10000.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '1000000.00');
  });

  afterAll(() => closeKafka());

  it('settles a payment RECEIVED → SUBMITTED → SETTLED, each transition recorded with its time and cause', async () => {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '100.00', creditorParticipant: creditor.id });
    const accepted = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: 'SETTLE-1',
      debtor: { name: 'A', account: '1' },
      creditor: { name: 'B', account: '2' },
    });
    const state = await waitStatus(accepted.uetr);
    expect(state).toMatchObject({ status: 'SETTLED', reason: null });
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(state?.events.map((e) => e.cause)).toEqual(['payment intent', 'submitted to the ledger', `ledger block ${state?.blockHeight}`]);
    expect(await ledgerCopies(accepted.uetr)).toEqual([1, 1, 1]);
    const payment = await eventually(
      () => debtor.client.getPayment(accepted.uetr),
      (p) => p.status === 'SETTLED',
    );
    expect(payment.timeline.map((t) => t.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(payment.block?.height).toBe(state?.blockHeight);
  });

  it('rejects an intent whose quote signature does not verify (quote_invalid), before the ledger', async () => {
    const quote = { ...makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_000n }), receiveAmount: '999.00' };
    const intent = intentFor(quote);
    await produceRequests([intent]);
    const state = await waitStatus(intent.uetr);
    expect(state).toMatchObject({ status: 'REJECTED', reason: 'quote_invalid', blockHeight: null });
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'REJECTED']);
    expect(await ledgerCopies(intent.uetr)).toEqual([0, 0, 0]);
  });

  it('settles quotes signed together by their one batch signature, and rejects one altered among them (quote_invalid)', async () => {
    const [a, b, c, d] = makeQuotes([1_010n, 1_020n, 1_030n, 1_040n].map((sendMinor) => ({ debtor: debtor.id, creditor: creditor.id, sendMinor })));
    const intents = [intentFor(a), intentFor({ ...b, receiveAmount: '999.00' }), intentFor({ ...c, batch: d.batch }), intentFor(d)];
    await produceRequests(intents);
    const states = await Promise.all(intents.map((i) => waitStatus(i.uetr)));
    expect(states.map((s) => [s?.status, s?.reason])).toEqual([
      ['SETTLED', null],
      ['REJECTED', 'quote_invalid'],
      ['REJECTED', 'quote_invalid'],
      ['SETTLED', null],
    ]);
  });

  it('rejects a quote that had expired when the gateway accepted the payment (quote_expired)', async () => {
    const quote = makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_000n, createdAt: Date.now() - 60_000, ttlMs: 30_000 });
    const intent = intentFor(quote);
    await produceRequests([intent]);
    expect(await waitStatus(intent.uetr)).toMatchObject({ status: 'REJECTED', reason: 'quote_expired' });
  });

  it('honours a quote that was valid at acceptance, however late settlement processes it', async () => {
    const quote = makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_000n, createdAt: Date.now() - 60_000, ttlMs: 30_000 });
    const intent = intentFor(quote, { acceptedAt: Date.parse(quote.expiresAt) - 1 });
    await produceRequests([intent]);
    expect(await waitStatus(intent.uetr)).toMatchObject({ status: 'SETTLED' });
  });

  it('uses a quote once: a second payment with it is rejected (quote_already_used)', async () => {
    const quote = makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_500n });
    const first = intentFor(quote);
    const second = intentFor(quote);
    await produceRequests([first, second]);
    expect(await waitStatus(first.uetr)).toMatchObject({ status: 'SETTLED' });
    expect(await waitStatus(second.uetr)).toMatchObject({ status: 'REJECTED', reason: 'quote_already_used' });
    expect(await ledgerCopies(second.uetr)).toEqual([0, 0, 0]);
  });

  it('judges a run of intents consumed together exactly as one by one, in order', async () => {
    const shared = makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_100n });
    const good = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_200n }));
    const forged = intentFor({ ...makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_300n }), receiveAmount: '1.00' });
    const firstUse = intentFor(shared);
    const secondUse = intentFor(shared);
    // the same payment again under another message id (a producer retry): recorded once, judged once
    const again = { ...good, id: randomUUID() };
    await produceRequests([good, forged, firstUse, again, secondUse]);
    expect(await waitStatus(good.uetr)).toMatchObject({ status: 'SETTLED' });
    expect(await waitStatus(forged.uetr)).toMatchObject({ status: 'REJECTED', reason: 'quote_invalid' });
    expect(await waitStatus(firstUse.uetr)).toMatchObject({ status: 'SETTLED' });
    expect(await waitStatus(secondUse.uetr)).toMatchObject({ status: 'REJECTED', reason: 'quote_already_used' });
    expect((await waitStatus(good.uetr))?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(await ledgerCopies(good.uetr)).toEqual([1, 1, 1]);
    expect(await ledgerCopies(secondUse.uetr)).toEqual([0, 0, 0]);
  });

  it('rejects what the ledger refuses for lack of funds (insufficient_funds), with the block that says so', async () => {
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 10n ** 9n }));
    await produceRequests([intent]);
    const state = await waitStatus(intent.uetr);
    expect(state).toMatchObject({ status: 'REJECTED', reason: 'insufficient_funds' });
    expect(state?.blockHeight).toBeGreaterThan(0);
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'REJECTED']);
    const events = await settlementEvents([intent.uetr], (e) => e.some((x) => x.kind === 'payment.status' && x.status === 'REJECTED'));
    expect(events.flatMap((e) => (e.kind === 'payment.status' ? [[e.status, e.reason]] : []))).toEqual([
      ['SUBMITTED', undefined],
      ['REJECTED', 'insufficient_funds'],
    ]);
  });

  it('rejects a payment to an account the ledger does not have (account_unknown)', async () => {
    const usdOnly = await registerBank(['USD']);
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: usdOnly.id, sendMinor: 1_000n }));
    await produceRequests([intent]);
    expect(await waitStatus(intent.uetr)).toMatchObject({ status: 'REJECTED', reason: 'account_unknown' });
  });

  it('enforces a net debit cap set through the admin API on the ledger (limit_exceeded)', async () => {
    const bank = await registerBank(['USD'], { USD: '50.00' });
    const set = await setLimits(bank.id, { currency: 'USD', netDebitCap: '100.00', holdAbove: null });
    expect(set).toMatchObject({ status: 200, body: { participant: bank.id, currency: 'USD', netDebitCap: '100.00', holdAbove: null, status: 'SETTLED' } });
    const within = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 12_000n }));
    await produceRequests([within]);
    expect(await waitStatus(within.uetr)).toMatchObject({ status: 'SETTLED' });
    expect(await balance(`${bank.id}:USD`)).toBe(-7_000n);
    const beyond = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 4_000n }));
    await produceRequests([beyond]);
    expect(await waitStatus(beyond.uetr)).toMatchObject({ status: 'REJECTED', reason: 'limit_exceeded' });
    expect(await balance(`${bank.id}:USD`)).toBe(-7_000n);
  });

  it('refuses a cap below the current balance with the ledger reason', async () => {
    const bank = await registerBank(['USD'], { USD: '10.00' });
    await setLimits(bank.id, { currency: 'USD', netDebitCap: '20.00', holdAbove: null });
    const spend = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 2_500n }));
    await produceRequests([spend]);
    await waitStatus(spend.uetr, 'SETTLED');
    expect(await setLimits(bank.id, { currency: 'USD', netDebitCap: '0', holdAbove: null })).toMatchObject({
      status: 422,
      body: { code: 'limit_below_balance' },
    });
  });

  it('suspends and resumes a participant on the ledger (participant_suspended)', async () => {
    const bank = await registerBank(['USD'], { USD: '100.00' });
    const config = (suspended: boolean): ParticipantConfigMessage => ({
      kind: 'participant.config',
      id: randomUUID(),
      requestId: randomUUID(),
      participant: bank.id,
      currencies: ['USD'],
      suspended,
    });
    const suspend = config(true);
    await produceRequests([suspend]);
    await eventually(
      () => requestStatus(suspend.requestId),
      (s) => s === 'SETTLED',
    );
    const refused = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 1_000n }));
    await produceRequests([refused]);
    expect(await waitStatus(refused.uetr)).toMatchObject({ status: 'REJECTED', reason: 'participant_suspended' });
    const resume = config(false);
    await produceRequests([resume]);
    await eventually(
      () => requestStatus(resume.requestId),
      (s) => s === 'SETTLED',
    );
    const allowed = intentFor(makeQuote({ debtor: bank.id, creditor: creditor.id, sendMinor: 1_000n }));
    await produceRequests([allowed]);
    expect(await waitStatus(allowed.uetr)).toMatchObject({ status: 'SETTLED' });
  });

  it('deposits and withdraws through the same outbox and ledger path, answering once final', async () => {
    const bank = await registerBank(['USD']);
    const admin = adminClient();
    const deposit = await admin.deposit(bank.id, { currency: 'USD', amount: '250.00', reference: 'funding' });
    expect(deposit).toMatchObject({ status: 'SETTLED', balance: '250.00' });
    await expect(admin.withdraw(bank.id, { currency: 'USD', amount: '300.00', reference: 'too much' })).rejects.toMatchObject({
      status: 422,
      code: 'insufficient_funds',
    });
    const withdrawal = await admin.withdraw(bank.id, { currency: 'USD', amount: '100.00', reference: 'payout' });
    expect(withdrawal).toMatchObject({ status: 'SETTLED', balance: '150.00' });
    const requests = await withDb(
      'settlement',
      async (db) =>
        (
          await db.query<{ kind: string; status: string; reason: string | null }>(
            `SELECT kind, status, reason FROM ledger_requests WHERE participant = $1 AND kind IN ('deposit', 'withdrawal') ORDER BY created_at`,
            [bank.id],
          )
        ).rows,
    );
    expect(requests).toEqual([
      { kind: 'deposit', status: 'SETTLED', reason: null },
      { kind: 'withdrawal', status: 'REJECTED', reason: 'insufficient_funds' },
      { kind: 'withdrawal', status: 'SETTLED', reason: null },
    ]);
  });

  it('refuses a deposit of a negative amount at its edge: it never reaches the ledger', async () => {
    const bank = await registerBank(['USD'], { USD: '10.00' });
    const deposit: TransferRequestMessage = {
      kind: 'transfer.request',
      id: randomUUID(),
      requestId: randomUUID(),
      type: 'deposit',
      participant: bank.id,
      currency: 'USD',
      amountMinor: '-500',
      reference: 'a withdrawal in disguise',
    };
    await produceRequests([deposit]);
    expect(
      await eventually(
        () => requestStatus(deposit.requestId),
        (s) => s === 'REJECTED',
      ),
    ).toBe('REJECTED');
    const events = await settlementEvents([deposit.requestId], (e) => e.length > 0);
    expect(events).toMatchObject([{ kind: 'request.status', status: 'REJECTED', reason: 'invalid_amount' }]);
    expect(await ledgerCopies(deposit.requestId)).toEqual([0, 0, 0]);
    expect(await balance(`${bank.id}:USD`)).toBe(1_000n);
  });

  describe('the schema refuses what the code never does', () => {
    it('illegal transitions, a payment that does not start RECEIVED, and edits of the timeline', async () => {
      const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 700n }));
      await produceRequests([intent]);
      await waitStatus(intent.uetr, 'SETTLED');
      await withDb('settlement', async (db) => {
        const refused = async (sql: string, params: unknown[] = []): Promise<string> => {
          await db.query('BEGIN');
          try {
            await db.query(sql, params);
            await db.query('SET CONSTRAINTS ALL IMMEDIATE');
            return 'accepted';
          } catch (error) {
            return (error as Error).message;
          } finally {
            await db.query('ROLLBACK');
          }
        };
        expect(await refused(`UPDATE payments SET status = 'SUBMITTED' WHERE uetr = $1`, [intent.uetr])).toMatch(
          /illegal payment transition SETTLED -> SUBMITTED/,
        );
        expect(await refused(`UPDATE payments SET status = 'REJECTED', reason = 'x' WHERE uetr = $1`, [intent.uetr])).toMatch(
          /illegal payment transition SETTLED -> REJECTED/,
        );
        expect(await refused(`UPDATE payment_events SET status = 'REJECTED' WHERE uetr = $1`, [intent.uetr])).toMatch(/append-only/);
        expect(await refused(`DELETE FROM payment_events WHERE uetr = $1`, [intent.uetr])).toMatch(/append-only/);
        const uetr = randomUUID();
        const insert = `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, status, accepted_at, block_height) VALUES ($1, 'X', 'Y', $2, '{}', $3, now(), 1)`;
        expect(await refused(insert, [uetr, `q-${uetr}`, 'SETTLED'])).toMatch(/starts RECEIVED/);
        expect(await refused(insert, [uetr, `q-${uetr}`, 'RECEIVED'])).toMatch(/without a timeline entry/);
        // Recorded at intake one step on from RECEIVED: both entries are needed, RECEIVED's too.
        const rejectedAtIntake = `WITH p AS (INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, status, reason, accepted_at)
                                   VALUES ($1, 'X', 'Y', $2, '{}', 'REJECTED', 'quote_invalid', now()) RETURNING uetr)
                                  INSERT INTO payment_events (uetr, status, reason, at, cause) SELECT uetr, unnest($3::text[]), 'quote_invalid', now(), 'test' FROM p`;
        expect(await refused(rejectedAtIntake, [uetr, `q-${uetr}`, ['REJECTED']])).toMatch(/REJECTED without a timeline entry for it and for RECEIVED/);
        expect(await refused(rejectedAtIntake, [uetr, `q-${uetr}`, ['RECEIVED', 'REJECTED']])).toBe('accepted');
        expect(await refused(`INSERT INTO payment_events (uetr, status, at, cause) VALUES ($1, 'SETTLED', now(), 'forged')`, [intent.uetr])).toMatch(
          /payment_events_once|payment_events_one_final/,
        );
      });
    });
  });
});

async function requestStatus(requestId: string): Promise<string | null> {
  return withDb(
    'settlement',
    async (db) => (await db.query<{ status: string }>('SELECT status FROM ledger_requests WHERE request_id = $1', [requestId])).rows[0]?.status ?? null,
  );
}
