import { randomInt, randomUUID } from 'node:crypto';
import { PaymentIntentMessage, Posting, SettlementEvent, SignedQuote, buildPaymentPostings, samePostings } from '@nostro/shared';
import { TestBank, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import {
  RECONCILE_SETTLE_LAG_MS,
  closeKafka,
  intentFor,
  ledgersCaughtUp,
  makeQuote,
  produceRequests,
  reconcile,
  serviceControl,
  settlementEvents,
  untilPast,
} from './support/settlement';

const VALIDATOR_DBS = ['ledger_0', 'ledger_1', 'ledger_2'];
const ROUNDS = 12;
/** Rounds go on while the killer works (so every 'processing' kill meets payments settling), up to this many. */
const MAX_ROUNDS = 60;
const DIRECT_PER_ROUND = 30;
const GATEWAY_PAYMENTS = 40;
const KILLS = 5;
const DEPOSIT_MINOR = 300_000n; // 3,000.00 USD per debtor: 60 rounds spend well under it

type Expectation = {
  uetr: string;
  quote: SignedQuote;
  debtor: string;
  viaGateway: boolean;
  expect: 'SETTLED' | 'quote_already_used' | 'quote_expired' | 'insufficient_funds';
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The crash test of issue 6: settlement is killed with SIGKILL at random points while hundreds of payments flow (through
 * the gateway and straight onto its topic, with duplicates), restarted with the same environment, and then every
 * accepted payment must be final exactly once, the ledger's postings must match settlement's records one to one, and
 * the balances must satisfy DOMAIN.md's invariants on every validator.
 */
describe('settlement killed with SIGKILL while payments flow', () => {
  jest.setTimeout(900_000);
  let debtors: TestBank[];
  let creditors: TestBank[];
  const plan: Expectation[] = [];
  const kills: string[] = [];
  let killing = true;

  beforeAll(async () => {
    debtors = await Promise.all([0, 1, 2, 3].map(() => registerBank(['USD'], { USD: `${DEPOSIT_MINOR / 100n}.00` })));
    creditors = await Promise.all([0, 1].map(() => registerBank(['EUR'])));
    await fundFxDesk('EUR', '1000000.00');
  });

  afterAll(async () => {
    await closeKafka();
    await serviceControl('start', 'settlement');
  });

  /** One round of direct intents: mostly good, some refused by settlement or the ledger, some delivered again. */
  function round(): PaymentIntentMessage[] {
    const out: PaymentIntentMessage[] = [];
    for (let i = 0; i < DIRECT_PER_ROUND; i += 1) {
      const debtor = debtors[randomInt(debtors.length)].id;
      const creditor = creditors[randomInt(creditors.length)].id;
      const kind = randomInt(20);
      if (kind === 0) {
        const quote = makeQuote({ debtor, creditor, sendMinor: 10n ** 9n });
        const intent = intentFor(quote);
        plan.push({ uetr: intent.uetr, quote, debtor, viaGateway: false, expect: 'insufficient_funds' });
        out.push(intent);
      } else if (kind === 1) {
        const quote = makeQuote({ debtor, creditor, sendMinor: 150n, createdAt: Date.now() - 120_000 });
        const intent = intentFor(quote);
        plan.push({ uetr: intent.uetr, quote, debtor, viaGateway: false, expect: 'quote_expired' });
        out.push(intent);
      } else if (kind === 2) {
        const quote = makeQuote({ debtor, creditor, sendMinor: BigInt(100 + randomInt(200)), feeMinor: 25n });
        const [first, second] = [intentFor(quote), intentFor(quote)];
        plan.push(
          { uetr: first.uetr, quote, debtor, viaGateway: false, expect: 'SETTLED' },
          { uetr: second.uetr, quote, debtor, viaGateway: false, expect: 'quote_already_used' },
        );
        out.push(first, second);
      } else {
        const quote = makeQuote({ debtor, creditor, sendMinor: BigInt(100 + randomInt(200)), feeMinor: BigInt(randomInt(3) * 10) });
        const intent = intentFor(quote);
        plan.push({ uetr: intent.uetr, quote, debtor, viaGateway: false, expect: 'SETTLED' });
        out.push(intent);
      }
    }
    return out;
  }

  async function produceDirect(): Promise<void> {
    const sent: PaymentIntentMessage[] = [];
    for (let r = 0; r < ROUNDS || (killing && r < MAX_ROUNDS); r += 1) {
      const batch = round();
      // Redeliveries: some earlier intents again, under their own message id or a new one (an outbox publishing twice).
      const again = sent.filter(() => randomInt(10) === 0).map((m) => (randomInt(2) === 0 ? m : { ...m, id: randomUUID() }));
      for (const debtor of debtors)
        await produceRequests(
          [...batch, ...again].filter((m) => m.participant === debtor.id),
          debtor.id,
        );
      sent.push(...batch);
      await sleep(1_500 + randomInt(2_000));
    }
  }

  async function produceThroughGateway(): Promise<void> {
    for (let i = 0; i < GATEWAY_PAYMENTS; i += 1) {
      const debtor = debtors[i % debtors.length];
      const creditor = creditors[i % creditors.length];
      const quote = await debtor.client.createQuote({
        sourceCurrency: 'USD',
        targetCurrency: 'EUR',
        sendAmount: `${1 + randomInt(3)}.${String(randomInt(100)).padStart(2, '0')}`,
        creditorParticipant: creditor.id,
      });
      const { uetr } = await debtor.client.createPayment({
        quoteId: quote.id,
        endToEndId: `CRASH-${i}`,
        debtor: { name: 'A', account: '1' },
        creditor: { name: 'B', account: '2' },
      });
      plan.push({ uetr, quote: quote as unknown as SignedQuote, debtor: debtor.id, viaGateway: true, expect: 'SETTLED' });
      await sleep(randomInt(400));
    }
  }

  const finalCount = () =>
    withDb('settlement', async (db) =>
      Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM payments WHERE status IN ('SETTLED', 'REJECTED')`)).rows[0].n),
    );

  /** Kills settlement at random points: some while it is busy settling, some while it is still starting up. */
  async function killer(): Promise<void> {
    for (let k = 0; k < KILLS; k += 1) {
      const during = k % 2 === 0 ? 'processing' : 'start-up';
      if (during === 'processing') {
        const base = await finalCount();
        const reached = await eventually(finalCount, (n) => n >= base + 5, 120_000);
        // A kill with nothing left to settle would not test what this test is for.
        if (reached < base + 5) throw new Error(`kill ${k + 1}: settlement finished only ${reached - base} payments in 120 s`);
        await sleep(randomInt(1_500));
      } else {
        await sleep(randomInt(2_500));
      }
      await serviceControl('kill', 'settlement');
      kills.push(`${during} at ${new Date().toISOString()}`);
      await sleep(randomInt(1_000));
      await serviceControl('start', 'settlement', {}, { waitReady: false });
    }
  }

  it('every accepted payment is final exactly once, the ledger matches settlement one to one, balances hold', async () => {
    const started = Date.now();
    const producers = Promise.all([produceDirect(), produceThroughGateway()]);
    try {
      await killer();
    } finally {
      killing = false;
    }
    await producers;
    await serviceControl('start', 'settlement');
    const uetrs = plan.map((p) => p.uetr);
    const final = await eventually(
      () => settlementRows(uetrs),
      (rows) => rows.length === uetrs.length && rows.every((r) => r.status === 'SETTLED' || r.status === 'REJECTED'),
      300_000,
    );
    const finalAt = Date.now(); // every payment became final no later than this
    process.stdout.write(
      `crash test: ${plan.length} payments, ${kills.length} SIGKILLs (${kills.join('; ')}), all final after ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    expect(kills.length).toBe(KILLS);

    // 1. Exactly one final state each, reached through legal transitions, the one expected.
    const byUetr = new Map(final.map((r) => [r.uetr, r]));
    for (const p of plan) {
      const row = byUetr.get(p.uetr);
      const expected = p.expect === 'SETTLED' ? ['SETTLED', null] : ['REJECTED', p.expect];
      expect([p.uetr, row?.status, row?.reason]).toEqual([p.uetr, ...expected]);
      const path =
        p.expect === 'SETTLED' ? 'RECEIVED,SUBMITTED,SETTLED' : p.expect === 'insufficient_funds' ? 'RECEIVED,SUBMITTED,REJECTED' : 'RECEIVED,REJECTED';
      expect([p.uetr, row?.timeline]).toEqual([p.uetr, path]);
    }

    // 2. The ledger's transactions and postings match settlement's records one to one, on every validator
    //    (each read once it has applied every block settlement holds as final).
    await ledgersCaughtUp();
    const onLedger = plan.filter((p) => p.expect === 'SETTLED' || p.expect === 'insufficient_funds');
    for (const db of VALIDATOR_DBS) {
      const ledger = await ledgerRecords(db, uetrs);
      expect(ledger.transactions.length).toBe(onLedger.length);
      for (const p of onLedger) {
        const tx = ledger.transactions.filter((t) => t.uetr === p.uetr);
        const row = byUetr.get(p.uetr);
        expect([p.uetr, tx.length, tx[0]?.status, tx[0]?.reason, tx[0]?.height]).toEqual([
          p.uetr,
          1,
          p.expect === 'SETTLED' ? 'accepted' : 'rejected',
          p.expect === 'SETTLED' ? null : 'insufficient_funds',
          row?.blockHeight,
        ]);
        const applied = ledger.postings.get(p.uetr) ?? [];
        expect([p.uetr, p.expect === 'SETTLED' ? samePostings(applied, buildPaymentPostings(row?.quote as SignedQuote)) : applied.length === 0]).toEqual([
          p.uetr,
          true,
        ]);
      }
    }

    // 3. Balances: every currency sums to zero, nobody below its cap, each debtor down by exactly what settled.
    const settled = plan.filter((p) => p.expect === 'SETTLED');
    for (const db of VALIDATOR_DBS) {
      const accounts = await withDb(
        db,
        async (c) =>
          (
            await c.query<{ id: string; currency: string; balance: string; net_debit_cap: string | null }>(
              'SELECT id, currency, balance::text, net_debit_cap::text FROM accounts',
            )
          ).rows,
      );
      const sums = new Map<string, bigint>();
      for (const a of accounts) {
        sums.set(a.currency, (sums.get(a.currency) ?? 0n) + BigInt(a.balance));
        if (a.net_debit_cap !== null) expect([a.id, BigInt(a.balance) >= -BigInt(a.net_debit_cap)]).toEqual([a.id, true]);
      }
      for (const [currency, sum] of sums) expect([currency, sum]).toEqual([currency, 0n]);
      for (const debtor of debtors) {
        const spent = settled.filter((p) => p.debtor === debtor.id).reduce((total, p) => total + minor(p.quote.totalDebit), 0n);
        expect(BigInt(accounts.find((a) => a.id === `${debtor.id}:USD`)?.balance ?? 'NaN')).toBe(DEPOSIT_MINOR - spent);
      }
      for (const creditor of creditors) {
        const received = settled.filter((p) => p.quote.creditorParticipant === creditor.id).reduce((total, p) => total + minor(p.quote.receiveAmount), 0n);
        expect(BigInt(accounts.find((a) => a.id === `${creditor.id}:EUR`)?.balance ?? 'NaN')).toBe(received);
      }
    }

    // 4. Status events: one event per transition, whatever the outbox published twice.
    const events = await settlementEvents(uetrs, (e) => finalEventsSeen(e) >= uetrs.length, 120_000);
    const ids = new Map<string, Set<string>>();
    for (const e of events) if (e.kind === 'payment.status') ids.set(`${e.uetr}/${e.status}`, (ids.get(`${e.uetr}/${e.status}`) ?? new Set()).add(e.id));
    expect([...ids.values()].filter((s) => s.size !== 1)).toEqual([]);
    expect(finalEventsSeen(events)).toBe(uetrs.length);

    // 5. What banks see: the gateway's read model converged to the same final states.
    const viaGateway = plan.filter((p) => p.viaGateway);
    const gateway = await eventually(
      () => gatewayStatuses(viaGateway.map((p) => p.uetr)),
      (rows) => rows.every((r) => r.status === 'SETTLED'),
      60_000,
    );
    expect(gateway.map((r) => r.status)).toEqual(viaGateway.map(() => 'SETTLED'));

    // 6. Reconciliation agrees: no difference involves these payments. A run compares payments final for at least its
    //    settle lag, so wait that out from when all became final (on a fast machine steps 2–5 take less).
    await untilPast(finalAt + RECONCILE_SETTLE_LAG_MS + 200);
    const report = await reconcile('full');
    expect(report.remoteComplete).toBe(true);
    expect(report.checkedRemote).toBeGreaterThanOrEqual(onLedger.length);
    expect(report.differences.filter((d) => byUetr.has(d.id))).toEqual([]);
  });
});

function minor(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
}

function finalEventsSeen(events: SettlementEvent[]): number {
  return new Set(events.flatMap((e) => (e.kind === 'payment.status' && (e.status === 'SETTLED' || e.status === 'REJECTED') ? [e.uetr] : []))).size;
}

interface SettlementRow {
  uetr: string;
  status: string;
  reason: string | null;
  blockHeight: number | null;
  quote: SignedQuote;
  timeline: string;
}

async function settlementRows(uetrs: string[]): Promise<SettlementRow[]> {
  return withDb('settlement', async (db) => {
    const { rows } = await db.query<{ uetr: string; status: string; reason: string | null; block_height: string | null; quote: SignedQuote; timeline: string }>(
      `SELECT p.uetr, p.status, p.reason, p.block_height::text, p.quote,
              (SELECT string_agg(e.status, ',' ORDER BY e.id) FROM payment_events e WHERE e.uetr = p.uetr) AS timeline
         FROM payments p WHERE p.uetr = ANY($1::uuid[])`,
      [uetrs],
    );
    return rows.map((r) => ({
      uetr: r.uetr,
      status: r.status,
      reason: r.reason,
      blockHeight: r.block_height === null ? null : Number(r.block_height),
      quote: r.quote,
      timeline: r.timeline,
    }));
  });
}

/** A validator's record of these transactions: outcome, block, and the postings its Merkle leaf carries. */
async function ledgerRecords(db: string, uetrs: string[]) {
  return withDb(db, async (c) => {
    const { rows } = await c.query<{ uetr: string; status: string; reason: string | null; height: string; postings: Posting[] | null }>(
      `SELECT t.uetr, t.status, t.reason, t.height::text, (b.leaves::jsonb -> t.idx -> 'postings') AS postings
         FROM block_transactions t JOIN blocks b ON b.height = t.height WHERE t.uetr = ANY($1::uuid[])`,
      [uetrs],
    );
    const transactions = rows.map((t) => ({ uetr: t.uetr, status: t.status, reason: t.reason, height: Number(t.height) }));
    // A rejected transaction's postings are in its leaf but were never applied: only accepted ones count.
    const postings = new Map(rows.filter((t) => t.status === 'accepted').map((t) => [t.uetr, t.postings ?? []]));
    return { transactions, postings };
  });
}

async function gatewayStatuses(uetrs: string[]): Promise<{ uetr: string; status: string }[]> {
  return withDb(
    'gateway',
    async (db) =>
      (
        await db.query<{ uetr: string; status: string }>(
          'SELECT uetr, status FROM payments WHERE uetr = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], uetr)',
          [uetrs],
        )
      ).rows,
  );
}
