import fc from 'fast-check';
import { LedgerEntry, LedgerTransfer } from '../messages/schemas';
import { ChainVerifier } from './chain-verifier';
import { ledgerInvariantProblems } from './ledger-invariants';
import { CutterReplica, StreamItem, replayStream } from './cutter-replica.testing';

/**
 * The liquidity queue inside the block cutter (docs/ledger.md, "Liquidity queue"): what validators persist, restore
 * and hash, driven only by the ordered stream and its broker times.
 */
const BANKS = ['BANKA', 'BANKB', 'BANKC', 'BANKD'];
const acc = (p: string) => `${p}:USD`;
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const NETWORK = 'test';
const open: LedgerEntry = {
  kind: 'config',
  id: 'bootstrap',
  op: 'open_accounts',
  accounts: [{ account: 'EXTERNAL:USD', netDebitCap: null }, ...BANKS.map((b) => ({ account: acc(b), netDebitCap: '0' }))],
};

function transfer(n: number, from: string, to: string, amount: bigint, queueForMs?: number): LedgerTransfer {
  return {
    kind: 'transfer',
    id: id(n),
    uetr: id(n),
    postings: [
      { account: from, currency: 'USD', amount: (-amount).toString() },
      { account: to, currency: 'USD', amount: amount.toString() },
    ],
    ...(queueForMs === undefined ? {} : { queueForMs }),
  };
}

const replica = () => new CutterReplica(NETWORK, 6);

type Op =
  | { kind: 'deposit'; bank: number; amount: bigint }
  | { kind: 'pay'; from: number; to: number; amount: bigint; queueFor: number | null }
  | { kind: 'cancel'; of: number }
  | { kind: 'cut' }
  | { kind: 'redeliver'; of: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), bank: fc.nat(3), amount: fc.bigInt({ min: 1n, max: 200n }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      from: fc.nat(3),
      to: fc.nat(2),
      amount: fc.bigInt({ min: 1n, max: 300n }),
      queueFor: fc.option(fc.integer({ min: 1_000, max: 8_000 }), { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), of: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), of: fc.nat(40) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cut' as const) }) },
);

/** The stream: entries at rising broker times (cut markers for the next height of the first replica). */
function stream(ops: { op: Op; dt: number }[]): StreamItem[] {
  const sent: LedgerTransfer[] = [];
  let time = 1_000;
  let n = 0;
  const out: StreamItem[] = [{ entry: () => open, time }];
  for (const { op, dt } of ops) {
    time += dt;
    const at = time;
    if (op.kind === 'cut') out.push({ entry: (height) => ({ kind: 'cut', height, validator: 'v1' }), time: at });
    else if (op.kind === 'cancel') {
      const target = sent[op.of % Math.max(1, sent.length)];
      if (target) out.push({ entry: () => ({ kind: 'dequeue', id: id(100_000 + ++n), txId: target.id }), time: at });
    } else if (op.kind === 'redeliver') {
      const target = sent[op.of % Math.max(1, sent.length)];
      if (target) out.push({ entry: () => target, time: at });
    } else {
      const tx =
        op.kind === 'deposit'
          ? transfer(++n, 'EXTERNAL:USD', acc(BANKS[op.bank]), op.amount)
          : transfer(++n, acc(BANKS[op.from]), acc(BANKS[(op.from + 1 + op.to) % 4]), op.amount, op.queueFor ?? undefined);
      sent.push(tx);
      out.push({ entry: () => tx, time: at });
    }
  }
  // Cut markers long after every queue time: everything still waiting times out.
  for (let i = 0; i < 3; i++) out.push({ entry: (height) => ({ kind: 'cut', height, validator: 'v1' }), time: time + 10_000 * (i + 1) });
  return out;
}

const replay = (entries: StreamItem[], restartAt: number | null) => replayStream(entries, replica, restartAt);

const summary = (r: CutterReplica) =>
  r.blocks.map((b) => `${b.header.height} ${b.hash} ${b.leaves.map((l) => `${l.id}:${JSON.stringify(l.outcome)}`).join(',')}`);

describe('BlockCutter with the liquidity queue', () => {
  it('queues a transfer short of funds, records it in the block’s queue record, and releases it in the block after a deposit', () => {
    const r = replica();
    const pay = transfer(1, acc('BANKA'), acc('BANKB'), 100n, 60_000);
    r.feed(open, 0, 1_000);
    r.feed(pay, 1, 1_001);
    r.feed({ kind: 'cut', height: 1, validator: 'v1' }, 2, 1_002);
    expect(r.blocks[0].leaves.map((l) => l.id)).toEqual(['bootstrap']);
    expect(r.blocks[0].queue).toEqual({
      queued: [{ seq: 1, account: acc('BANKA'), id: pay.id, uetr: pay.id, arrivedAt: 1_001, expiresAt: 61_002 }],
      gridlock: [],
    });
    // A redelivered copy of a waiting transfer is a duplicate.
    expect(r.cutter.feed(pay, '3', 1_003)).toEqual({ kind: 'duplicate' });
    r.feed(transfer(2, 'EXTERNAL:USD', acc('BANKA'), 100n), 4, 1_004);
    r.feed({ kind: 'cut', height: 2, validator: 'v1' }, 5, 1_005);
    expect(r.blocks[1].leaves.map((l) => [l.id, l.outcome.status])).toEqual([
      [id(2), 'accepted'],
      [pay.id, 'accepted'],
    ]);
    expect(r.blocks[1].queueChanges).toEqual({ added: [], removed: [1], next: 2 });
    expect(r.state.account(acc('BANKB'))?.balance).toBe(100n);
  });

  it('closes a block on a cut marker alone when a queued transfer’s time has run out (an idle network times out)', () => {
    const r = replica();
    r.feed(open, 0, 1_000);
    r.feed(transfer(1, acc('BANKA'), acc('BANKB'), 100n, 5_000), 1, 1_001);
    r.feed({ kind: 'cut', height: 1, validator: 'v1' }, 2, 1_002);
    expect(r.cutter.feed({ kind: 'cut', height: 2, validator: 'v1' }, '3', 6_001)).toEqual({ kind: 'ignored_marker' });
    r.feed({ kind: 'cut', height: 2, validator: 'v1' }, 4, 6_002);
    expect(r.blocks[1].leaves.map((l) => l.outcome)).toEqual([{ status: 'rejected', reason: 'queue_timeout' }]);
  });

  it('records a cancelled transfer as rejected (cancelled), and ignores a cancel of one that does not wait', () => {
    const r = replica();
    const pay = transfer(1, acc('BANKA'), acc('BANKB'), 100n, 60_000);
    r.feed(open, 0, 1_000);
    r.feed(pay, 1, 1_001);
    r.feed({ kind: 'cut', height: 1, validator: 'v1' }, 2, 1_002);
    r.feed({ kind: 'dequeue', id: id(9), txId: pay.id }, 3, 1_003);
    expect(r.cutter.feed({ kind: 'dequeue', id: id(10), txId: pay.id }, '4', 1_004)).toEqual({ kind: 'ignored_marker' });
    r.feed({ kind: 'cut', height: 2, validator: 'v1' }, 5, 1_005);
    expect(r.blocks[1].leaves.map((l) => [l.id, l.outcome])).toEqual([[pay.id, { status: 'rejected', reason: 'cancelled' }]]);
    expect(r.blocks[1].queueChanges).toEqual({ added: [], removed: [1], next: 2 });
  });

  it('cuts identical blocks on every replica, on one restarted from its stored queue, and the offline verifier agrees (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ op: opArb, dt: fc.nat(1_500) }), { minLength: 1, maxLength: 70 }), fc.nat(80), (ops, restartAt) => {
        const entries = stream(ops);
        const [a, b, c] = [replay(entries, null), replay(entries, null), replay(entries, restartAt % entries.length)];
        expect(summary(b)).toEqual(summary(a));
        expect(summary(c)).toEqual(summary(a));
        for (const r of [a, c]) expect(ledgerInvariantProblems(r.state.allAccounts())).toEqual([]);
        // Every queued transfer is decided exactly once; nothing is left waiting long after every deadline.
        const queued = a.blocks.flatMap((blk) => blk.queue?.queued.map((q) => q.id) ?? []);
        const recorded = a.blocks.flatMap((blk) => blk.leaves.map((l) => l.id));
        expect(new Set(recorded).size).toBe(recorded.length);
        for (const q of queued) expect(recorded).toContain(q);
        expect(a.cutter.queue.size).toBe(0);
        // The chain alone (leaves and queue records) replays to the same outcomes and state digests.
        const verifier = new ChainVerifier({ networkId: NETWORK, trust: { quorum: 1, validators: [] } });
        for (const blk of a.blocks)
          verifier.add({ header: blk.header, hash: blk.hash, leaves: blk.leafTexts.map((t) => JSON.parse(t) as unknown), signatures: null, queue: blk.queue });
        expect(verifier.finish().issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('lets the offline verifier catch a queue record that was altered', () => {
    const r = replica();
    r.feed(open, 0, 1_000);
    r.feed(transfer(1, acc('BANKA'), acc('BANKB'), 100n, 60_000), 1, 1_001);
    r.feed({ kind: 'cut', height: 1, validator: 'v1' }, 2, 1_002);
    const verifier = new ChainVerifier({ networkId: NETWORK, trust: { quorum: 1, validators: [] } });
    const blk = r.blocks[0];
    const forged = { queued: blk.queue?.queued.map((q) => ({ ...q, expiresAt: (q.expiresAt ?? 0) + 1 })) ?? [], gridlock: [] };
    verifier.add({ header: blk.header, hash: blk.hash, leaves: blk.leafTexts.map((t) => JSON.parse(t) as unknown), signatures: null, queue: forged });
    expect(verifier.finish().issues.map((i) => i.code)).toEqual(['state_digest_mismatch']);
  });
});
