import fc from 'fast-check';
import { base64UrlEncode } from '../crypto/base64';
import { sha256Hex } from '../crypto/sha256';
import { LedgerEntry, LedgerTransfer, Posting } from '../messages/schemas';
import { ChainVerifier } from './chain-verifier';
import { conditionProblem, expiryId } from './escrow';
import { currencySums, ledgerInvariantProblems } from './ledger-invariants';
import { CutterReplica, StreamItem, replayStream } from './cutter-replica.testing';

/**
 * Hash-locked escrow inside the block cutter (docs/ledger.md, "Escrow"): reservation, fulfilment and expiry as the
 * validators run them, driven only by the ordered stream and block times.
 */
const BANKS = ['BANKA', 'BANKB', 'BANKC'];
const acc = (p: string, ccy = 'USD') => `${p}:${ccy}`;
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const NETWORK = 'escrow-test';
const open: LedgerEntry = {
  kind: 'config',
  id: 'bootstrap',
  op: 'open_accounts',
  accounts: [
    { account: 'EXTERNAL:USD', netDebitCap: null },
    { account: 'ESCROW:USD', netDebitCap: '0' },
    { account: 'FEES:USD', netDebitCap: '0' },
    ...BANKS.map((b) => ({ account: acc(b), netDebitCap: '0' })),
  ],
};
const post = (account: string, amount: bigint): Posting => ({ account, currency: 'USD', amount: amount.toString() });
const secret = (n: number) => new Uint8Array(Array.from({ length: 32 }, (_, i) => (n * 31 + i) % 256));
const preimageOf = (n: number) => base64UrlEncode(secret(n));
const hashOf = (n: number) => sha256Hex(secret(n));

/** A conditional payment of `amount` plus a fee of 1, from `from` to `to`, locked by secret `n`. */
function conditional(n: number, from: string, to: string, amount: bigint, expiresAt: number, queueForMs?: number): LedgerTransfer {
  const total = amount + 1n;
  return {
    kind: 'transfer',
    id: id(n),
    uetr: id(n),
    ...(queueForMs === undefined ? {} : { queueForMs }),
    postings: [post(from, -total), post('ESCROW:USD', total)],
    condition: {
      hash: hashOf(n),
      expiresAt,
      fulfil: [post('ESCROW:USD', -total), post('FEES:USD', 1n), post(to, amount)],
      refund: [post('ESCROW:USD', -total), post(from, total)],
    },
  };
}
const deposit = (n: number, bank: string, amount: bigint): LedgerTransfer => ({
  kind: 'transfer',
  id: id(n),
  postings: [post('EXTERNAL:USD', -amount), post(bank, amount)],
});

const replica = () => new CutterReplica(NETWORK, 5);

const marker = (height: number): LedgerEntry => ({ kind: 'cut', height, validator: 'v1' });

/** A replica whose first block (closed at 1_003) reserved 50 + a fee of 1 from BANKA (funded with 100) for BANKB. */
function reserved(expiresAt: number) {
  const r = replica();
  r.feed(open, 0, 1_000);
  r.feed(deposit(90, acc('BANKA'), 100n), 1, 1_001);
  const pay = conditional(1, acc('BANKA'), acc('BANKB'), 50n, expiresAt);
  r.feed(pay, 2, 1_002);
  r.feed(marker(1), 3, 1_003);
  return { r, pay };
}

describe('escrow in the block cutter', () => {
  it('refuses a condition whose fulfil or refund does not empty the escrow exactly', () => {
    const ok = conditional(1, acc('BANKA'), acc('BANKB'), 10n, 5_000);
    expect(conditionProblem(ok)).toBeNull();
    const c = ok.condition as NonNullable<LedgerTransfer['condition']>;
    expect(conditionProblem({ ...ok, condition: { ...c, refund: [post('ESCROW:USD', -5n), post(acc('BANKA'), 5n)] } })).toBe('condition_invalid');
    expect(conditionProblem({ ...ok, condition: { ...c, fulfil: [post('ESCROW:USD', -11n), post(acc('BANKB'), 10n)] } })).toBe('condition_invalid');
    expect(conditionProblem({ ...ok, postings: [post(acc('BANKA'), -11n), post(acc('BANKB'), 11n)] })).toBe('condition_invalid');
  });

  it('reserves into escrow, pays out on the right preimage, refuses a wrong one, and each step is a leaf with a proof', () => {
    const { r, pay } = reserved(60_000);
    expect(r.state.account('ESCROW:USD')?.balance).toBe(51n);
    expect(r.blocks[0].leaves[2]).toMatchObject({ id: pay.id, outcome: { status: 'accepted' }, condition: { hash: hashOf(1), expiresAt: 60_000 } });
    r.feed({ kind: 'fulfil', id: id(2), txId: pay.id, preimage: preimageOf(99) }, 4, 1_004);
    r.feed({ kind: 'fulfil', id: id(3), txId: pay.id, preimage: preimageOf(1) }, 5, 1_005);
    r.feed(marker(2), 6, 1_006);
    expect(r.blocks[1].leaves.map((l) => [l.id, l.outcome, l.escrow?.step])).toEqual([
      [id(2), { status: 'rejected', reason: 'condition_not_met' }, 'fulfil'],
      [id(3), { status: 'accepted' }, 'fulfil'],
    ]);
    expect(r.blocks[1].leaves[1].escrow?.preimage).toBe(preimageOf(1));
    expect([r.state.account('ESCROW:USD')?.balance, r.state.account(acc('BANKB'))?.balance, r.state.account('FEES:USD')?.balance]).toEqual([0n, 50n, 1n]);
    expect(r.blocks[1].escrowChanges).toEqual({ added: [], removed: [pay.id] });
  });

  it('refunds by block time on a cut marker alone, at the original amounts, under a deterministic id', () => {
    const { r, pay } = reserved(5_000);
    expect(r.cutter.feed(marker(2), '4', 4_999)).toEqual({ kind: 'ignored_marker' });
    r.feed(marker(2), 5, 5_000);
    expect(r.blocks[1].leaves).toEqual([
      expect.objectContaining({ id: expiryId(pay.id), uetr: pay.id, outcome: { status: 'accepted' }, escrow: { of: pay.id, step: 'expiry' } }),
    ]);
    expect(r.state.account(acc('BANKA'))?.balance).toBe(100n);
  });

  it('lets a fulfilment win only in a block whose time is before expiresAt, even when expiry falls in the same block', () => {
    for (const [closeAt, won] of [
      [4_999, true],
      [5_000, false],
    ] as const) {
      const { r, pay } = reserved(5_000);
      r.feed({ kind: 'fulfil', id: id(2), txId: pay.id, preimage: preimageOf(1) }, 4, 4_000);
      r.feed(marker(2), 5, closeAt);
      const steps = r.blocks[1].leaves.map((l) => [l.escrow?.step, l.outcome.status]);
      expect(steps).toEqual(
        won
          ? [['fulfil', 'accepted']]
          : [
              ['fulfil', 'rejected'],
              ['expiry', 'accepted'],
            ],
      );
      expect(r.state.account(acc(won ? 'BANKB' : 'BANKA'))?.balance).toBe(won ? 50n : 100n);
    }
  });

  type Op =
    | { kind: 'deposit'; bank: number; amount: bigint }
    | { kind: 'pay'; from: number; to: number; amount: bigint; life: number; queue: boolean }
    | { kind: 'fulfil'; of: number; right: boolean }
    | { kind: 'cut' };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), bank: fc.nat(2), amount: fc.bigInt({ min: 1n, max: 200n }) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('pay' as const),
        from: fc.nat(2),
        to: fc.nat(1),
        amount: fc.bigInt({ min: 1n, max: 150n }),
        life: fc.integer({ min: 500, max: 6_000 }),
        queue: fc.boolean(),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('fulfil' as const), of: fc.nat(30), right: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('cut' as const) }) },
  );

  function stream(ops: { op: Op; dt: number }[]): StreamItem[] {
    let time = 1_000;
    let n = 0;
    const pays: number[] = [];
    const out: StreamItem[] = [{ entry: () => open, time }];
    for (const { op, dt } of ops) {
      time += dt;
      const at = time;
      if (op.kind === 'cut') out.push({ entry: marker, time: at });
      else if (op.kind === 'deposit') {
        const tx = deposit(++n, acc(BANKS[op.bank]), op.amount);
        out.push({ entry: () => tx, time: at });
      } else if (op.kind === 'pay') {
        const k = ++n;
        pays.push(k);
        // Some wait in the liquidity queue when short of funds, and are reserved when a later block releases them.
        const tx = conditional(k, acc(BANKS[op.from]), acc(BANKS[(op.from + 1 + op.to) % 3]), op.amount, at + op.life, op.queue ? 2_000 : undefined);
        out.push({ entry: () => tx, time: at });
      } else if (pays.length > 0) {
        const k = pays[op.of % pays.length];
        const entry: LedgerEntry = { kind: 'fulfil', id: id(++n), txId: id(k), preimage: preimageOf(op.right ? k : k + 1_000) };
        out.push({ entry: () => entry, time: at });
      }
    }
    for (let i = 1; i <= 3; i++) out.push({ entry: marker, time: time + 10_000 * i });
    return out;
  }

  const replay = (entries: StreamItem[], restartAt: number | null) => replayStream(entries, replica, restartAt);

  const summary = (r: CutterReplica) => r.blocks.map((b) => `${b.header.height} ${b.hash}`);

  it('cuts identical blocks on every replica and on one restarted from its stored escrows; every escrow ends once, ESCROW included in every sum (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ op: opArb, dt: fc.nat(1_200) }), { minLength: 1, maxLength: 60 }), fc.nat(70), (ops, restart) => {
        const entries = stream(ops);
        const [a, b, c] = [replay(entries, null), replay(entries, null), replay(entries, restart % entries.length)];
        expect(summary(b)).toEqual(summary(a));
        expect(summary(c)).toEqual(summary(a));
        for (const blk of a.blocks) {
          // After every block: every currency sums to zero (ESCROW:USD included), nobody below its limit.
          expect([...currencySums(a.state.allAccounts()).values()].every((v) => v === 0n)).toBe(true);
          expect(blk.header.txCount).toBe(blk.leaves.length);
        }
        expect(ledgerInvariantProblems(a.state.allAccounts())).toEqual([]);
        // Each accepted reservation ends exactly once: fulfilled or expired, never both; the escrow is empty at the end.
        const leaves = a.blocks.flatMap((blk) => blk.leaves);
        const reserved = leaves.filter((l) => l.condition && l.outcome.status === 'accepted').map((l) => l.id);
        for (const r of reserved) {
          const ends = leaves.filter((l) => l.escrow?.of === r && l.outcome.status === 'accepted');
          expect(ends).toHaveLength(1);
        }
        expect(a.state.account('ESCROW:USD')?.balance).toBe(0n);
        expect(a.cutter.escrow.size).toBe(0);
        // The chain alone replays to the same outcomes and state digests.
        const verifier = new ChainVerifier({ networkId: NETWORK, trust: { quorum: 1, validators: [] } });
        for (const blk of a.blocks)
          verifier.add({ header: blk.header, hash: blk.hash, leaves: blk.leafTexts.map((t) => JSON.parse(t) as unknown), signatures: null, queue: blk.queue });
        expect(verifier.finish().issues).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('lets the offline verifier catch an escrow paid out without the preimage', () => {
    const { r, pay } = reserved(60_000);
    r.feed({ kind: 'fulfil', id: id(3), txId: pay.id, preimage: preimageOf(1) }, 4, 1_005);
    r.feed(marker(2), 5, 1_006);
    const verifier = new ChainVerifier({ networkId: NETWORK, trust: { quorum: 1, validators: [] } });
    const [first, second] = r.blocks;
    verifier.add({ header: first.header, hash: first.hash, leaves: first.leafTexts.map((t) => JSON.parse(t) as unknown), signatures: null });
    const forged = second.leafTexts.map((t) => JSON.parse(t) as { escrow?: { preimage?: string } });
    (forged[0].escrow as { preimage?: string }).preimage = preimageOf(2);
    verifier.add({ header: second.header, hash: second.hash, leaves: forged, signatures: null });
    expect(verifier.finish().issues.map((i) => i.code)).toEqual(expect.arrayContaining(['merkle_root_mismatch', 'escrow_mismatch']));
  });
});
