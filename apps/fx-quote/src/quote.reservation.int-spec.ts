/**
 * A batch's reservation of FXDESK liquidity against the real Postgres and Redis, with the desk's balances read from
 * a stand-in for the validators' HTTP API (tests/fx/liquidity.e2e-spec.ts reads a real ledger): a batch stores only
 * what the desk covers; a large one writes its quotes before it locks the currency's position row, which every
 * concurrent issuer and release waits for, and a small group in one currency is reserved in one statement.
 */
import { deleteRedisKeys, eventually } from '@nostro/platform';
import { DeskBalance, SignedQuote, generateEd25519KeyPair } from '@nostro/shared-node';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DeskSnapshot, LedgerClient } from './ledger.client';
import { LiquidityService } from './liquidity.service';
import { QuoteError } from './quote.errors';
import { QuoteRepository } from './quote.repository';
import { QuoteService } from './quote.service';
import { TestDatabase, freshDatabase, quoteServiceOn, silentLog, testRedisPrefix } from './testing/fx-test-env';

/** FXDESK's EUR balance as the stand-in ledger reports it: 1,000.00 EUR, no net debit cap. */
const DESK_EUR_MINOR = 100_000n;
const usdToEur = (receiveAmount: string) => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', receiveAmount, creditorParticipant: 'BANKDE55' });

/** Answers FXDESK's balances at a fixed final height, as the validators' internal API would. */
class DeskStandIn {
  reads = 0;
  constructor(private readonly balances: Map<string, DeskBalance>) {}
  async deskSnapshot(): Promise<DeskSnapshot> {
    this.reads += 1;
    return { height: 1, balances: this.balances, readAt: Date.now() };
  }
}

describe('QuoteService reserving a batch against FXDESK’s balance (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let redis: Redis;
  let prefix: string;
  let repo: QuoteRepository;
  let service: QuoteService;

  beforeAll(async () => {
    db = await freshDatabase('fxreserve');
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    prefix = testRedisPrefix();
    repo = new QuoteRepository(db.pool);
    await repo.ensurePositions(['USD', 'EUR']);
    const desk = new DeskStandIn(new Map([['EUR', { balanceMinor: DESK_EUR_MINOR, netDebitCapMinor: 0n }]]));
    const liquidity = new LiquidityService(
      desk as unknown as LedgerClient,
      repo,
      { refreshMs: 60_000, sweepIntervalMs: 60_000, reservationMaxMs: 3_600_000 },
      silentLog,
    );
    const keys = generateEd25519KeyPair();
    const options = { quoteTtlMs: 30_000, currencies: ['USD', 'EUR'], signingSeed: keys.seed, publicKey: keys.publicKey };
    service = quoteServiceOn({ options, repo, redis, redisPrefix: prefix, liquidity });
  });

  afterAll(async () => {
    await deleteRedisKeys(redis, prefix);
    redis.disconnect();
    await db.drop();
  });

  async function stored(): Promise<{ quotes: string[]; documents: string[] }> {
    const quotes = await db.pool.query<{ id: string }>('SELECT id FROM quotes ORDER BY id');
    const documents = await db.pool.query<{ id: string }>('SELECT id FROM quote_documents ORDER BY id');
    return { quotes: quotes.rows.map((r) => r.id), documents: documents.rows.map((r) => r.id) };
  }

  async function reservedEur(): Promise<bigint> {
    return (await repo.positions()).get('EUR')?.reservedMinor ?? -1n;
  }

  it('stores, in request order, only the quotes the desk covers, and reserves exactly their sum', async () => {
    const results = await service.createMany('BANKUS33', ['600.00', '500.00', '300.00', '200.00', '100.00'].map(usdToEur));
    expect(results.map((r) => (r instanceof QuoteError ? r.code : (r as SignedQuote).receiveAmount))).toEqual([
      '600.00',
      'insufficient_liquidity',
      '300.00',
      'insufficient_liquidity',
      '100.00',
    ]);
    const granted = results.filter((r): r is SignedQuote => !(r instanceof QuoteError)).map((q) => q.id);
    expect(await stored()).toEqual({ quotes: [...granted].sort(), documents: [...granted].sort() });
    expect(await reservedEur()).toBe(DESK_EUR_MINOR);
    expect((await repo.holdingTotals()).get('EUR')).toBe(DESK_EUR_MINOR);

    // Nothing left: a batch is refused whole and stores nothing.
    const none = await service.createMany('BANKUS33', ['0.01', '1.00'].map(usdToEur));
    expect(none.map((r) => (r instanceof QuoteError ? r.code : 'quote'))).toEqual(['insufficient_liquidity', 'insufficient_liquidity']);
    expect((await stored()).quotes).toHaveLength(granted.length);
    expect(await reservedEur()).toBe(DESK_EUR_MINOR);
  });

  /** Empties the store, then runs `act` while another transaction holds EUR's position row; answers what waited. */
  async function whileEurIsHeld<T>(act: () => Promise<T>): Promise<{ waiting: { query: string; quotes_locked: boolean }; result: T }> {
    await db.pool.query(`UPDATE fx_liquidity SET reserved_minor = 0 WHERE currency = 'EUR'`);
    await db.pool.query('DELETE FROM quote_documents');
    await db.pool.query('DELETE FROM quotes');
    // Another transaction holds EUR's position, as a concurrent batch or release would.
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM fx_liquidity WHERE currency = 'EUR' FOR UPDATE`);
      const pending = act();
      // Asked on another connection: within the holder's transaction, pg_stat_activity would answer one snapshot.
      const waiting = await eventually(
        async () =>
          (
            await db.pool.query<{ query: string; quotes_locked: boolean }>(
              `SELECT a.query,
                      EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation = 'quotes'::regclass AND l.mode = 'RowExclusiveLock' AND l.granted) AS quotes_locked
                 FROM pg_stat_activity a
                WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'`,
            )
          ).rows[0],
        (row) => row !== undefined,
        10_000,
        20,
      );
      if (waiting === undefined) throw new Error('no backend waited on a lock within 10 s');
      await holder.query('COMMIT');
      return { waiting, result: await pending };
    } finally {
      await holder.end();
    }
  }

  it('writes a large batch’s quotes before it waits for the currency’s position, so the lock is held for the check only', async () => {
    const amounts = Array.from({ length: 40 }, () => '1.00');
    const { waiting, result } = await whileEurIsHeld(() => service.createMany('BANKUS33', amounts.map(usdToEur)));
    // The batch's backend waits on the position row, already holding the quotes table for its insertion.
    expect(waiting.query).toMatch(/FROM fx_liquidity .* FOR UPDATE/);
    expect(waiting.quotes_locked).toBe(true);
    expect(result.map((r) => (r instanceof QuoteError ? r.code : (r as SignedQuote).receiveAmount))).toEqual(amounts);
    expect(await reservedEur()).toBe(4_000n);
    expect((await stored()).quotes).toHaveLength(40);
  });

  it('reserves a small group in one currency in one statement when all of it fits', async () => {
    const { waiting, result } = await whileEurIsHeld(() => service.createMany('BANKUS33', ['10.00', '20.00', '30.00'].map(usdToEur)));
    // The whole group waits as one statement: the position's update, the quotes and their documents together.
    expect(waiting.query).toMatch(/^WITH position AS \(\s*UPDATE fx_liquidity/);
    expect(result.map((r) => (r instanceof QuoteError ? r.code : (r as SignedQuote).receiveAmount))).toEqual(['10.00', '20.00', '30.00']);
    expect(await reservedEur()).toBe(6_000n);
    const { quotes, documents } = await stored();
    expect(quotes).toHaveLength(3);
    expect(documents).toEqual(quotes);
  });
});
