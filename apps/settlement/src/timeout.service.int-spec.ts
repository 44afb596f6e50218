/**
 * Medium test of the timeout sweeper against the running test cluster's validators and Kafka, with a settlement
 * instance of its own (a scratch database, no consumer): it never sees the ledger's finality records, so whatever it
 * resolves, it resolves from the validators' finality proofs, as a settlement whose consumer fell behind would.
 */
import { NostroAdminClient } from '@nostro/client';
import {
  Clock,
  OutboxRow,
  Pool,
  PLATFORM_MIGRATIONS_DIR,
  createLogger,
  createPool,
  eventually,
  outboxMessages,
  runMigrations,
  shiftedClock,
  systemClock,
  testSlot,
  withTransaction,
} from '@nostro/platform';
import { LedgerTransfer, PaymentIntentMessage, SignedQuote, base64UrlEncode, generateEd25519KeyPair, signQuote } from '@nostro/shared-node';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { settlementConfig } from './config';
import { DecisionRepository } from './decision.repository';
import { ExceptionRepository } from './exception.repository';
import { ExceptionService } from './exception.service';
import { LedgerClient } from './ledger.client';
import { LimitsRepository } from './limits.repository';
import { PaymentRepository } from './payment.repository';
import { PaymentService } from './payment.service';
import { StatusEvents } from './status-events';
import { TimeoutService } from './timeout.service';

interface ClusterEnv {
  gatewayUrl: string;
  ports: Record<string, number>;
  topicPrefix: string;
  dbPrefix: string;
  adminToken: string;
  keys: Record<string, { file: string; publicKey: string }>;
}

const root = path.resolve(__dirname, '..', '..', '..');
const slot = testSlot();
const env = JSON.parse(fs.readFileSync(path.join(root, '.nostro', slot ? `test${slot}` : 'test', 'env.json'), 'utf8')) as ClusterEnv;
const pgUrl = (db: string) => `postgres://root@127.0.0.1:5432/${db}`;
const log = createLogger('settlement-it', process.env.IT_LOG_LEVEL ?? 'silent');
const validatorKeys = ['v0', 'v1', 'v2'].map((v) => `${v}=${env.keys[v].publicKey}`).join(',');
const ledgerUrls = ['v0', 'v1', 'v2'].map((v) => `http://127.0.0.1:${env.ports[v]}`);

const scratchDb = `${env.dbPrefix}_settlement_it_${randomBytes(4).toString('hex')}`;
let pool: Pool;
let producer: Producer;
let service: PaymentService;
let repo: PaymentRepository;

const config = settlementConfig({
  DATABASE_URL: pgUrl(scratchDb),
  KAFKA_TOPIC_PREFIX: env.topicPrefix,
  FX_PUBLIC_KEY: env.keys.fx.publicKey,
  VALIDATOR_PUBLIC_KEYS: validatorKeys,
  LEDGER_URLS: ledgerUrls.join(','),
  PAYMENT_NOT_AFTER_MS: '1000',
  NOT_AFTER_GRACE_MS: '0',
  RESUBMIT_INTERVAL_MS: '1000',
});

/** `clock`: the sweeper's time; a test moves it past a deadline instead of sleeping until then. */
function sweeper(urls: string[] = ledgerUrls, clock: Clock = systemClock): TimeoutService {
  const ledger = new LedgerClient(urls, { validators: config.VALIDATOR_PUBLIC_KEYS, quorum: config.LEDGER_QUORUM }, 2_000);
  const exceptionRepo = new ExceptionRepository();
  const exceptions = new ExceptionService(config, repo, exceptionRepo, new StatusEvents(config.KAFKA_TOPIC_PREFIX), log);
  return new TimeoutService(config, pool, repo, service, ledger, log, { repo: exceptionRepo, service: exceptions }, clock);
}

function quote(debtor: string, creditor: string): SignedQuote {
  const seed = Buffer.from(fs.readFileSync(env.keys.fx.file, 'utf8').trim(), 'base64url');
  const now = Date.now();
  return signQuote(
    {
      id: `q_it_${randomUUID()}`,
      participant: debtor,
      creditorParticipant: creditor,
      sourceCurrency: 'USD',
      targetCurrency: 'EUR',
      midRate: '0.9',
      rate: '0.9',
      markupBps: '0',
      sendAmount: '10.00',
      receiveAmount: '9.00',
      fees: [],
      totalDebit: '10.00',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 30_000).toISOString(),
    },
    seed,
  );
}

/** Takes the payment intent into the scratch settlement; returns the ledger transaction it submitted. */
async function accept(intent: PaymentIntentMessage, using: PaymentService = service): Promise<LedgerTransfer> {
  return withTransaction(pool, async (tx) => {
    const out = await using.accept({ tx }, intent, {});
    const ledgerTx = out.find((m) => m.topic === `${env.topicPrefix}ledger.tx`);
    if (!ledgerTx) throw new Error('nothing submitted');
    return ledgerTx.payload as LedgerTransfer;
  });
}

/** Publishes what the scratch outbox holds for the ledger (the relay's job), and empties it (nothing relays the rest). */
async function relayLedgerTx(): Promise<LedgerTransfer[]> {
  const { rows } = await pool.query<OutboxRow>('DELETE FROM outbox RETURNING *');
  const topic = `${env.topicPrefix}ledger.tx`;
  const messages = outboxMessages(rows).filter((m) => m.topic === topic);
  if (messages.length > 0) await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ value: m.value })) });
  return messages.map((m) => JSON.parse(m.value) as LedgerTransfer);
}

async function state(uetr: string) {
  const { rows } = await pool.query<{ status: string; reason: string | null; block_height: bigint | null }>(
    'SELECT status, reason, block_height FROM payments WHERE uetr = $1',
    [uetr],
  );
  const events = await pool.query<{ status: string; cause: string }>('SELECT status, cause FROM payment_events WHERE uetr = $1 ORDER BY id', [uetr]);
  return { ...rows[0], events: events.rows };
}

/** {@link eventually} looking every 250 ms (a look may run a sweep), for up to 30 s. */
const until = <T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => eventually(fn, ok, 30_000, 250);

/**
 * Validator `i`'s finality proof of `id`, asked again until it has one: validators finalise at their own pace, so the
 * one asked may be a block behind the ones settlement read. Null if it has none within the wait.
 */
async function proofFrom<T>(i: number, id: string): Promise<T | null> {
  return until(
    async () => {
      const response = await fetch(`${ledgerUrls[i]}/v1/ledger/transactions/${id}/finality`);
      return response.status === 200 ? ((await response.json()) as T) : null;
    },
    (p) => p !== null,
  );
}

beforeAll(async () => {
  const admin = new Client({ connectionString: pgUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${scratchDb}`);
  await admin.end();
  await runMigrations(pgUrl(scratchDb), [PLATFORM_MIGRATIONS_DIR, path.join(__dirname, '..', 'migrations')], log);
  pool = createPool(pgUrl(scratchDb), 'settlement-it', 4);
  repo = new PaymentRepository();
  service = new PaymentService(config, repo, new DecisionRepository(), new LimitsRepository(), new StatusEvents(env.topicPrefix), log);
  producer = new Kafka({ clientId: 'settlement-it', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await pool?.end();
  const admin = new Client({ connectionString: pgUrl('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${scratchDb} WITH (FORCE)`);
  await admin.end();
});

describe('resolving payments past notAfter from the validators', () => {
  jest.setTimeout(120_000);

  it('republishes a transaction the ledger never saw; the ledger refuses it (not_after_passed) and its proof decides', async () => {
    const intent: PaymentIntentMessage = {
      kind: 'payment.intent',
      id: randomUUID(),
      uetr: randomUUID(),
      participant: 'NOBANK01',
      quote: quote('NOBANK01', 'NOBANK02'),
      acceptedAt: Date.now(),
    };
    // Accepted by a settlement whose clock is 2 s behind: its notAfter (1 s later) has already passed, without a sleep.
    const behind = new PaymentService(
      config,
      repo,
      new DecisionRepository(),
      new LimitsRepository(),
      new StatusEvents(env.topicPrefix),
      log,
      shiftedClock(-2_000),
    );
    const submitted = await accept(intent, behind);

    const timeouts = sweeper();
    expect(await timeouts.sweepOnce()).toMatchObject({ resubmitted: 1 });
    const republished = await relayLedgerTx();
    expect(republished).toEqual([submitted]);

    const final = await until(
      async () => {
        await timeouts.sweepOnce();
        return state(intent.uetr);
      },
      (s) => s.status === 'REJECTED',
    );
    expect(final).toMatchObject({ status: 'REJECTED', reason: 'not_after_passed' });
    expect(Number(final.block_height)).toBeGreaterThan(0);
    expect(final.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'REJECTED']);
    expect(final.events[2].cause).toBe(`validator finality proof, block ${final.block_height}`);
  });

  it('settles a payment whose finality record it never received, from the proof, with the ledger block', async () => {
    const admin = new NostroAdminClient({ baseUrl: env.gatewayUrl, token: env.adminToken });
    const ids = ['D', 'C'].map((p) => `I${p}${randomBytes(3).toString('hex').toUpperCase()}`);
    await admin.createParticipant({ id: ids[0], name: 'it debtor', currencies: ['USD'], publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) });
    await admin.createParticipant({ id: ids[1], name: 'it creditor', currencies: ['EUR'], publicKey: base64UrlEncode(generateEd25519KeyPair().publicKey) });
    await admin.deposit(ids[0], { currency: 'USD', amount: '50.00', reference: 'it' });
    await admin.deposit('FXDESK', { currency: 'EUR', amount: '50.00', reference: 'it' });
    const intent: PaymentIntentMessage = {
      kind: 'payment.intent',
      id: randomUUID(),
      uetr: randomUUID(),
      participant: ids[0],
      quote: quote(ids[0], ids[1]),
      acceptedAt: Date.now(),
    };
    const submitted = await accept(intent);
    await producer.send({ topic: `${env.topicPrefix}ledger.tx`, acks: -1, messages: [{ value: JSON.stringify(submitted) }] });

    // A sweeper 2 s ahead finds the payment past its notAfter now, where the ledger (broker time) still accepted it.
    const timeouts = sweeper(ledgerUrls, shiftedClock(2_000));
    const final = await until(
      async () => {
        await timeouts.sweepOnce();
        await relayLedgerTx();
        return state(intent.uetr);
      },
      (s) => s.status === 'SETTLED',
    );
    expect(final).toMatchObject({ status: 'SETTLED', reason: null });
    const proof = await proofFrom<{ block: { height: number } }>(1, intent.uetr);
    expect(Number(final.block_height)).toBe(proof?.block.height);
    const copies = await until(
      () =>
        Promise.all(
          [0, 1, 2].map(async (i) => {
            const c = new Client({ connectionString: pgUrl(`${env.dbPrefix}_ledger_${i}`) });
            await c.connect();
            const n = (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM block_transactions WHERE tx_id = $1', [intent.uetr])).rows[0].n;
            await c.end();
            return n;
          }),
        ),
      (c) => c.every((n) => n !== '0'),
    );
    expect(copies).toEqual(['1', '1', '1']);
  });

  it('trusts no validator on its word: a proof that does not verify is passed over for one that does', async () => {
    const settled = await pool.query<{ uetr: string }>(`SELECT uetr FROM payments WHERE status = 'SETTLED' LIMIT 1`);
    const uetr = settled.rows[0].uetr;
    const real = await proofFrom<{ transaction: { outcome: unknown } }>(0, uetr);
    if (!real) throw new Error(`validator v0 has no finality proof of ${uetr}`);
    const forged = JSON.stringify({ ...real, transaction: { ...real.transaction, outcome: { status: 'rejected', reason: 'insufficient_funds' } } });
    const liar = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(forged));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
      const trust = { validators: config.VALIDATOR_PUBLIC_KEYS, quorum: config.LEDGER_QUORUM };
      expect(await new LedgerClient([url], trust, 2_000).finality(uetr)).toEqual({ kind: 'invalid', url });
      const client = new LedgerClient([url, ...ledgerUrls], trust, 2_000);
      // The second lookup meets the liar again once the block's signatures are known good (the cached path).
      for (const attempt of [1, 2]) {
        expect([attempt, await client.finality(uetr)]).toMatchObject([attempt, { kind: 'final', transaction: { outcome: { status: 'accepted' } } }]);
      }
      expect(await new LedgerClient(['http://127.0.0.1:9'], trust, 500).finality(uetr)).toEqual({ kind: 'unreachable' });
      expect(await new LedgerClient(ledgerUrls, trust, 2_000).finality(randomUUID())).toEqual({ kind: 'absent' });
    } finally {
      liar.close();
    }
  });
});
