import { genesisPrevHash } from '../chain/block-header';
import { LedgerEntry } from '../messages/schemas';
import { BlockCutter, SealedBlock } from './block-cutter';
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

function run(entries: LedgerEntry[], blockMaxTx = 3): SealedBlock[] {
  const known = new Set<string>();
  const cutter = new BlockCutter(new LedgerState(), { nextHeight: 1, prevHash: genesisPrevHash('test') }, {
    blockMaxTx,
    isKnown: (txId) => known.has(txId),
  });
  const blocks: SealedBlock[] = [];
  entries.forEach((entry, offset) => {
    const block = cutter.feed(entry, String(offset), 1_000 + offset);
    if (block) {
      block.leaves.forEach((leaf) => known.add(leaf.id));
      blocks.push(block);
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

  it('drops a duplicate transaction id, within a block and across blocks, without recording it', () => {
    const blocks = run([open, deposit(1), deposit(1), cut(1), deposit(1), deposit(2), cut(2)]);
    expect(blocks.map((b) => b.leaves.map((l) => l.id))).toEqual([['bootstrap', id(1)], [id(2)]]);
    expect(blocks[1].changedAccounts.find((a) => a.id === 'BANKUS33:USD')?.balance).toBe(200n);
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
  });

  it('is deterministic: the same stream gives the same hashes', () => {
    const stream = [open, deposit(1), deposit(2, '5'), cut(1), deposit(3)];
    expect(run(stream).map((b) => b.hash)).toEqual(run(stream).map((b) => b.hash));
    const other = [open, deposit(1), deposit(2, '6'), cut(1), deposit(3)];
    expect(run(other)[0].hash).not.toBe(run(stream)[0].hash);
  });
});
