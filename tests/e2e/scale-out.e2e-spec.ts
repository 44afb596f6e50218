/**
 * Scaling out (docs/architecture.md, "Scaling out"): two gateways and two settlement instances side by side on one
 * database each, Kafka splitting the partitions between the instances of a group. Payments go in through both
 * gateways; one settlement instance is killed with SIGKILL while they flow; every payment must still end SETTLED,
 * once: one ledger transaction per payment on every validator, and the debtors' balances down by exactly what was
 * quoted.
 */
import { NostroClient, type Payment } from '@nostro/client';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { cluster, eventually, fundFxDesk, minorOf, uniqueParticipantId } from '../support/cluster';
import { bankWithKey, finalStatus } from '../gateway/support/gateway';
import { ledgerCopies, metricValue, serviceControl } from '../settlement/support/settlement';

type Bank = Awaited<ReturnType<typeof bankWithKey>>;

const PER_WAVE = 8;
const minor = (amount: string): bigint => minorOf(amount, 'USD');
/** `settlement.requests` partitions (the topic catalogue); intents are keyed by their debtor bank. */
const PARTITIONS = 3;

/** The partition the services' producers (kafkajs's default partitioner) give a message keyed by `key`. */
function partitionOf(key: string): number {
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic: 'settlement.requests', partitionMetadata, message: { key, value: null } });
}

/**
 * One participant id per partition: with a debtor on every partition, every settlement instance holds the payments
 * of some debtor whatever the assignment (with random ids, both debtors landed on one instance's partitions about
 * half the time, and the test waited out its 60 s bound for the other instance to start).
 */
/** The members of the settlement consumer group once it is stable (no rebalance under way). */
async function stableMembers(): Promise<number> {
  const admin = new Kafka({ clientId: 'scale-out-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([`${cluster().topicPrefix}settlement`])).groups;
    return group.state === 'Stable' ? group.members.length : 0;
  } finally {
    await admin.disconnect();
  }
}

function idsOnEveryPartition(): string[] {
  const ids: string[] = [];
  while (ids.length < PARTITIONS) {
    const id = uniqueParticipantId();
    if (partitionOf(id) === ids.length) ids.push(id);
  }
  return ids;
}

/** Counts settlement transitions an instance made (its own /metrics), by status. */
async function transitions(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const n = metricValue(text, 'settlement_payments_total', { status: 'SUBMITTED' });
  return Number.isNaN(n) ? 0 : n;
}

describe('two gateways and two settlement instances, one killed mid-flight', () => {
  jest.setTimeout(300_000);
  const c = cluster();
  const gateway2 = c.ports.gateway + 24;
  const settlement2 = c.ports.settlement + 32;
  let viaFirst: Bank;
  let viaSecond: Bank;
  let alsoViaFirst: Bank;
  let debtors: Bank[];
  let creditor: Bank;
  const payments: { bank: Bank; uetr: string; totalDebit: string }[] = [];

  beforeAll(async () => {
    await serviceControl('start', 'settlement-2');
    await serviceControl('start', 'gateway-2');
    // Both instances in the group, each holding partitions, before the first payment.
    expect(await eventually(stableMembers, (n) => n === 2, 60_000)).toBe(2);
    const [a, b, d] = idsOnEveryPartition();
    viaFirst = await bankWithKey(['USD'], { id: a, deposits: { USD: '5000.00' } });
    viaSecond = await bankWithKey(['USD'], { id: b, deposits: { USD: '5000.00' }, baseUrl: `http://127.0.0.1:${gateway2}` });
    alsoViaFirst = await bankWithKey(['USD'], { id: d, deposits: { USD: '5000.00' } });
    debtors = [viaFirst, viaSecond, alsoViaFirst];
    creditor = await bankWithKey(['EUR']);
    await fundFxDesk('EUR', '100000.00');
  });

  afterAll(async () => {
    // The cluster as it was: its own settlement back, the replicas gone.
    await serviceControl('start', 'settlement');
    await serviceControl('stop', 'settlement-2');
    await serviceControl('stop', 'gateway-2');
  });

  async function wave(tag: string): Promise<void> {
    await Promise.all(
      debtors.flatMap((bank) =>
        Array.from({ length: PER_WAVE }, async (_, i) => {
          const quote = await bank.client.createQuote({
            sourceCurrency: 'USD',
            targetCurrency: 'EUR',
            sendAmount: `${10 + i}.00`,
            creditorParticipant: creditor.id,
          });
          const body = { quoteId: quote.id, endToEndId: `SCALE-${tag}-${i}`, debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } };
          const { uetr } = await bank.client.createPayment(body);
          payments.push({ bank, uetr, totalDebit: quote.totalDebit });
        }),
      ),
    );
  }

  it('settles every payment exactly once while one settlement instance dies', async () => {
    const before = new Map(await Promise.all(debtors.map(async (b) => [b.id, await usd(b.client)] as const)));
    // Both instances hold partitions: the first wave keeps both busy.
    await wave('1');
    const busy = await eventually(
      async () => [await transitions(c.ports.settlement), await transitions(settlement2)],
      ([a, b]) => a > 0 && b > 0,
      60_000,
    );
    expect(busy.map((n) => n > 0)).toEqual([true, true]);
    // The second wave is in flight when the cluster's own settlement is killed; the other takes its partitions over.
    const second = wave('2');
    await serviceControl('kill', 'settlement');
    await second;
    await wave('3');
    const finals: Payment[] = await Promise.all(payments.map((p) => finalStatus(p.bank.client, p.uetr, 120_000)));
    expect(finals.map((p) => p.status)).toEqual(payments.map(() => 'SETTLED'));
    // Once each, on every validator.
    for (const p of payments) expect(await ledgerCopies(p.uetr)).toEqual([1, 1, 1]);
    // And the money: each debtor is down by exactly the total debits it was quoted.
    for (const bank of debtors) {
      const spent = payments.filter((p) => p.bank === bank).reduce((sum, p) => sum + minor(p.totalDebit), 0n);
      expect(minor(await usd(bank.client))).toBe(minor(before.get(bank.id) as string) - spent);
    }
    // The second gateway answers for payments the first accepted (one read model, one database).
    const other = new NostroClient({ baseUrl: `http://127.0.0.1:${gateway2}`, participantId: viaFirst.id, seed: viaFirst.seed });
    const first = payments.find((p) => p.bank === viaFirst);
    expect((await other.getPayment(first?.uetr ?? '')).status).toBe('SETTLED');
  });
});

async function usd(client: NostroClient): Promise<string> {
  return (await client.getAccounts()).data.find((a) => a.currency === 'USD')?.balance ?? '0.00';
}
