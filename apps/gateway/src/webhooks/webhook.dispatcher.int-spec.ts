/**
 * The webhook dispatcher on a fresh gateway database (real Postgres) with local receivers: a bank whose endpoint
 * holds every request must not hold up another bank's deliveries; with private addresses refused, an endpoint that
 * resolves to one is never contacted.
 */
import { PiiCipher, TestDatabase, createLogger, eventually, withTransaction, PgListener } from '@nostro/platform';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayConfig } from '../config';
import { LedgerClient } from '../ledger/ledger.client';
import { CustomerData } from '../customer-data/customer-data.service';
import { CustomerDataRepository } from '../customer-data/customer-data.repository';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookRepository } from './webhook.repository';
import { ResolveAll, WebhookEgress } from './webhook-egress';
import { freshGatewayDatabase } from '../testing/gateway-test-db';

const log = createLogger('gateway-test', 'silent');

async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, server };
}

/** Closes receivers and the connections they hold (a held request keeps its socket open otherwise). */
function closeReceivers(...receivers: { server: Server }[]): void {
  for (const { server } of receivers) {
    server.closeAllConnections();
    server.close();
  }
}

/** The dispatcher's settings with a long backoff (a failed attempt is not retried within a test), plus `slots`. */
function dispatcherConfig(slots: { WEBHOOK_TIMEOUT_MS: number; WEBHOOK_CONCURRENCY: number; WEBHOOK_ENDPOINT_CONCURRENCY: number }): GatewayConfig {
  return {
    ...slots,
    WEBHOOK_POLL_MS: 100,
    WEBHOOK_BACKOFF_BASE_MS: 60_000,
    WEBHOOK_BACKOFF_MAX_MS: 60_000,
    WEBHOOK_GIVE_UP_AFTER_MS: 3_600_000,
    WEBHOOK_FAILING_AFTER_ATTEMPTS: 5,
    networkSeed: base64UrlEncode(generateEd25519KeyPair().seed),
  } as unknown as GatewayConfig;
}

/** A `payment.settled` delivery to `participant`. */
function delivery(participant: string) {
  const id = randomUUID();
  return {
    id,
    participant,
    type: 'payment.settled' as const,
    uetr: null,
    sourceId: randomUUID(),
    payload: { id, type: 'payment.settled' as const, occurredAt: new Date().toISOString(), data: {} },
  };
}

describe('WebhookDispatcher', () => {
  let db: TestDatabase;
  let repo: WebhookRepository;
  let customerData: CustomerData;
  let listener: PgListener;

  beforeAll(async () => {
    db = await freshGatewayDatabase('gwwebhooks', log);
    repo = new WebhookRepository(db.pool);
    customerData = new CustomerData(new PiiCipher({ id: 'k1', key: randomBytes(32) }), new CustomerDataRepository(db.pool), log, 0);
    listener = new PgListener(db.pool, log);
  }, 60_000);

  afterAll(async () => {
    await listener.close();
    await db.drop();
  });

  it('delivers other banks\u2019 webhooks while one bank\u2019s endpoint holds its request until the timeout', async () => {
    const held: ServerResponse[] = [];
    const at = { heldClosed: null as number | null, fast: null as number | null };
    const slow = await receiver((req, res) => {
      held.push(res);
      req.on('close', () => (at.heldClosed ??= Date.now()));
    });
    const fast = await receiver((req, res) => {
      at.fast ??= Date.now();
      req.resume();
      res.writeHead(200).end();
    });
    await db.pool.query(
      `INSERT INTO participants (id, name, currencies, webhook_url) VALUES ('SLOWBANK', 'Slow', '{USD}', $1), ('FASTBANK', 'Fast', '{USD}', $2)`,
      [slow.url, fast.url],
    );
    const config = dispatcherConfig({ WEBHOOK_TIMEOUT_MS: 5_000, WEBHOOK_CONCURRENCY: 2, WEBHOOK_ENDPOINT_CONCURRENCY: 2 });
    const dispatcher = new WebhookDispatcher(config, listener, repo, new LedgerClient([]), new WebhookEgress(true), log, customerData);
    await dispatcher.start();
    try {
      await withTransaction(db.pool, (tx) => repo.enqueue(tx, [delivery('SLOWBANK')]));
      await eventually(
        async () => held.length,
        (n) => n > 0,
        10_000,
        20,
      );
      expect(held).toHaveLength(1);
      await withTransaction(db.pool, (tx) => repo.enqueue(tx, [delivery('FASTBANK')]));
      await eventually(
        async () => at.fast,
        (fastAt) => fastAt !== null,
        10_000,
        20,
      );
      // The fast bank's webhook arrived while the slow bank's request was still open, not after its timeout.
      expect(at.fast).not.toBeNull();
      expect(at.heldClosed === null || (at.fast ?? Infinity) < at.heldClosed).toBe(true);
      const rows = (await db.pool.query<{ participant: string; status: string }>('SELECT participant, status FROM webhook_deliveries ORDER BY participant'))
        .rows;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await db.pool.query<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE participant = 'FASTBANK'`)).rows[0].status).toBe(
        'delivered',
      );
      expect(rows.map((r) => r.participant)).toEqual(['FASTBANK', 'SLOWBANK']);
    } finally {
      for (const res of held) res.destroy();
      await dispatcher.stop();
      closeReceivers(slow, fast);
    }
  }, 60_000);

  it('gives one bank at most its share of the slots, however many of its webhooks are due, oldest first', async () => {
    const held: { res: ServerResponse; id: string }[] = [];
    const slow = await receiver((req, res) => held.push({ res, id: String(req.headers['webhook-id']) }));
    const fastAt: number[] = [];
    const fast = await receiver((req, res) => {
      fastAt.push(Date.now());
      req.resume();
      res.writeHead(200).end();
    });
    await db.pool.query(
      `INSERT INTO participants (id, name, currencies, webhook_url) VALUES ('BUSYBANK', 'Busy', '{USD}', $1), ('QUIETBANK', 'Quiet', '{USD}', $2)`,
      [slow.url, fast.url],
    );
    const config = dispatcherConfig({ WEBHOOK_TIMEOUT_MS: 20_000, WEBHOOK_CONCURRENCY: 3, WEBHOOK_ENDPOINT_CONCURRENCY: 2 });
    const dispatcher = new WebhookDispatcher(config, listener, repo, new LedgerClient([]), new WebhookEgress(true), log, customerData);
    // Eight of the busy bank's webhooks are due, 60 s down to 53 s ago, all older than the quiet bank's one (1 s ago).
    const busy = Array.from({ length: 8 }, () => delivery('BUSYBANK'));
    const quiet = delivery('QUIETBANK');
    const dueAgoS = [...busy.map((_, i) => 60 - i), 1];
    await withTransaction(db.pool, async (tx) => {
      await repo.enqueue(tx, [...busy, quiet]);
      await tx.query(
        `UPDATE webhook_deliveries w SET next_attempt_at = now() - make_interval(secs => d.ago) FROM unnest($1::uuid[], $2::int[]) AS d(id, ago) WHERE w.id = d.id`,
        [[...busy, quiet].map((d) => d.id), dueAgoS],
      );
    });
    await dispatcher.start();
    try {
      await eventually(async () => held.length >= 2 && fastAt.length > 0, Boolean, 10_000, 20);
      // The quiet bank's webhook went out while the busy bank's two oldest were held, and no third was sent to it.
      expect(fastAt).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(held.map((h) => h.id)).toEqual([busy[0].id, busy[1].id]);
      // Answering one frees one of the busy bank's slots: its next oldest goes out.
      held[0].res.writeHead(200).end();
      await eventually(
        async () => held.length,
        (n) => n >= 3,
        20_000,
        20,
      );
      expect(held.map((h) => h.id)).toEqual([busy[0].id, busy[1].id, busy[2].id]);
      const statuses = (
        await db.pool.query<{ id: string; status: string }>(`SELECT id, status FROM webhook_deliveries WHERE participant IN ('BUSYBANK', 'QUIETBANK')`)
      ).rows;
      const status = new Map(statuses.map((r) => [r.id, r.status]));
      expect([status.get(quiet.id), status.get(busy[0].id), status.get(busy[3].id)]).toEqual(['delivered', 'delivered', 'pending']);
    } finally {
      for (const h of held) h.res.destroy();
      await dispatcher.stop();
      closeReceivers(slow, fast);
    }
  }, 60_000);

  it('refuses at delivery an endpoint whose host resolves to a private address: nothing is sent, the attempt fails and is abandoned like any', async () => {
    const got: string[] = [];
    const hook = await receiver((req, res) => {
      got.push(String(req.headers.host));
      req.resume();
      res.writeHead(200).end();
    });
    const port = new URL(hook.url).port;
    // What a rebinding name answers at delivery time: the receiver's loopback address (and a public one beside it).
    const resolve: ResolveAll = async (host) =>
      host === 'rebind.example'
        ? [
            { address: '203.0.113.7', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ]
        : [];
    await db.pool.query(
      `INSERT INTO participants (id, name, currencies, webhook_url) VALUES ('REBINDBANK', 'Rebind', '{USD}', $1), ('LOOPBANK', 'Loop', '{USD}', $2)`,
      [`http://rebind.example:${port}/hooks`, hook.url],
    );
    const config = dispatcherConfig({ WEBHOOK_TIMEOUT_MS: 5_000, WEBHOOK_CONCURRENCY: 4, WEBHOOK_ENDPOINT_CONCURRENCY: 2 });
    const dispatcher = new WebhookDispatcher(config, listener, repo, new LedgerClient([]), new WebhookEgress(false, resolve), log, customerData);
    const [rebind, loop, old] = [delivery('REBINDBANK'), delivery('LOOPBANK'), delivery('LOOPBANK')];
    await withTransaction(db.pool, async (tx) => {
      await repo.enqueue(tx, [rebind, loop, old]);
      // Older than the give-up age: its first failure abandons it.
      await tx.query(`UPDATE webhook_deliveries SET created_at = now() - interval '2 hours' WHERE id = $1`, [old.id]);
    });
    const attempted = async () =>
      (
        await db.pool.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
          `SELECT id, status, attempts, last_error FROM webhook_deliveries WHERE id = ANY($1::uuid[])`,
          [[rebind.id, loop.id, old.id]],
        )
      ).rows;
    await dispatcher.start();
    try {
      const rows = await eventually(attempted, (attempts) => attempts.every((r) => r.attempts > 0), 10_000, 50);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(rebind.id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(byId.get(rebind.id)?.last_error).toBe(
        'refused: rebind.example resolves to 127.0.0.1 (loopback); webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE is off)',
      );
      expect(byId.get(loop.id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(byId.get(loop.id)?.last_error).toContain('127.0.0.1 is a loopback address');
      expect(byId.get(old.id)).toMatchObject({ status: 'abandoned', attempts: 1 });
      expect(got).toEqual([]);
    } finally {
      await dispatcher.stop();
      closeReceivers(hook);
    }
  }, 60_000);
});
