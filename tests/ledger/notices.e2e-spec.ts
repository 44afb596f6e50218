import { NetworkKeys, verifyFinalityProof } from '@nostro/client';
import { FinalityNoticeMessage, blockHash, finalityNoticeSchema, verifyBlockSignature } from '@nostro/shared';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { TestBank, cluster, eventually, fundFxDesk, registerBank, uniqueParticipantId, withDb } from '../support/cluster';

/**
 * A correspondent's view of its own finality-notice topic (`<prefix>ledger.notices.<participant>`): read from the
 * real Kafka topic, each notice verifies offline with nothing but the validators' public keys, holds exactly the
 * transactions that touch the participant's accounts (a rejected one shown as rejected), and a bank that was not
 * part of a payment hears nothing about it.
 */
const VALIDATORS = ['v0', 'v1', 'v2'];
const kafka = new Kafka({ clientId: 'ledger-notices-e2e', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const topicOf = (participant: string) => `${cluster().topicPrefix}ledger.notices.${participant}`;

interface Leaf {
  id: string;
  uetr?: string;
  kind: 'transfer' | 'config';
  postings?: { account: string }[];
  accounts?: { account: string }[];
  participant?: string;
  outcome: { status: string; reason?: string };
}

/** Whether a leaf names one of the participant's accounts (or the participant itself), by the account naming alone. */
function touches(leaf: Leaf, participant: string): boolean {
  const mine = (account: string) => account.startsWith(`${participant}:`);
  return (leaf.postings ?? []).some((p) => mine(p.account)) || (leaf.accounts ?? []).some((a) => mine(a.account)) || leaf.participant === participant;
}

/**
 * Every transaction of validator v0's final blocks that touches the participant: what its topic must carry. v0 may
 * record a block final after settlement saw its quorum through another validator (the others then publish a notice
 * v0's blocks would not yet show): it waits until v0 holds both payments final.
 */
async function expectedIds(participant: string): Promise<Set<string>> {
  const finalLeaves = async () =>
    withDb('ledger_0', async (db) =>
      (await db.query<{ leaves: string }>('SELECT b.leaves FROM blocks b JOIN finality f ON f.height = b.height')).rows.flatMap(
        (r) => JSON.parse(r.leaves) as Leaf[],
      ),
    );
  const leaves = await eventually(finalLeaves, (all) => [uetrs.settled, uetrs.rejected].every((u) => all.some((l) => l.uetr === u)), 60_000);
  return new Set(leaves.filter((l) => touches(l, participant)).map((l) => l.id));
}

/** Notices received per topic, as raw values (parsed by the test itself). */
const received = new Map<string, unknown[]>();
let consumer: Consumer;

async function waitForTopics(topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const present = await eventually(
      () => admin.listTopics(),
      (list) => topics.every((t) => list.includes(t)),
      60_000,
    );
    const missing = topics.filter((t) => !present.includes(t));
    if (missing.length > 0) throw new Error(`notice topics never created: ${missing.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

async function consume(topics: string[]): Promise<void> {
  consumer = kafka.consumer({ groupId: `notices-e2e-${uniqueParticipantId('G')}`, sessionTimeout: 30_000 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      received.set(topic, [...(received.get(topic) ?? []), JSON.parse(message.value?.toString('utf8') ?? 'null')]);
    },
  });
}

const notices = (participant: string): FinalityNoticeMessage[] => (received.get(topicOf(participant)) ?? []).map((n) => finalityNoticeSchema.parse(n));

/** Waits until each validator has published, on the participant's topic, every transaction expected there. */
async function untilComplete(participant: string, expected: Set<string>): Promise<FinalityNoticeMessage[]> {
  const complete = (list: FinalityNoticeMessage[]) =>
    VALIDATORS.every((v) => {
      const seen = new Set(list.filter((n) => n.validator === v).flatMap((n) => n.transactions.map((t) => t.transaction.id)));
      return [...expected].every((id) => seen.has(id));
    });
  const list = await eventually(async () => notices(participant), complete, 60_000);
  if (!complete(list)) throw new Error(`${participant}: not every validator published every expected notice (${list.length} received)`);
  return list;
}

let debtor: TestBank;
let creditor: TestBank;
let bystander: TestBank;
let keys: NetworkKeys;
const uetrs = { settled: '', rejected: '' };

async function pay(sendAmount: string, endToEndId: string): Promise<string> {
  const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
  const { uetr } = await debtor.client.createPayment({
    quoteId: quote.id,
    endToEndId,
    debtor: { name: 'Alice', account: 'US001' },
    creditor: { name: 'Bernd', account: 'DE89370400440532013000' },
  });
  const final = await eventually(
    () => debtor.client.getPayment(uetr),
    (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
    60_000,
  );
  expect(['SETTLED', 'REJECTED']).toContain(final.status);
  return uetr;
}

beforeAll(async () => {
  debtor = await registerBank(['USD'], { USD: '5000.00' });
  creditor = await registerBank(['EUR']);
  bystander = await registerBank(['USD'], { USD: '10.00' });
  await fundFxDesk('EUR', '100000.00');
  uetrs.settled = await pay('1000.00', 'NOTICE-1');
  uetrs.rejected = await pay('9000.00', 'NOTICE-NSF');
  keys = await debtor.client.getKeys();
  const topics = [debtor.id, creditor.id, bystander.id, 'FXDESK'].map(topicOf);
  await waitForTopics(topics);
  await consume(topics);
}, 240_000);

afterAll(async () => {
  await consumer?.disconnect();
});

describe('finality notices on each correspondent own topic', () => {
  it('give the debtor and the creditor exactly the transactions that touch their accounts, from every validator', async () => {
    for (const bank of [debtor, creditor]) {
      const expected = await expectedIds(bank.id);
      const list = await untilComplete(bank.id, expected);
      const ids = new Set(list.flatMap((n) => n.transactions.map((t) => t.transaction.id)));
      expect([...ids].sort()).toEqual([...expected].sort());
      for (const notice of list) {
        expect(notice.participant).toBe(bank.id);
        for (const { transaction } of notice.transactions) expect(touches(transaction, bank.id)).toBe(true);
      }
      const uetrsSeen = new Set(list.flatMap((n) => n.transactions.map((t) => t.transaction.uetr)));
      expect(uetrsSeen.has(uetrs.settled)).toBe(true);
      expect(uetrsSeen.has(uetrs.rejected)).toBe(true);
    }
  });

  it('verify offline with only the validators public keys: header hash, quorum signatures, each inclusion proof', async () => {
    const trust = { validators: keys.validators, quorum: keys.quorum };
    const list = await untilComplete(debtor.id, await expectedIds(debtor.id));
    for (const notice of list) {
      expect(blockHash(notice.block)).toBe(notice.block.hash);
      const signers = notice.signatures.filter((s) => {
        const key = keys.validators.find((v) => v.id === s.validator);
        return key !== undefined && verifyBlockSignature(notice.block.hash, s.signature, key.publicKey);
      });
      expect(new Set(signers.map((s) => s.validator)).size).toBeGreaterThanOrEqual(keys.quorum);
      for (const { transaction, proof } of notice.transactions) {
        expect(verifyFinalityProof({ block: notice.block, signatures: notice.signatures, quorum: notice.quorum, transaction, proof }, trust)).toEqual({
          ok: true,
        });
      }
    }
    // A copy with its outcome edited no longer verifies.
    const entry = list.flatMap((n) => n.transactions.map((t) => ({ notice: n, ...t }))).find((t) => t.transaction.uetr === uetrs.rejected);
    if (!entry) throw new Error('no notice for the rejected payment');
    const forged = { ...entry.transaction, outcome: { status: 'accepted' as const } };
    expect(verifyFinalityProof({ ...entry.notice, transaction: forged, proof: entry.proof }, trust)).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
  });

  it('shows the rejected payment as rejected, with the ledger reason, and the settled one as accepted', async () => {
    for (const bank of [debtor, creditor]) {
      const entries = (await untilComplete(bank.id, await expectedIds(bank.id))).flatMap((n) => n.transactions);
      const outcomes = (uetr: string) => new Set(entries.filter((t) => t.transaction.uetr === uetr).map((t) => JSON.stringify(t.transaction.outcome)));
      expect([...outcomes(uetrs.rejected)]).toEqual([JSON.stringify({ status: 'rejected', reason: 'insufficient_funds' })]);
      expect([...outcomes(uetrs.settled)]).toEqual([JSON.stringify({ status: 'accepted' })]);
    }
  });

  it('come once per validator for each block, identical but for the publisher and the signatures it saw', async () => {
    const list = await untilComplete(debtor.id, await expectedIds(debtor.id));
    const byBlock = new Map<string, FinalityNoticeMessage[]>();
    for (const n of list)
      byBlock.set(`${n.block.height}/${n.block.hash}/${n.part}`, [...(byBlock.get(`${n.block.height}/${n.block.hash}/${n.part}`) ?? []), n]);
    for (const copies of byBlock.values()) {
      expect(new Set(copies.map((c) => c.validator))).toEqual(new Set(VALIDATORS));
      for (const copy of copies) {
        expect(copy.block).toEqual(copies[0].block);
        expect(copy.transactions).toEqual(copies[0].transactions);
        expect(copy.signatures.map((s) => s.validator)).toContain(copy.validator);
      }
    }
  });

  it('leave nothing owed: every validator emptied its queue of final heights awaiting notices', async () => {
    const owed = () =>
      Promise.all(
        ['ledger_0', 'ledger_1', 'ledger_2'].map((db) =>
          withDb(db, async (c) => Number((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM notice_queue')).rows[0].n)),
        ),
      );
    expect(await eventually(owed, (counts) => counts.every((n) => n === 0), 30_000)).toEqual([0, 0, 0]);
  });

  it('give the FX desk the payments that moved its liquidity', async () => {
    const list = await untilComplete('FXDESK', await expectedIds('FXDESK'));
    const seen = new Set(list.flatMap((n) => n.transactions.map((t) => t.transaction.uetr)));
    expect(seen.has(uetrs.settled)).toBe(true);
    expect(seen.has(uetrs.rejected)).toBe(true);
    for (const notice of list) for (const { transaction } of notice.transactions) expect(touches(transaction, 'FXDESK')).toBe(true);
  });

  it('tell an uninvolved bank nothing about the payment: only its own account opening and deposit', async () => {
    const expected = await expectedIds(bystander.id);
    const list = await untilComplete(bystander.id, expected);
    const entries = list.flatMap((n) => n.transactions);
    expect(new Set(entries.map((t) => t.transaction.id))).toEqual(expected);
    expect(entries.every((t) => touches(t.transaction, bystander.id))).toBe(true);
    expect(entries.some((t) => t.transaction.uetr === uetrs.settled || t.transaction.uetr === uetrs.rejected)).toBe(false);
    expect(entries.some((t) => touches(t.transaction, debtor.id) || touches(t.transaction, creditor.id))).toBe(false);
  });

  it('leave the bookkeeping accounts EXTERNAL and FEES, which are no correspondents, without a topic', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).not.toContain(topicOf('EXTERNAL'));
      expect(topics).not.toContain(topicOf('FEES'));
    } finally {
      await admin.disconnect();
    }
  });
});
