import { EscrowEntry, LedgerSnapshot, QueueEntry, SealedBlock } from '@nostro/shared';
import { Halt, LedgerRepository, OwnSignature } from '../ledger.repository';

/**
 * A validator's database in memory, for unit tests of the block pipeline and the chain: the blocks stored with
 * their own signature, and the snapshot and liquidity queue a reload reads (kept up to date by every stored block).
 */
export class MemoryLedger {
  blocks: { block: SealedBlock; own: OwnSignature }[] = [];
  snapshot: LedgerSnapshot = { accounts: [], suspended: [] };
  halt: Halt | null = null;
  queue = new Map<number, QueueEntry>();
  escrows = new Map<string, EscrowEntry>();
  queueNext = 1;
  /** Makes the next block write fail once (a lost connection). */
  failNextWrite = false;

  asRepository(): LedgerRepository {
    const repo: Pick<LedgerRepository, 'loadSnapshot' | 'loadQueue' | 'loadEscrows' | 'loadTip' | 'knownIds' | 'insertBlock' | 'activeHalt'> = {
      loadSnapshot: async () => structuredClone(this.snapshot),
      loadQueue: async () => ({ entries: structuredClone([...this.queue.values()]), next: this.queueNext }),
      loadEscrows: async () => structuredClone([...this.escrows.values()]),
      loadTip: async () => {
        const last = this.blocks[this.blocks.length - 1]?.block;
        return last ? { height: last.header.height, hash: last.hash, nextOffset: BigInt(last.lastOffset) + 1n } : { height: 0, hash: null, nextOffset: null };
      },
      knownIds: async (ids) => new Set(ids.filter((id) => this.blocks.some((b) => b.block.leaves.some((l) => l.id === id)))),
      insertBlock: async (block, own) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.failNextWrite) {
          this.failNextWrite = false;
          throw new Error('connection lost');
        }
        this.blocks.push({ block, own });
        for (const a of [...block.createdAccounts, ...block.updatedAccounts]) {
          this.snapshot.accounts = [...this.snapshot.accounts.filter((x) => x.id !== a.id), { ...a }];
        }
        if (block.suspended) this.snapshot.suspended = block.suspended;
        if (block.queueChanges) {
          for (const seq of block.queueChanges.removed) this.queue.delete(seq);
          for (const e of block.queueChanges.added) this.queue.set(e.seq, structuredClone(e));
          this.queueNext = block.queueChanges.next;
        }
        for (const id of block.escrowChanges?.removed ?? []) this.escrows.delete(id);
        for (const e of block.escrowChanges?.added ?? []) this.escrows.set(e.tx.id, structuredClone(e));
        return [];
      },
      activeHalt: async () => this.halt,
    };
    return repo as LedgerRepository;
  }
}
