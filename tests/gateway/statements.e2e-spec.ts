import { adminClient, cluster, eventually, fundFxDesk, withDb } from '../support/cluster';
import { bankWithKey, finalStatus, paymentBody, signed } from './support/gateway';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

interface Entry {
  entryId: string;
  height: number;
  kind: string;
  direction: 'debit' | 'credit';
  amount: string;
  balanceAfter: string;
  uetr?: string;
  returnId?: string;
  endToEndId?: string;
  counterparty?: string;
  reference?: string;
}
interface Statement {
  fromHeight: number;
  toHeight: number;
  openingBalance: string;
  closingBalance: string;
  totalDebits: string;
  totalCredits: string;
  entryCount: number;
  interim: boolean;
  entries: Entry[];
}

const cents = (amount: string): bigint => {
  const [whole, frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
};

async function get<T>(bank: Bank, path: string): Promise<{ status: number; body: T }> {
  const answer = await signed({ path, keyId: bank.id, seed: bank.seed });
  return { status: answer.status, body: answer.body as T };
}

/** The account's balance on validator v0 as of its last final block (minor units), straight from the validator. */
async function validatorBalance(participant: string, currency: string): Promise<bigint> {
  const response = await fetch(`http://127.0.0.1:${cluster().ports.v0}/v1/ledger/participants/${participant}/accounts`);
  const body = (await response.json()) as { accounts: { currency: string; balance: string }[] };
  return BigInt(body.accounts.find((a) => a.currency === currency)?.balance ?? '0');
}

describe('account entries and statements', () => {
  let bank: Bank;
  let other: Bank;
  let outgoing: string;
  let incoming: string;
  let returnId: string;

  beforeAll(async () => {
    bank = await bankWithKey(['USD', 'EUR']);
    other = await bankWithKey(['USD', 'EUR'], { deposits: { EUR: '500.00' } });
    await fundFxDesk('EUR', '100000.00');
    await fundFxDesk('USD', '100000.00');
    const admin = adminClient();
    await admin.deposit(bank.id, { currency: 'USD', amount: '1000.00', reference: 'opening deposit' });
    // Out: USD → EUR to the other bank; in: EUR → USD from the other bank (50.00 USD received), returned in part; then a withdrawal.
    const q1 = await bank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '100.00', creditorParticipant: other.id });
    outgoing = (await bank.client.createPayment(paymentBody(q1.id, 'E2E-OUT-1'))).uetr;
    const q2 = await other.client.createQuote({ sourceCurrency: 'EUR', targetCurrency: 'USD', receiveAmount: '50.00', creditorParticipant: bank.id });
    incoming = (await other.client.createPayment(paymentBody(q2.id, 'E2E-IN-1'))).uetr;
    expect((await finalStatus(bank.client, outgoing)).status).toBe('SETTLED');
    expect((await finalStatus(other.client, incoming)).status).toBe('SETTLED');
    const ret = await bank.client.returnPayment(incoming, { reason: 'AC04', amount: '20.00' });
    returnId = ret.returnId;
    await eventually(
      () => bank.client.getIncomingPayment(incoming),
      (p) => p.returns?.[0]?.status === 'SETTLED',
    );
    await admin.withdraw(bank.id, { currency: 'USD', amount: '30.00', reference: 'sweep to correspondent' });
  });

  /** All of the bank's USD entries once the validators indexed the withdrawal (the last thing that happened). */
  const allUsd = () =>
    eventually(
      async () => (await get<{ data: Entry[]; nextCursor: string | null }>(bank, '/v1/accounts/USD/entries?limit=1000')).body.data,
      (data) => data.some((e) => e.kind === 'withdrawal'),
    );

  it('lists every posting in block order with kind, direction, running balance and the references the bank reconciles by', async () => {
    const entries = await allUsd();
    expect(entries.map((e) => [e.kind, e.direction, e.amount, e.balanceAfter])).toEqual([
      ['deposit', 'credit', '1000.00', '1000.00'],
      ['payment', 'debit', expect.any(String), expect.any(String)],
      ['payment', 'credit', '50.00', expect.any(String)],
      ['return', 'debit', '20.00', expect.any(String)],
      ['withdrawal', 'debit', '30.00', expect.any(String)],
    ]);
    const [deposit, out, inc, back, withdrawal] = entries;
    expect(deposit).toMatchObject({ counterparty: 'EXTERNAL', reference: 'opening deposit' });
    expect(out).toMatchObject({ uetr: outgoing, endToEndId: 'E2E-OUT-1', counterparty: other.id });
    expect(inc).toMatchObject({ uetr: incoming, endToEndId: 'E2E-IN-1', counterparty: other.id });
    expect(back).toMatchObject({ uetr: incoming, returnId, counterparty: other.id });
    expect(withdrawal).toMatchObject({ counterparty: 'EXTERNAL', reference: 'sweep to correspondent' });
    // Running balances chain exactly, and the last one is the ledger balance.
    let running = 0n;
    for (const e of entries) {
      running += e.direction === 'credit' ? cents(e.amount) : -cents(e.amount);
      expect(cents(e.balanceAfter)).toBe(running);
    }
    expect(running).toBe(await validatorBalance(bank.id, 'USD'));
    expect(entries.map((e) => e.height)).toEqual([...entries.map((e) => e.height)].sort((a, b) => a - b));
  });

  it('pages with a cursor to exactly the same list, and refuses a cursor of another account', async () => {
    const all = await allUsd();
    const seen: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Entry[]; nextCursor: string | null } } = await get(
        bank,
        `/v1/accounts/USD/entries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    const first = await get<{ nextCursor: string }>(bank, '/v1/accounts/USD/entries?limit=1');
    const foreign = await get<{ code: string }>(bank, `/v1/accounts/EUR/entries?limit=1&cursor=${first.body.nextCursor}`);
    expect(foreign).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    const stolen = await get<{ code: string }>(other, `/v1/accounts/USD/entries?limit=1&cursor=${first.body.nextCursor}`);
    expect(stolen).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });

  it('a statement of the whole chain reconciles: opening + credits − debits = closing = the validator’s balance', async () => {
    await allUsd();
    const { status, body } = await get<Statement>(bank, '/v1/accounts/USD/statement');
    expect(status).toBe(200);
    expect(body).toMatchObject({ openingBalance: '0.00', entryCount: 5, interim: true, fromHeight: 1 });
    expect(cents(body.openingBalance) + cents(body.totalCredits) - cents(body.totalDebits)).toBe(cents(body.closingBalance));
    expect(cents(body.closingBalance)).toBe(await validatorBalance(bank.id, 'USD'));
    expect(body.entries).toEqual(await allUsd());
  });

  it('by height range and by UTC day: today is interim, a past day is empty at its balance, a range splits the chain', async () => {
    const entries = await allUsd();
    const today = new Date().toISOString().slice(0, 10);
    const day = (await get<Statement>(bank, `/v1/accounts/USD/statement?date=${today}`)).body;
    expect(day).toMatchObject({ interim: true, entryCount: 5, openingBalance: '0.00' });
    const past = (await get<Statement>(bank, '/v1/accounts/USD/statement?date=2020-01-01')).body;
    expect(past).toMatchObject({ interim: false, entryCount: 0, openingBalance: '0.00', closingBalance: '0.00', entries: [] });
    const split = entries[2].height;
    const before = (await get<Statement>(bank, `/v1/accounts/USD/statement?fromHeight=1&toHeight=${split - 1}`)).body;
    const after = (await get<Statement>(bank, `/v1/accounts/USD/statement?fromHeight=${split}&toHeight=${entries[4].height}`)).body;
    expect(before.closingBalance).toBe(after.openingBalance);
    expect([...before.entries, ...after.entries]).toEqual(entries);
    expect(before.interim).toBe(false);
  });

  it('refuses what is not the caller’s or not valid: another currency 404, bad dates and ranges 400', async () => {
    expect((await get<{ code: string }>(bank, '/v1/accounts/GBP/entries')).body.code).toBe('not_found');
    expect((await get<{ code: string }>(bank, '/v1/accounts/XXX/statement')).status).toBe(404);
    expect((await get<{ code: string }>(bank, '/v1/accounts/USD/statement?date=2026-02-30')).status).toBe(400);
    expect((await get<{ code: string }>(bank, '/v1/accounts/USD/statement?date=2026-01-01&fromHeight=1')).status).toBe(400);
    expect((await get<{ code: string }>(bank, '/v1/accounts/USD/statement?toHeight=999999999')).status).toBe(400);
    expect((await get<{ code: string }>(bank, '/v1/accounts/USD/entries?limit=0')).status).toBe(400);
  });

  it('reads a page from an index, not a scan, with a million entries on the validator', async () => {
    const plan = await withDb('ledger_0', async (db) => {
      const seeded = await db.query(`SELECT 1 FROM account_entries WHERE account = 'ZZSCALE0:USD' LIMIT 1`);
      if ((seeded.rowCount ?? 0) === 0) {
        await db.query(
          `INSERT INTO account_entries (account, height, idx, leg, tx_id, kind, amount, balance_after, block_time)
           SELECT 'ZZSCALE' || (i % 100) || ':USD', i / 100 + 1, i % 100, 0, 'scale-' || i, 'deposit', 1, i, 0 FROM generate_series(0, 999999) AS i`,
        );
        await db.query('ANALYZE account_entries');
      }
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM account_entries WHERE account = $1 AND height >= 1 AND height <= 1000000000 AND (height, idx, leg) > (5000, -1, -1)
          ORDER BY height, idx, leg LIMIT 101`,
        ['ZZSCALE7:USD'],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('account_entries_pkey');
    expect(plan).not.toContain('Seq Scan');
  });
});
