import fc from 'fast-check';
import { LedgerTransfer } from '../messages/schemas';
import { stateDigest } from './block-cutter';
import { ledgerInvariantProblems } from './ledger-invariants';
import { LedgerState } from './ledger-state';
import { LiquidityQueue, QueueDecision } from './liquidity-queue';

const PARTICIPANTS = ['BANKA', 'BANKB', 'BANKC', 'BANKD'];
const acc = (p: string) => `${p}:USD`;
let ids = 0;
const id = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

function transfer(from: string, to: string, amount: bigint): LedgerTransfer {
  return {
    kind: 'transfer',
    id: id(),
    postings: [
      { account: from, currency: 'USD', amount: (-amount).toString() },
      { account: to, currency: 'USD', amount: amount.toString() },
    ],
  };
}

function freshState(): LedgerState {
  const state = new LedgerState();
  state.applyConfig({
    kind: 'config',
    id: 'open',
    op: 'open_accounts',
    accounts: [{ account: 'EXTERNAL:USD', netDebitCap: null }, ...PARTICIPANTS.map((p) => ({ account: acc(p), netDebitCap: '0' }))],
  });
  return state;
}

const deposit = (p: string, amount: bigint) => transfer('EXTERNAL:USD', acc(p), amount);
const balance = (state: LedgerState, p: string) => state.account(acc(p))?.balance;
const MINUTE = 60_000;
/** Decisions without their sequence numbers. */
const decided = (decisions: QueueDecision[]) => decisions.map(({ seq: _seq, ...d }) => d);

describe('LiquidityQueue', () => {
  it('queues a payment short of funds, and releases it after the block in which a deposit funds it', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    const pay = transfer(acc('BANKA'), acc('BANKB'), 100n);
    expect(queue.offer(pay, 1_000, MINUTE)).toEqual({ status: 'queued' });
    expect(queue.queuedTotals()).toEqual(new Map([[acc('BANKA'), 100n]]));
    expect(queue.settle(1_050)).toEqual([]);
    expect(queue.offer(deposit('BANKA', 150n), 1_100)).toEqual({ status: 'accepted' });
    expect(decided(queue.settle(1_150))).toEqual([{ tx: pay, outcome: { status: 'accepted' }, via: 'release' }]);
    expect([balance(state, 'BANKA'), balance(state, 'BANKB')]).toEqual([50n, 100n]);
    expect(queue.entries()).toEqual([]);
  });

  it('rejects with queue_timeout by block time, and without the option rejects at once as before', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    const pay = transfer(acc('BANKA'), acc('BANKB'), 100n);
    expect(queue.offer(transfer(acc('BANKA'), acc('BANKB'), 1n), 1_000)).toEqual({ status: 'rejected', reason: 'insufficient_funds' });
    queue.offer(pay, 1_000, 5_000);
    // Its time counts from the block in which it was queued (time 1_200), not from its arrival.
    expect(queue.settle(1_200)).toEqual([]);
    expect(queue.nextExpiry()).toBe(6_200);
    expect(queue.settle(6_199)).toEqual([]);
    expect(decided(queue.settle(6_200))).toEqual([{ tx: pay, outcome: { status: 'rejected', reason: 'queue_timeout' }, via: 'timeout' }]);
  });

  it('keeps first in, first out per debtor account: a smaller payment waits behind a larger one', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    queue.offer(deposit('BANKA', 50n), 1_000);
    const big = transfer(acc('BANKA'), acc('BANKB'), 80n);
    const small = transfer(acc('BANKA'), acc('BANKC'), 10n);
    expect(queue.offer(big, 1_001, MINUTE)).toEqual({ status: 'queued' });
    // BANKA could pay 10 now, but the 80 came first.
    expect(queue.offer(small, 1_002, MINUTE)).toEqual({ status: 'queued' });
    expect(queue.settle(1_050)).toEqual([]);
    queue.offer(deposit('BANKA', 40n), 1_100);
    expect(queue.settle(1_150).map((d) => d.tx)).toEqual([big, small]);
    expect(balance(state, 'BANKA')).toBe(0n);
  });

  it('settles two banks that each wait on the other together, in one step (gridlock)', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    queue.offer(deposit('BANKA', 10n), 1_000);
    queue.offer(deposit('BANKB', 10n), 1_000);
    const ab = transfer(acc('BANKA'), acc('BANKB'), 100n);
    const ba = transfer(acc('BANKB'), acc('BANKA'), 95n);
    queue.offer(ab, 1_001, MINUTE);
    queue.offer(ba, 1_002, MINUTE);
    expect(decided(queue.settle(1_050))).toEqual([
      { tx: ab, outcome: { status: 'accepted' }, via: 'gridlock' },
      { tx: ba, outcome: { status: 'accepted' }, via: 'gridlock' },
    ]);
    expect([balance(state, 'BANKA'), balance(state, 'BANKB')]).toEqual([5n, 15n]);
  });

  it('refuses for good, when it reaches the head, a payment whose creditor was suspended while it waited', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    const pay = transfer(acc('BANKA'), acc('BANKB'), 100n);
    queue.offer(pay, 1_000, MINUTE);
    state.applyConfig({ kind: 'config', id: 'susp', op: 'suspend', accounts: [], participant: 'BANKB' });
    queue.offer(deposit('BANKA', 100n), 1_100);
    expect(decided(queue.settle(1_150))).toEqual([{ tx: pay, outcome: { status: 'rejected', reason: 'participant_suspended' }, via: 'release' }]);
  });

  it('leaves out of a gridlock what a suspension made impossible, and refuses it at the head', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    queue.offer(deposit('BANKC', 10n), 1_000);
    const ab = transfer(acc('BANKA'), acc('BANKB'), 100n);
    const ba = transfer(acc('BANKB'), acc('BANKA'), 95n);
    const cd = transfer(acc('BANKC'), acc('BANKD'), 50n);
    const dc = transfer(acc('BANKD'), acc('BANKC'), 45n);
    for (const [i, t] of [ab, ba, cd, dc].entries()) queue.offer(t, 1_001 + i, MINUTE);
    state.applyConfig({ kind: 'config', id: 'susp', op: 'suspend', accounts: [], participant: 'BANKB' });
    const decisions = queue.settle(1_100);
    expect(decisions.map((d) => [d.tx, d.via, d.outcome])).toEqual([
      [ab, 'release', { status: 'rejected', reason: 'participant_suspended' }],
      [ba, 'release', { status: 'rejected', reason: 'participant_suspended' }],
      [cd, 'gridlock', { status: 'accepted' }],
      [dc, 'gridlock', { status: 'accepted' }],
    ]);
  });

  it('takes a cancelled transfer out of its queue, and lets the one behind it go first', () => {
    const state = freshState();
    const queue = new LiquidityQueue(state);
    const big = transfer(acc('BANKA'), acc('BANKB'), 80n);
    const small = transfer(acc('BANKA'), acc('BANKC'), 10n);
    queue.offer(big, 1_000, MINUTE);
    queue.offer(small, 1_001, MINUTE);
    expect(queue.has(big.id)).toBe(true);
    expect(queue.dequeue(big.id)?.tx).toBe(big);
    expect(queue.dequeue(big.id)).toBeUndefined();
    queue.offer(deposit('BANKA', 10n), 1_100);
    expect(decided(queue.settle(1_150))).toEqual([{ tx: small, outcome: { status: 'accepted' }, via: 'release' }]);
    expect(queue.size).toBe(0);
  });

  it('leaves the state digest of a ledger that never queued as it was', () => {
    const queue = new LiquidityQueue(freshState());
    expect(queue.digestText()).toBe('');
  });

  /** A random stream: deposits, payments (some queued), and blocks, at rising broker times. */
  type Op =
    | { kind: 'deposit'; p: number; amount: bigint; dt: number }
    | { kind: 'pay'; from: number; to: number; amount: bigint; queueFor: number | null; dt: number }
    | { kind: 'block'; dt: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), p: fc.nat(3), amount: fc.bigInt({ min: 1n, max: 200n }), dt: fc.nat(500) }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('pay' as const),
        from: fc.nat(3),
        to: fc.nat(3),
        amount: fc.bigInt({ min: 1n, max: 300n }),
        queueFor: fc.option(fc.integer({ min: 1_000, max: 20_000 }), { nil: null }),
        dt: fc.nat(500),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('block' as const), dt: fc.nat(3_000) }) },
  );

  interface Replica {
    state: LedgerState;
    queue: LiquidityQueue;
  }

  /** Runs `ops` (the same transfer objects for every replica) and answers what each step decided and the digests. */
  function run(ops: readonly (Op & { tx?: LedgerTransfer })[], restartAt: number | null): { log: string[]; replica: Replica } {
    let r: Replica = { state: freshState(), queue: new LiquidityQueue(freshState()) };
    r.queue = new LiquidityQueue(r.state);
    const log: string[] = [];
    let now = 1_000;
    ops.forEach((o, i) => {
      now += o.dt;
      if (o.kind === 'block') {
        for (const d of r.queue.settle(now)) log.push(`${d.tx.id} ${d.via} ${JSON.stringify(d.outcome)}`);
        log.push(`block ${now} ${stateDigest(r.state)} ${r.queue.digestText()}`);
        expect(ledgerInvariantProblems(r.state.allAccounts())).toEqual([]);
        if (restartAt === i) {
          // A validator restarted here: state and queue rebuilt from what it persisted.
          const state = new LedgerState({ accounts: r.state.allAccounts(), suspended: r.state.suspendedParticipants() });
          r = { state, queue: new LiquidityQueue(state, r.queue.entries(), r.queue.sequence) };
        }
      } else {
        const outcome = r.queue.offer(o.tx as LedgerTransfer, now, o.kind === 'pay' ? (o.queueFor ?? undefined) : undefined);
        log.push(`${(o.tx as LedgerTransfer).id} offer ${JSON.stringify(outcome)}`);
      }
    });
    // The last block, then one long after every queue time: everything waiting has been decided.
    for (const d of [...r.queue.settle(now + 1), ...r.queue.settle(now + 86_400_000)]) log.push(`${d.tx.id} ${d.via} ${JSON.stringify(d.outcome)}`);
    return { log, replica: r };
  }

  const withTransfers = (ops: Op[]): (Op & { tx?: LedgerTransfer })[] =>
    ops.map((o) => {
      if (o.kind === 'deposit') return { ...o, tx: deposit(PARTICIPANTS[o.p], o.amount) };
      if (o.kind === 'pay') return { ...o, tx: transfer(acc(PARTICIPANTS[o.from]), acc(PARTICIPANTS[(o.from + 1 + (o.to % 3)) % 4]), o.amount) };
      return o;
    });

  it('decides the same on every replica, and on one restarted from its persisted queue mid-stream (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.nat(59), (ops, restart) => {
        const stream = withTransfers(ops);
        const [a, b, c] = [run(stream, null), run(stream, null), run(stream, restart)];
        expect(b.log).toEqual(a.log);
        expect(c.log).toEqual(a.log);
      }),
      { numRuns: 300 },
    );
  });

  it('decides every queued payment exactly once, keeps each account’s order, and every currency sums to zero (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const stream = withTransfers(ops);
        const { log, replica } = run(stream, null);
        const queued = log.filter((l) => l.endsWith('offer {"status":"queued"}')).map((l) => l.split(' ')[0]);
        const decided = log.filter((l) => / (release|gridlock|timeout) /.test(l)).map((l) => l.split(' ')[0]);
        expect([...decided].sort()).toEqual([...queued].sort());
        expect(new Set(decided).size).toBe(decided.length);
        // Per debtor account, payments settle from the queue in the order they were queued.
        const debtorOf = new Map(stream.flatMap((o) => (o.tx ? [[o.tx.id, o.tx.postings[0].account] as const] : [])));
        const order = new Map(queued.map((q, i) => [q, i]));
        const settled = log.filter((l) => / (release|gridlock) {"status":"accepted"}/.test(l)).map((l) => l.split(' ')[0]);
        for (const account of new Set(settled.map((s) => debtorOf.get(s)))) {
          const positions = settled.filter((s) => debtorOf.get(s) === account).map((s) => order.get(s) as number);
          expect(positions).toEqual([...positions].sort((x, y) => x - y));
        }
        expect(replica.queue.entries()).toEqual([]);
        expect(ledgerInvariantProblems(replica.state.allAccounts())).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
