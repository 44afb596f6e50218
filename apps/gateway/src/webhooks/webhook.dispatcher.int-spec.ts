/**
 * The webhook dispatcher on a fresh gateway database (real Postgres) with two local receivers: a bank whose endpoint
 * holds every request must not hold up another bank's deliveries.
 */
import { PLATFORM_MIGRATIONS_DIR, TestDatabase, createLogger, freshTestDatabase, withTransaction } from '@nostro/platform';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { GatewayConfig } from '../config';
import { LedgerClient } from '../ledger.client';
import { PgListener } from '../pg-listener';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookRepository } from './webhook.repository';

const log = createLogger('gateway-test', 'silent');

async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, server };
}

describe('WebhookDispatcher', () => {
  let db: TestDatabase;
  let repo: WebhookRepository;
  let listener: PgListener;

  beforeAll(async () => {
    db = await freshTestDatabase('gwwebhooks', [PLATFORM_MIGRATIONS_DIR, path.join(__dirname, '..', '..', 'migrations')], log);
    repo = new WebhookRepository(db.pool);
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
    await db.pool.query(`INSERT INTO participants (id, name, currencies, webhook_url) VALUES ('SLOWBANK', 'Slow', '{USD}', $1), ('FASTBANK', 'Fast', '{USD}', $2)`, [slow.url, fast.url]);
    const config = {
      WEBHOOK_TIMEOUT_MS: 5_000,
      WEBHOOK_CONCURRENCY: 2,
      WEBHOOK_POLL_MS: 100,
      WEBHOOK_BACKOFF_BASE_MS: 60_000,
      WEBHOOK_BACKOFF_MAX_MS: 60_000,
      WEBHOOK_GIVE_UP_AFTER_MS: 3_600_000,
      WEBHOOK_FAILING_AFTER_ATTEMPTS: 5,
      networkSeed: base64UrlEncode(generateEd25519KeyPair().seed),
    } as unknown as GatewayConfig;
    const dispatcher = new WebhookDispatcher(config, listener, repo, new LedgerClient([]), log);
    const delivery = (participant: string) => {
      const id = randomUUID();
      return { id, participant, type: 'payment.settled' as const, uetr: null, sourceId: randomUUID(), payload: { id, type: 'payment.settled' as const, occurredAt: new Date().toISOString(), data: {} } };
    };
    await dispatcher.start();
    try {
      await withTransaction(db.pool, (tx) => repo.enqueue(tx, [delivery('SLOWBANK')]));
      const deadline = Date.now() + 10_000;
      while (held.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(held).toHaveLength(1);
      const queuedAt = Date.now();
      await withTransaction(db.pool, (tx) => repo.enqueue(tx, [delivery('FASTBANK')]));
      while (at.fast === null && Date.now() < queuedAt + 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
      // The fast bank's webhook arrived while the slow bank's request was still open, not after its timeout.
      expect(at.fast).not.toBeNull();
      expect(at.heldClosed === null || (at.fast ?? Infinity) < at.heldClosed).toBe(true);
      const rows = (await db.pool.query<{ participant: string; status: string }>('SELECT participant, status FROM webhook_deliveries ORDER BY participant')).rows;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await db.pool.query<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE participant = 'FASTBANK'`)).rows[0].status).toBe('delivered');
      expect(rows.map((r) => r.participant)).toEqual(['FASTBANK', 'SLOWBANK']);
    } finally {
      for (const res of held) res.destroy();
      await dispatcher.stop();
      slow.server.closeAllConnections();
      fast.server.closeAllConnections();
      slow.server.close();
      fast.server.close();
    }
  }, 60_000);
});
