/**
 * Customer data at rest on a fresh gateway database (real Postgres): sealed on insert, opened for readers, re-wrapped
 * after a rotation, rows written before encryption sealed, erasure final; and a wrong key refusing to start.
 */
import { ConfigError, Kek, PiiCipher, TestDatabase, createLogger, withTransaction } from '@nostro/platform';
import { randomBytes, randomUUID } from 'node:crypto';
import { PaymentsRepository } from '../payments/payments.repository';
import { CustomerDataRepository } from './customer-data.repository';
import { CustomerData, Parties } from './customer-data.service';
import { freshGatewayDatabase, testQuote as quote } from '../testing/gateway-test-db';

const log = createLogger('gateway-test', 'silent');
const fail = (message: string): never => {
  throw new Error(message);
};
const kek = (id: string): Kek => ({ id, key: randomBytes(32) });

describe('CustomerData (customer data at rest)', () => {
  let db: TestDatabase;
  let payments: PaymentsRepository;
  let repo: CustomerDataRepository;
  const k1 = kek('k1');
  /** The KEK the database's data keys are wrapped by now (k1, then the key it was rotated to). */
  let active = k1;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwcustomerdata', log);
    payments = new PaymentsRepository(db.pool);
    repo = new CustomerDataRepository(db.pool);
  }, 60_000);

  afterAll(() => db.drop());

  const service = (current: Kek = active, previous: Kek[] = [], retentionDays = 0) =>
    new CustomerData(new PiiCipher(current, previous), repo, log, retentionDays);

  async function pay(cd: CustomerData, parties: Parties, opts: { participant?: string; creditor?: string; at?: Date; status?: string } = {}) {
    const uetr = randomUUID();
    const request = { quoteId: `q_${uetr}`, endToEndId: 'E2E', ...parties };
    const q = { ...quote(`q_${uetr}`), participant: opts.participant ?? 'BANKUS01', creditorParticipant: opts.creditor ?? 'BANKDE01' };
    const row = await withTransaction(db.pool, (tx) =>
      payments.insert(tx, {
        uetr,
        participant: q.participant,
        quote: q,
        request,
        sealed: cd.seal(uetr, request),
        at: opts.at ?? new Date(),
        totalDebitMinor: 1050n,
      }),
    );
    if (opts.status) await db.pool.query('UPDATE payments SET status = $2 WHERE uetr = $1', [uetr, opts.status]);
    return row;
  }

  const parties = (name: string): Parties => ({
    debtor: { name, account: 'DE89370400440532013000' },
    creditor: { name: 'Bo Ek', account: 'SE45' },
    remittanceInfo: `inv ${name}`,
  });

  it('seals the parties on insert: no column holds them in clear, and they open for a reader', async () => {
    const cd = service(k1);
    await cd.checkKeys();
    const row = await pay(cd, parties('Zoltan Quux-Unique'));
    const { rows } = await db.pool.query<{ text: string }>('SELECT p::text AS text FROM payments p WHERE uetr = $1', [row.uetr]);
    expect(rows[0].text).not.toContain('Zoltan');
    expect(rows[0].text).not.toContain('DE89370400440532013000');
    expect(row.debtor).toBeNull();
    expect(row.pii_kek_id).toBe('k1');
    expect(cd.open(row)).toEqual(parties('Zoltan Quux-Unique'));
  });

  it('fills a stored document’s placeholders from the sealed payment', async () => {
    const cd = service(k1);
    const row = await pay(cd, parties('Ana Lima'));
    const doc = { id: 'w1', data: { payment: { uetr: row.uetr, status: 'SETTLED', $parties: row.uetr, tail: 1 } } };
    const filled = await cd.fill(doc);
    expect(filled.data.payment).toEqual({ uetr: row.uetr, status: 'SETTLED', ...parties('Ana Lima'), tail: 1 });
    expect(Object.keys(filled.data.payment)).toEqual(['uetr', 'status', 'debtor', 'creditor', 'remittanceInfo', 'tail']);
    expect(await cd.fill({ nothing: [1, 'x'] })).toEqual({ nothing: [1, 'x'] });
  });

  it('seals a payment’s free text with its data key, opens it anywhere in a document, and reads it erased after', async () => {
    const cd = service(k1);
    const row = await pay(cd, parties('Texty'), { participant: 'TEXTBANK', status: 'SETTLED', at: new Date(Date.now() - 86_400_000) });
    const sealed = cd.sealText(row, 'Mr Texty called about it');
    expect(sealed).toMatch(new RegExp(`^pii1:${row.uetr}:[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('Texty');
    const doc = { at: new Date(0), list: [{ recall: { comment: sealed } }, 'pii1:not-sealed'] };
    const filled = await cd.fill(doc);
    expect(filled).toEqual({ at: new Date(0), list: [{ recall: { comment: 'Mr Texty called about it' } }, 'pii1:not-sealed'] });
    await service(active, [], 0).erase('TEXTBANK', new Date());
    expect(await cd.fill(doc)).toEqual({ at: new Date(0), list: [{ recall: { comment: '[erased]' } }, 'pii1:not-sealed'] });
  });

  it('refuses to start with a different key under a known id, or without a key still in use', async () => {
    await expect(service(kek('k1')).checkKeys()).rejects.toThrow(ConfigError);
    await expect(service(kek('k1')).checkKeys()).rejects.toThrow(/not the key this database's customer data was sealed with/);
    // k2 alone, while data keys are still wrapped by k1: refused, and nothing was recorded for k1's sake.
    const k2 = kek('k2');
    await expect(service(k2).checkKeys()).rejects.toThrow(/k1.*PII_KEK_PREVIOUS/);
  });

  it('re-wraps every data key under a new KEK online, then retires the old one', async () => {
    const before = await pay(service(k1), parties('Rotating Person'));
    const k2 = kek('k2rot');
    const rotated = service(k2, [k1]);
    await rotated.checkKeys();
    // Written during the rotation: already under k2.
    const during = await pay(rotated, parties('New Person'));
    expect(during.pii_kek_id).toBe('k2rot');
    for (let i = 0; i < 10 && (await rotated.maintain()); i++);
    const status = await rotated.status();
    expect(status.keks.find((k) => k.kekId === 'k1')).toMatchObject({ dataKeys: '0', held: true });
    expect(status.keks.find((k) => k.kekId === 'k1')?.retiredAt).toBeDefined();
    // k1 is no longer needed: a gateway given only k2 starts and reads everything.
    const only = service(k2);
    await only.checkKeys();
    const [row] = (await payments.findAnyMany([before.uetr])).values();
    expect(row.pii_kek_id).toBe('k2rot');
    expect(only.open(row)).toEqual(parties('Rotating Person'));
    // The other test payments were re-wrapped too: k2 opens every one.
    const { rows } = await db.pool.query<{ uetr: string }>('SELECT uetr::text FROM payments');
    const all = await payments.findAnyMany(rows.map((r) => r.uetr));
    for (const r of all.values()) expect(() => only.open(r)).not.toThrow();
    active = k2;
  });

  it('leaves a newer KEK alone on a replica not rolled to it yet, and rotates back to the old key', async () => {
    const old = service(active);
    const k3 = kek('k3');
    const rolled = service(k3, [active]);
    await rolled.checkKeys();
    // The replica still on the old key passes over the table before anything is wrapped by k3: k3 stays in use.
    while (await old.maintain());
    expect((await rolled.status()).keks.find((k) => k.kekId === 'k3')?.retiredAt).toBeUndefined();
    for (let i = 0; i < 10 && (await rolled.maintain()); i++);
    expect((await rolled.status()).keks.find((k) => k.kekId === active.id)?.retiredAt).toBeDefined();
    // And back: a gateway given the old key as current and k3 as previous re-wraps to the old one and retires k3.
    const back = service(active, [k3]);
    await back.checkKeys();
    for (let i = 0; i < 10 && (await back.maintain()); i++);
    const status = await back.status();
    expect(status.keks.find((k) => k.kekId === 'k3')).toMatchObject({ dataKeys: '0' });
    expect(status.keks.find((k) => k.kekId === 'k3')?.retiredAt).toBeDefined();
    const { rows } = await db.pool.query<{ uetr: string }>('SELECT uetr::text FROM payments');
    for (const r of (await payments.findAnyMany(rows.map((x) => x.uetr))).values()) expect(() => old.open(r)).not.toThrow();
  });

  it('seals rows written before encryption at rest, in the background', async () => {
    const uetr = randomUUID();
    await db.pool.query(
      `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, end_to_end_id, debtor, creditor, remittance_info, status, created_at)
       VALUES ($1, 'BANKUS01', 'BANKDE01', $2, '{}', 'E2E', '{"name":"Legacy Lou","account":"L1"}', '{"name":"C","account":"C1"}', 'old inv', 'SETTLED', now())`,
      [uetr, `q_${uetr}`],
    );
    const cd = service();
    const [legacy] = (await payments.findAnyMany([uetr])).values();
    expect(cd.open(legacy)).toEqual({ debtor: { name: 'Legacy Lou', account: 'L1' }, creditor: { name: 'C', account: 'C1' }, remittanceInfo: 'old inv' });
    await cd.maintain();
    const { rows } = await db.pool.query<{ text: string }>('SELECT p::text AS text FROM payments p WHERE uetr = $1', [uetr]);
    expect(rows[0].text).not.toContain('Legacy Lou');
    const [sealed] = (await payments.findAnyMany([uetr])).values();
    expect(cd.open(sealed)).toEqual({ debtor: { name: 'Legacy Lou', account: 'L1' }, creditor: { name: 'C', account: 'C1' }, remittanceInfo: 'old inv' });
  });

  it('erases only final payments of the participant older than the cutoff and the retention period, for good', async () => {
    const cd = service();
    const old = new Date(Date.now() - 10 * 86_400_000);
    const sent = await pay(cd, parties('Old Sent'), { participant: 'ERASEBANK', at: old, status: 'SETTLED' });
    const received = await pay(cd, parties('Old Received'), { creditor: 'ERASEBANK', at: old, status: 'REJECTED' });
    const inFlight = await pay(cd, parties('In Flight'), { participant: 'ERASEBANK', at: old, status: 'SUBMITTED' });
    const recent = await pay(cd, parties('Recent'), { participant: 'ERASEBANK', status: 'SETTLED' });
    const other = await pay(cd, parties('Other Bank'), { participant: 'OTHERBANK', at: old, status: 'SETTLED' });
    // A retention period of 30 days keeps everything here.
    expect((await service(active, [], 30).erase('ERASEBANK', undefined)).erased).toBe(0);
    const result = await service(active, [], 5).erase('ERASEBANK', new Date());
    expect(result).toMatchObject({ participant: 'ERASEBANK', retentionDays: 5, erased: 2 });
    const rows = await payments.findAnyMany([sent.uetr, received.uetr, inFlight.uetr, recent.uetr, other.uetr]);
    const opened = (uetr: string) => cd.open(rows.get(uetr) ?? fail(`no payment ${uetr}`));
    expect(opened(sent.uetr)).toEqual({ erasedAt: expect.any(Date) });
    expect(opened(received.uetr)).toEqual({ erasedAt: expect.any(Date) });
    expect(opened(inFlight.uetr)).toEqual(parties('In Flight'));
    expect(opened(recent.uetr)).toEqual(parties('Recent'));
    expect(opened(other.uetr)).toEqual(parties('Other Bank'));
    // Amounts and status stay; the data key is gone and the database refuses to put one back.
    expect(rows.get(sent.uetr)).toMatchObject({ status: 'SETTLED', pii_dek: null, total_debit_minor: '1050' });
    await expect(db.pool.query('UPDATE payments SET pii_dek = $2 WHERE uetr = $1', [sent.uetr, randomBytes(61)])).rejects.toThrow(/erased/);
    // Again: nothing more to erase.
    expect((await service(active, [], 5).erase('ERASEBANK', new Date())).erased).toBe(0);
  });
});
