/**
 * Operators read a payment, its timeline and its recall and returns in one snapshot, as banks do: a status committed
 * between two of those reads must not show a timeline that the row has not reached (real Postgres, a fresh gateway
 * database; the concurrent commit is made right after the payment row was read).
 */
import { ListCursorCodec, PiiCipher, Pool, PoolClient, TestDatabase, createLogger, withTransaction } from '@nostro/platform';
import { randomBytes, randomUUID } from 'node:crypto';
import { GatewayConfig } from '../config';
import { CustomerData } from '../customer-data/customer-data.service';
import { CustomerDataRepository } from '../customer-data/customer-data.repository';
import { ExceptionsRepository } from '../exceptions/exceptions.repository';
import { GatewayOpsHost } from '../ops/ops-host.adapter';
import { PaymentsRepository } from '../payments/payments.repository';
import { freshGatewayDatabase, testQuote as quote } from '../testing/gateway-test-db';
import { AdminPaymentsRepository } from './admin-payments.repository';
import { AdminPaymentsService } from './admin-payments.service';

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * `pool` seen through a wrapper that runs `between` (once armed, once) right after a statement matching `after`
 * completes, on whichever path the statement took: the pool itself or a client taken from it.
 */
function interceptingPool(pool: Pool, after: RegExp): { pool: Pool; arm(between: () => Promise<void>): void } {
  let pending: (() => Promise<void>) | null = null;
  const wrap = (query: Query): Query => {
    return async (...args: unknown[]) => {
      const result = await query(...args);
      const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string }).text ?? '');
      if (pending && after.test(text)) {
        const run = pending;
        pending = null;
        await run();
      }
      return result;
    };
  };
  const clientProxy = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get: (target, prop) => (prop === 'query' ? wrap(target.query.bind(target) as Query) : Reflect.get(target, prop, target)),
    });
  const proxy = new Proxy(pool, {
    get: (target, prop) => {
      if (prop === 'query') return wrap(target.query.bind(target) as Query);
      if (prop === 'connect') return async () => clientProxy(await target.connect());
      return Reflect.get(target, prop, target);
    },
  });
  return { pool: proxy, arm: (between) => void (pending = between) };
}

describe('operator views of a payment read one snapshot', () => {
  const log = createLogger('gateway-test', 'silent');
  let db: TestDatabase;
  let intercept: ReturnType<typeof interceptingPool>;
  let customerData: CustomerData;
  let admin: AdminPaymentsService;
  let host: GatewayOpsHost;
  const payments = () => new PaymentsRepository(db.pool);

  beforeAll(async () => {
    db = await freshGatewayDatabase('operator_reads');
    intercept = interceptingPool(db.pool, /^SELECT \*[\s\S]*? FROM payments\s/);
    customerData = new CustomerData(new PiiCipher({ id: 'k1', key: randomBytes(32) }), new CustomerDataRepository(db.pool), log, 0);
    const pool = intercept.pool;
    const exceptions = new ExceptionsRepository(pool);
    admin = new AdminPaymentsService(
      {} as GatewayConfig,
      pool,
      new AdminPaymentsRepository(pool),
      null as never,
      null as never,
      new ListCursorCodec('operator-reads-test'),
      exceptions,
      customerData,
    );
    const none = null as never;
    host = new GatewayOpsHost(pool, none, new PaymentsRepository(pool), none, none, none, none, exceptions, none, none, customerData, none);
  }, 60_000);

  afterAll(() => db.drop());

  /**
   * A RECEIVED payment, and the SUBMITTED status settlement will report for it, armed to commit right after the next
   * read of a payment row; `committed()` tells whether it did.
   */
  async function receivedPayment(): Promise<{ uetr: string; committed: () => boolean }> {
    const uetr = randomUUID();
    const request = { quoteId: `q_${uetr}`, endToEndId: 'E2E', debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };
    await withTransaction(db.pool, (tx) =>
      payments().insert(tx, {
        uetr,
        participant: 'BANKUS01',
        quote: quote(`q_${uetr}`),
        request,
        sealed: customerData.seal(uetr, request),
        at: new Date(Date.now() - 1_000),
        totalDebitMinor: 1050n,
      }),
    );
    let committed = false;
    intercept.arm(async () => {
      await withTransaction(db.pool, (tx) => payments().applyStatuses(tx, [{ id: randomUUID(), uetr, status: 'SUBMITTED', at: new Date() }]));
      committed = true;
    });
    return { uetr, committed: () => committed };
  }

  /** The view agrees with itself: its timeline ends at its status. */
  const consistent = (view: { status: string; timeline: { status: string }[] }) => ({
    status: view.status,
    last: view.timeline[view.timeline.length - 1]?.status,
  });

  it('GET /v1/admin/payments/{uetr}', async () => {
    const { uetr, committed } = await receivedPayment();
    expect(consistent(await admin.get(uetr))).toEqual({ status: 'RECEIVED', last: 'RECEIVED' });
    expect(committed()).toBe(true);
    expect(consistent(await admin.get(uetr))).toEqual({ status: 'SUBMITTED', last: 'SUBMITTED' });
  });

  it('GET /v1/admin/payments', async () => {
    const { uetr, committed } = await receivedPayment();
    const listed = (await admin.list({ participant: 'BANKUS01', limit: '100' })).data.find((p) => p.uetr === uetr);
    expect(listed && consistent(listed)).toEqual({ status: 'RECEIVED', last: 'RECEIVED' });
    expect(committed()).toBe(true);
  });

  it("the console's payment page", async () => {
    const { uetr, committed } = await receivedPayment();
    const view = await host.payment(uetr);
    expect(view && consistent(view)).toEqual({ status: 'RECEIVED', last: 'RECEIVED' });
    expect(committed()).toBe(true);
    expect(await host.payment(randomUUID())).toBeNull();
  });
});
