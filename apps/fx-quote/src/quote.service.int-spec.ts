/**
 * QuoteService against the real Postgres and Redis: single use under concurrency and after Redis loses its keys,
 * expiry to the millisecond, tampered copies, and the reservation bookkeeping. Liquidity is unchecked here
 * (no ledger); tests/fx/liquidity.e2e-spec.ts bounds quotes by a real FXDESK balance.
 */
import { deleteRedisKeys, withTransaction } from '@nostro/platform';
import { PaymentStatusEvent, SignedQuote, generateEd25519KeyPair, verifyQuote } from '@nostro/shared-node';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { EXPIRY_GRACE_MS, LiquidityService } from './liquidity.service';
import { QuoteError } from './quote.errors';
import { QuoteRepository } from './quote.repository';
import { QuoteService } from './quote.service';
import { TestDatabase, freshDatabase, quoteServiceOn, silentLog, testRedisPrefix } from './testing/fx-test-env';

const TTL_MS = 30_000;
const BANK = 'BANKUS33';
const usdEur = (sendAmount: string) => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: 'BANKDE55' });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof QuoteError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('QuoteService with real Postgres and Redis', () => {
  let db: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let repo: QuoteRepository;
  let liquidity: LiquidityService;
  let service: QuoteService;
  let options: ConstructorParameters<typeof QuoteService>[0];

  beforeAll(async () => {
    db = await freshDatabase('fxint');
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    prefix = testRedisPrefix();
    repo = new QuoteRepository(db.pool);
    await repo.ensurePositions(['USD', 'EUR', 'JPY', 'BHD']);
    liquidity = new LiquidityService(null, repo, { refreshMs: 1_000, sweepIntervalMs: 1_000, reservationMaxMs: 3_600_000 }, silentLog);
    const keys = generateEd25519KeyPair();
    options = { quoteTtlMs: TTL_MS, currencies: ['USD', 'EUR', 'JPY', 'BHD'], signingSeed: keys.seed, publicKey: keys.publicKey };
    service = replica();
  });

  /** An fx-quote process on this test's stores. Quotes one issued are in its memory; any other reads stored copies. */
  function replica(): QuoteService {
    return quoteServiceOn({ options, repo, redis, redisPrefix: prefix, liquidity });
  }

  afterAll(async () => {
    await deletePrefix();
    redis.disconnect();
    await db.drop();
  });

  /** Deletes this test's Redis keys only (other engineers share the Redis server: never FLUSHALL). */
  function deletePrefix(): Promise<number> {
    return deleteRedisKeys(redis, prefix);
  }

  async function reservation(id: string): Promise<{ reservation: string; release_reason: string | null; reserved_minor: string }> {
    const { rows } = await db.pool.query('SELECT reservation, release_reason, reserved_minor::text FROM quotes WHERE id = $1', [id]);
    return rows[0];
  }

  async function expectCounterMatchesQuotes(): Promise<void> {
    const [positions, totals] = await Promise.all([repo.positions(), repo.holdingTotals()]);
    for (const [currency, position] of positions) expect([currency, position.reservedMinor]).toEqual([currency, totals.get(currency) ?? 0n]);
  }

  it('prices on the shipped reference rates and corridor, and holds the receive amount', async () => {
    const quote = await service.create(BANK, usdEur('1000.00'));
    // EUR per USD = 1 / 1.0705 = 0.934142923867; minus 25 bps = 0.93180756655…, floored to 10 digits; the markup this
    // leaves (25.0000006 bps) is stated rounded up, never understated.
    expect(quote).toMatchObject({ midRate: '0.934142923867', rate: '0.9318075665', markupBps: '25.01', sendAmount: '1000.00', receiveAmount: '931.80' });
    expect(quote.fees).toEqual([{ type: 'fixed', amount: '2.50', currency: 'USD' }]);
    expect(quote.totalDebit).toBe('1002.50');
    expect(Date.parse(quote.expiresAt) - Date.parse(quote.createdAt)).toBe(TTL_MS);
    expect(await reservation(quote.id)).toEqual({ reservation: 'held', release_reason: null, reserved_minor: '93180' });
    await expectCounterMatchesQuotes();
  });

  it('stores each of 200 concurrent quotes once, reserving each amount once (grouped commits)', async () => {
    const before = (await repo.positions()).get('EUR')?.reservedMinor ?? 0n;
    const quotes = await Promise.all(Array.from({ length: 200 }, (_, i) => service.create(BANK, usdEur(`${i + 1}.00`))));
    expect(new Set(quotes.map((q) => q.id)).size).toBe(200);
    const { rows } = await db.pool.query<{ n: string; total: string }>(
      'SELECT count(*)::text AS n, sum(reserved_minor)::text AS total FROM quotes WHERE id = ANY($1)',
      [quotes.map((q) => q.id)],
    );
    const expected = quotes.reduce((sum, q) => sum + BigInt(q.receiveAmount.replace('.', '')), 0n);
    expect(rows[0]).toEqual({ n: '200', total: expected.toString() });
    expect((await repo.positions()).get('EUR')?.reservedMinor).toBe(before + expected);
    await expectCounterMatchesQuotes();
  });

  it('lets exactly one of 100 concurrent payments use a quote', async () => {
    const quote = await service.create(BANK, usdEur('10.00'));
    const uetrs = Array.from({ length: 100 }, () => randomUUID());
    const outcomes = await Promise.all(uetrs.map((uetr) => codeOf(service.consume(BANK, quote.id, uetr))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'quote_already_used')).toHaveLength(99);
    const winner = uetrs[outcomes.indexOf('ok')];
    const { rows } = await db.pool.query('SELECT used_by FROM quotes WHERE id = $1', [quote.id]);
    expect(rows[0].used_by).toBe(winner);
  });

  it('keeps a quote single-use after Redis lost every key of this service', async () => {
    const quote = await service.create(BANK, usdEur('20.00'));
    const first = randomUUID();
    await service.consume(BANK, quote.id, first);
    expect(await deletePrefix()).toBeGreaterThan(0);
    expect(await redis.exists(`${prefix}quote:${quote.id}`, `${prefix}quote:${quote.id}:used`)).toBe(0);
    const again = await Promise.all(Array.from({ length: 100 }, () => codeOf(service.consume(BANK, quote.id, randomUUID()))));
    expect(new Set(again)).toEqual(new Set(['quote_already_used']));
    // The payment that used it may retry (idempotent), even with Redis empty.
    await deletePrefix();
    expect((await service.consume(BANK, quote.id, first)).id).toBe(quote.id);
  });

  it('lets exactly one of 100 concurrent payments use a quote while Redis is down (Postgres alone decides)', async () => {
    const quote = await service.create(BANK, usdEur('25.00'));
    const offline = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const withoutRedis = quoteServiceOn({ options, repo, redis: offline, redisPrefix: prefix, liquidity });
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => codeOf(withoutRedis.consume(BANK, quote.id, randomUUID()))));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'quote_already_used')).toHaveLength(99);
    offline.disconnect();
  });

  it('honours a quote up to the millisecond of expiresAt and refuses it one millisecond later', async () => {
    const issuedAt = Date.now();
    const onTime = await service.create(BANK, usdEur('30.00'), issuedAt);
    const late = await service.create(BANK, usdEur('31.00'), issuedAt);
    const expiresAt = Date.parse(onTime.expiresAt);
    expect(expiresAt).toBe(issuedAt + TTL_MS);
    const uetr = randomUUID();
    expect((await service.consume(BANK, onTime.id, uetr, expiresAt)).id).toBe(onTime.id);
    expect(await codeOf(service.consume(BANK, late.id, randomUUID(), expiresAt + 1))).toBe('quote_expired');
    // The payment that used it in time is answered the same afterwards; nobody else is.
    expect((await service.consume(BANK, onTime.id, uetr, expiresAt + 60_000)).id).toBe(onTime.id);
    expect(await codeOf(service.consume(BANK, onTime.id, randomUUID(), expiresAt + 60_000))).toBe('quote_already_used');
  });

  it('releases an expired unused quote at the sweep, after which nobody can use it', async () => {
    const issuedAt = Date.now() - TTL_MS - EXPIRY_GRACE_MS - 1_000;
    const quote = await service.create(BANK, usdEur('40.00'), issuedAt);
    const before = (await repo.positions()).get('EUR')?.reservedMinor ?? 0n;
    await liquidity.sweep(Date.now());
    expect(await reservation(quote.id)).toMatchObject({ reservation: 'released', release_reason: 'expired' });
    expect((await repo.positions()).get('EUR')?.reservedMinor).toBe(before - BigInt((await reservation(quote.id)).reserved_minor));
    // Even a clock that still thinks the quote is valid cannot use a released one.
    expect(await codeOf(service.consume(BANK, quote.id, randomUUID(), issuedAt + 1))).toBe('quote_expired');
    await expectCounterMatchesQuotes();
  });

  it('ignores a tampered Redis copy and refuses a tampered Postgres copy', async () => {
    const quote = await service.create(BANK, usdEur('50.00'));
    const forged: SignedQuote = { ...quote, receiveAmount: '5000.00' };
    await redis.set(`${prefix}quote:${quote.id}`, JSON.stringify(forged));
    expect(await replica().get(BANK, quote.id)).toEqual(quote);
    const used = await replica().consume(BANK, quote.id, randomUUID());
    expect(used.receiveAmount).toBe(quote.receiveAmount);

    const other = await service.create(BANK, usdEur('60.00'));
    await redis.del(`${prefix}quote:${other.id}`);
    await db.pool.query(`UPDATE quote_documents SET quote = jsonb_set(quote, '{receiveAmount}', '"6000.00"') WHERE id = $1`, [other.id]);
    expect(await codeOf(replica().consume(BANK, other.id, randomUUID()))).toBe('quote_invalid');
  });

  it('serves the quotes it issued from its own memory, whatever the stored copies say; their use is still recorded', async () => {
    const quote = await service.create(BANK, usdEur('65.00'));
    await redis.set(`${prefix}quote:${quote.id}`, JSON.stringify({ ...quote, receiveAmount: '6500.00' }));
    await db.pool.query(`UPDATE quote_documents SET quote = jsonb_set(quote, '{receiveAmount}', '"6500.00"') WHERE id = $1`, [quote.id]);
    expect(await service.get(BANK, quote.id)).toEqual(quote);
    const uetr = randomUUID();
    expect(await service.consume(BANK, quote.id, uetr)).toEqual(quote);
    const { rows } = await db.pool.query('SELECT used_by FROM quotes WHERE id = $1', [quote.id]);
    expect(rows[0].used_by).toBe(uetr);
    expect(await codeOf(service.consume(BANK, quote.id, randomUUID()))).toBe('quote_already_used');
    // Without Redis's claim, Postgres still refuses a second use.
    await redis.del(`${prefix}quote:${quote.id}:used`);
    expect(await codeOf(service.consume(BANK, quote.id, randomUUID()))).toBe('quote_already_used');
  });

  it('does not show or give a quote to another participant', async () => {
    const quote = await service.create(BANK, usdEur('70.00'));
    expect(await codeOf(service.get('BANKGB22', quote.id))).toBe('quote_not_found');
    expect(await codeOf(service.consume('BANKGB22', quote.id, randomUUID()))).toBe('quote_not_found');
    expect(await codeOf(service.consume(BANK, 'q_nope', randomUUID()))).toBe('quote_not_found');
  });

  it('answers a batch in order with one quote or refusal each', async () => {
    const results = await service.createMany(BANK, [
      usdEur('1.00'),
      { sourceCurrency: 'USD', targetCurrency: 'GBP', sendAmount: '1.00', creditorParticipant: 'BANKDE55' }, // GBP not enabled here
      usdEur('1000000.01'),
      { sourceCurrency: 'JPY', targetCurrency: 'BHD', receiveAmount: '10.125', creditorParticipant: 'BANKDE55' },
      usdEur('0.01'), // 0.0093 EUR: not one cent to deliver
      usdEur('0.02'),
    ]);
    expect(results.map((r) => (r instanceof QuoteError ? r.code : 'quote'))).toEqual([
      'quote',
      'corridor_unavailable',
      'amount_out_of_range',
      'quote',
      'amount_out_of_range',
      'quote',
    ]);
    expect((results[5] as SignedQuote).receiveAmount).toBe('0.01');
    expect((results[2] as QuoteError).field).toBe('sendAmount');
    const jpyBhd = results[3] as SignedQuote;
    expect(jpyBhd.receiveAmount).toBe('10.125');
    expect(jpyBhd.sendAmount).toMatch(/^[1-9][0-9]*$/); // whole yen, ceiled
    await expectCounterMatchesQuotes();
  });

  it('quotes for several banks in one call: each group its bank’s own signed batch, all reserved in one transaction', async () => {
    const before = (await repo.positions()).get('EUR')?.reservedMinor ?? 0n;
    const [ours, theirs] = await service.createGroups([
      {
        participant: BANK,
        requests: [usdEur('10.00'), { sourceCurrency: 'USD', targetCurrency: 'GBP', sendAmount: '1.00', creditorParticipant: 'BANKDE55' }, usdEur('20.00')],
      },
      { participant: 'BANKGB22', requests: [usdEur('30.00')] },
    ]);
    expect(ours.map((r) => (r instanceof QuoteError ? r.code : (r as SignedQuote).participant))).toEqual([BANK, 'corridor_unavailable', BANK]);
    expect(theirs.map((r) => (r instanceof QuoteError ? r.code : (r as SignedQuote).participant))).toEqual(['BANKGB22']);
    const quotes = [ours[0], ours[2], theirs[0]] as SignedQuote[];
    for (const q of quotes) expect(verifyQuote(q, options.publicKey)).toBe(true);
    // Signed per bank: our two quotes are one tree of two under one signature; the other bank's is signed alone.
    expect([quotes[0].batch?.size, quotes[1].batch?.size]).toEqual([2, 2]);
    expect(quotes[0].signature).toBe(quotes[1].signature);
    expect(quotes[2].batch).toBeUndefined();
    expect(quotes[2].signature).not.toBe(quotes[0].signature);
    // One transaction stored all three (their documents share xmin) and reserved their receive amounts once.
    const { rows } = await db.pool.query<{ tx: string }>('SELECT DISTINCT xmin::text AS tx FROM quote_documents WHERE id = ANY($1)', [quotes.map((q) => q.id)]);
    expect(rows).toHaveLength(1);
    const reserved = quotes.reduce((sum, q) => sum + BigInt(q.receiveAmount.replace('.', '')), 0n);
    expect((await repo.positions()).get('EUR')?.reservedMinor).toBe(before + reserved);
    await expectCounterMatchesQuotes();

    // Their uses in one call, each item checked against its own bank: ours, ours again for another payment, and ours
    // named by the other bank.
    const [u1, u2] = [randomUUID(), randomUUID()];
    const [ourUses, theirUses] = await service.consumeGroups([
      {
        participant: BANK,
        requests: [
          { quoteId: quotes[0].id, uetr: u1 },
          { quoteId: quotes[0].id, uetr: u2 },
        ],
      },
      {
        participant: 'BANKGB22',
        requests: [
          { quoteId: quotes[1].id, uetr: randomUUID() },
          { quoteId: quotes[2].id, uetr: randomUUID() },
        ],
      },
    ]);
    expect(ourUses.map((r) => (r instanceof QuoteError ? r.code : r.id))).toEqual([quotes[0].id, 'quote_already_used']);
    expect(theirUses.map((r) => (r instanceof QuoteError ? r.code : r.id))).toEqual(['quote_not_found', quotes[2].id]);
    expect((await reservation(quotes[0].id)).reservation).toBe('used');
    expect((await reservation(quotes[1].id)).reservation).toBe('held');
    expect((await reservation(quotes[2].id)).reservation).toBe('used');
  });

  it('holds a used quote until its payment settles (then the ledger shows it) or releases it when rejected', async () => {
    const settled = await service.create(BANK, usdEur('80.00'));
    const rejected = await service.create(BANK, usdEur('90.00'));
    const [u1, u2] = [randomUUID(), randomUUID()];
    await service.consume(BANK, settled.id, u1);
    await service.consume(BANK, rejected.id, u2);
    expect((await reservation(settled.id)).reservation).toBe('used');
    const event = (uetr: string, status: 'SETTLED' | 'REJECTED'): PaymentStatusEvent => ({
      kind: 'payment.status',
      id: randomUUID(),
      uetr,
      participant: BANK,
      status,
      at: Date.now(),
      ...(status === 'SETTLED' ? { block: { height: 7, hash: 'ab'.repeat(32) } } : { reason: 'insufficient_funds' }),
    });
    await withTransaction(db.pool, (tx) => liquidity.onPaymentEvents(tx, [event(u1, 'SETTLED'), event(u2, 'REJECTED')]));
    expect(await reservation(settled.id)).toMatchObject({ reservation: 'settled', release_reason: null });
    expect(await reservation(rejected.id)).toMatchObject({ reservation: 'released', release_reason: 'rejected' });
    await expectCounterMatchesQuotes();
    // Without a ledger to compare against, the sweep releases settled reservations.
    await liquidity.sweep(Date.now());
    expect(await reservation(settled.id)).toMatchObject({ reservation: 'released', release_reason: 'settled' });
    await expectCounterMatchesQuotes();
  });

  it('keeps a queued payment’s reservation past the abandoned cut-off until its queue deadline, then lets the sweep release it', async () => {
    const quote = await service.create(BANK, usdEur('70.00'));
    const uetr = randomUUID();
    await service.consume(BANK, quote.id, uetr);
    const queuedUntil = Date.now() + 3 * 3_600_000;
    const queued: PaymentStatusEvent = { kind: 'payment.status', id: randomUUID(), uetr, participant: BANK, status: 'QUEUED', at: Date.now(), queuedUntil };
    await withTransaction(db.pool, (tx) => liquidity.onPaymentEvents(tx, [queued]));
    // Two hours on: past the one-hour reservation limit, but the payment still waits in the ledger's queue.
    await liquidity.sweep(Date.now() + 2 * 3_600_000);
    expect(await reservation(quote.id)).toMatchObject({ reservation: 'used', release_reason: null });
    // Past its queue deadline and the limit after it, with no final event: abandoned like any used quote.
    await liquidity.sweep(queuedUntil + 3_600_000 + 1_000);
    expect(await reservation(quote.id)).toMatchObject({ reservation: 'released', release_reason: 'abandoned' });
    await expectCounterMatchesQuotes();
  });

  it('releases a settled reservation only against a ledger view that includes its block, and fences older views', async () => {
    const quote = await service.create(BANK, usdEur('85.00'));
    const uetr = randomUUID();
    await service.consume(BANK, quote.id, uetr);
    const settled: PaymentStatusEvent = {
      kind: 'payment.status',
      id: randomUUID(),
      uetr,
      participant: BANK,
      status: 'SETTLED',
      at: Date.now(),
      block: { height: 1_000_007, hash: 'cd'.repeat(32) },
    };
    await withTransaction(db.pool, (tx) => liquidity.onPaymentEvents(tx, [settled]));
    expect(await repo.releaseSettled(1_000_006)).toBe(0);
    expect((await reservation(quote.id)).reservation).toBe('settled');
    expect(await repo.releaseSettled(1_000_007)).toBe(1);
    expect(await reservation(quote.id)).toMatchObject({ reservation: 'released', release_reason: 'settled' });
    expect((await repo.positions()).get('EUR')?.releasedHeight).toBe(1_000_007);
    // A reader whose FXDESK balance predates that block would count the payment neither as spent nor as reserved:
    // it may not reserve until it has read again.
    const next = await service.create(BANK, usdEur('1.00'));
    const candidate = { quote: { ...next, id: `q_fence_${randomUUID()}` }, reservedMinor: 93n };
    expect(await repo.insertHeldWithin([candidate], 10n ** 9n, 1_000_006)).toBe(false);
    expect(await repo.insertHeldWithin([candidate], 10n ** 9n, 1_000_007)).toBe(true);
    await expectCounterMatchesQuotes();
  });

  it('has the database refuse an illegal reservation move and a changed amount', async () => {
    const quote = await service.create(BANK, usdEur('95.00'));
    await expect(
      db.pool.query(`UPDATE quotes SET reservation = 'settled', settled_height = 1, used_by = $2, used_at = now() WHERE id = $1`, [quote.id, randomUUID()]),
    ).rejects.toThrow(/illegal reservation transition held -> settled/);
    await expect(db.pool.query('UPDATE quotes SET reserved_minor = 1 WHERE id = $1', [quote.id])).rejects.toThrow(/never changes/);
  });
});
