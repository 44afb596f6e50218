import fc from 'fast-check';
import { genesisPrevHash } from '../chain/block-header';
import { canonicalJson } from '../chain/canonical-json';
import { merkleRoot } from '../chain/merkle';
import { sha256Hex } from '../crypto/sha256';
import { LedgerEntry } from '../messages/schemas';
import { BlockCutter, SealedBlock, stateDigest } from './block-cutter';
import { leafBytes } from './ledger-leaf';
import { LedgerState } from './ledger-state';

const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const open: LedgerEntry = {
  kind: 'config',
  id: 'bootstrap',
  op: 'open_accounts',
  accounts: [
    { account: 'EXTERNAL:USD', netDebitCap: null },
    { account: 'BANKUS33:USD', netDebitCap: '0' },
  ],
};
const deposit = (n: number, amount = '100'): LedgerEntry => ({
  kind: 'transfer',
  id: id(n),
  postings: [
    { account: 'EXTERNAL:USD', currency: 'USD', amount: `-${amount}` },
    { account: 'BANKUS33:USD', currency: 'USD', amount },
  ],
});
const cut = (height: number, validator = 'v0'): LedgerEntry => ({ kind: 'cut', height, validator });

function cutter(blockMaxTx: number, known: Set<string>): BlockCutter {
  return new BlockCutter(
    new LedgerState(),
    { nextHeight: 1, prevHash: genesisPrevHash('test'), nextOffset: 0n },
    {
      blockMaxTx,
      isKnown: (txId) => known.has(txId),
    },
  );
}

/** Feeds (entry, offset) pairs; offsets default to the position in the list. */
function run(entries: (LedgerEntry | [LedgerEntry, number])[], blockMaxTx = 3): SealedBlock[] {
  const known = new Set<string>();
  const c = cutter(blockMaxTx, known);
  const blocks: SealedBlock[] = [];
  entries.forEach((item, position) => {
    const [entry, offset] = Array.isArray(item) ? item : [item, position];
    const result = c.feed(entry, String(offset), 1_000 + offset);
    if (result.kind === 'sealed') {
      result.block.leaves.forEach((leaf) => known.add(leaf.id));
      blocks.push(result.block);
    }
  });
  return blocks;
}

describe('BlockCutter', () => {
  it('closes a block at blockMaxTx and chains the next one to it', () => {
    const blocks = run([open, deposit(1), deposit(2), deposit(3), deposit(4), deposit(5)]);
    expect(blocks.map((b) => b.header.txCount)).toEqual([3, 3]);
    expect(blocks[1].header.prevHash).toBe(blocks[0].hash);
    expect(blocks[0].header.prevHash).toBe(genesisPrevHash('test'));
    expect(blocks[1].lastOffset).toBe('5');
    expect(blocks[1].header.timestamp).toBe(1_005);
  });

  it('cuts at the first marker for the current height only, ignoring late and early markers', () => {
    const blocks = run([cut(1), open, cut(2), deposit(1), cut(1, 'v1'), cut(1, 'v2'), deposit(2), cut(2), cut(2)], 10);
    expect(blocks.map((b) => [b.header.height, b.header.txCount, b.lastOffset])).toEqual([
      [1, 2, '4'],
      [2, 1, '7'],
    ]);
  });

  it('ignores a redelivered stretch of the stream, so a marker seen with an empty block cannot cut it later', () => {
    // offsets 0..2 fed, then the consumer is rewound to offset 0: the marker at 0 (ignored the first time, when the
    // block was empty) must not close the block now that it holds transactions.
    const rewound: [LedgerEntry, number][] = [
      [cut(1), 0],
      [open, 1],
      [deposit(1), 2],
      [cut(1), 0],
      [open, 1],
      [deposit(1), 2],
      [deposit(2), 3],
    ];
    expect(run(rewound, 10)).toEqual([]);
    const blocks = run([...rewound, [cut(1, 'v1'), 4]], 10);
    expect(blocks.map((b) => [b.leaves.map((l) => l.id), b.lastOffset])).toEqual([[['bootstrap', id(1), id(2)], '4']]);
  });

  it('drops a duplicate transaction id, within a block and across blocks, without recording it', () => {
    const blocks = run([open, deposit(1), deposit(1), cut(1), deposit(1), deposit(2), cut(2)]);
    expect(blocks.map((b) => b.leaves.map((l) => l.id))).toEqual([['bootstrap', id(1)], [id(2)]]);
    expect(blocks[1].updatedAccounts.find((a) => a.id === 'BANKUS33:USD')?.balance).toBe(200n);
  });

  it('records rejected transactions with their reason in the block', () => {
    const overdraft: LedgerEntry = {
      kind: 'transfer',
      id: id(9),
      postings: [
        { account: 'BANKUS33:USD', currency: 'USD', amount: '-1' },
        { account: 'EXTERNAL:USD', currency: 'USD', amount: '1' },
      ],
    };
    const [block] = run([open, overdraft, cut(1)]);
    expect(block.leaves[1].outcome).toEqual({ status: 'rejected', reason: 'insufficient_funds' });
    expect(JSON.parse(block.leafTexts[1]).outcome).toEqual({ status: 'rejected', reason: 'insufficient_funds' });
  });

  it('skips a malformed message and a configuration id with no JSON representation, on every validator alike', () => {
    const badId: LedgerEntry = { kind: 'config', id: 'x\uD800', op: 'suspend', accounts: [], participant: 'BANKUS33' };
    const c = cutter(10, new Set());
    expect(c.feed(null, '0', 1).kind).toBe('malformed');
    expect(c.feed(badId, '1', 1).kind).toBe('malformed');
    expect(c.feed(open, '2', 1).kind).toBe('pending');
    expect(c.feed(open, '2', 1).kind).toBe('stale');
    expect(c.pendingCount).toBe(1);
  });

  it('hashes each leaf as its JCS text and reports only what the block changed', () => {
    const [first, second] = run([open, deposit(1), cut(1), deposit(2), cut(2)]);
    expect(first.leafTexts).toEqual(first.leaves.map((l) => canonicalJson(JSON.parse(JSON.stringify(l)))));
    expect(first.header.merkleRoot).toBe(merkleRoot(first.leaves.map(leafBytes)));
    expect(first.createdAccounts.map((a) => a.id).sort()).toEqual(['BANKUS33:USD', 'EXTERNAL:USD']);
    expect(first.updatedAccounts).toEqual([]);
    expect(second.createdAccounts).toEqual([]);
    expect(second.updatedAccounts.map((a) => [a.id, a.balance]).sort()).toEqual([
      ['BANKUS33:USD', 200n],
      ['EXTERNAL:USD', -200n],
    ]);
    expect(second.suspended).toBeNull();
  });

  it('is deterministic: the same stream gives the same hashes', () => {
    const stream = [open, deposit(1), deposit(2, '5'), cut(1), deposit(3)];
    expect(run(stream).map((b) => b.hash)).toEqual(run(stream).map((b) => b.hash));
    const other = [open, deposit(1), deposit(2, '6'), cut(1), deposit(3)];
    expect(run(other)[0].hash).not.toBe(run(stream)[0].hash);
  });
});

describe('stateDigest', () => {
  it('is the SHA-256 of the JCS of balances, limits and suspensions in id order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[A-Z0-9]{4,11}$/), { minLength: 1, maxLength: 12 }),
        fc.array(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), { minLength: 12, maxLength: 12 }),
        (participants, balances) => {
          const state = new LedgerState({
            accounts: participants.map((p, i) => ({ id: `${p}:USD`, participant: p, currency: 'USD', balance: balances[i], netDebitCap: i % 2 ? null : 5n })),
            suspended: participants.slice(0, 2),
          });
          const accounts = state
            .allAccounts()
            .map((a) => [a.id, a.balance.toString(), a.netDebitCap === null ? null : a.netDebitCap.toString()])
            .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
          expect(stateDigest(state)).toBe(sha256Hex(canonicalJson({ accounts, suspended: state.suspendedParticipants() })));
        },
      ),
    );
  });
});
