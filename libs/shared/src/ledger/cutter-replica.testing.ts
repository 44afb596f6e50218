/**
 * Test harness (specs only, not exported): one validator's deterministic part as the block cutter runs it, with what
 * its database would hold after each committed block (balances, suspensions, the liquidity queue's rows, the
 * escrows), so a spec can restart it from that alone, as a validator restarts, and compare replicas.
 */
import { genesisPrevHash } from '../chain/block-header';
import { LedgerEntry } from '../messages/schemas';
import { BlockCutter, CutterPosition, SealedBlock } from './block-cutter';
import { EscrowBook, EscrowEntry } from './escrow';
import { LedgerState } from './ledger-state';
import { LiquidityQueue, QueueEntry } from './liquidity-queue';

export class CutterReplica {
  state = new LedgerState();
  cutter: BlockCutter;
  blocks: SealedBlock[] = [];
  known = new Set<string>();
  /** The stored queue rows by sequence number, and the escrows by id, kept from each block's changes. */
  queueRows = new Map<number, QueueEntry>();
  queueNext = 1;
  escrowRows = new Map<string, EscrowEntry>();
  /** The balances and suspensions as of the last sealed block. */
  committed: ConstructorParameters<typeof LedgerState>[0] = { accounts: [], suspended: [] };

  constructor(
    networkId: string,
    private readonly blockMaxTx: number,
  ) {
    this.cutter = this.newCutter(new LedgerState(), { nextHeight: 1, prevHash: genesisPrevHash(networkId), nextOffset: 0n });
  }

  private newCutter(state: LedgerState, position: CutterPosition): BlockCutter {
    this.state = state;
    return new BlockCutter(
      state,
      position,
      { blockMaxTx: this.blockMaxTx, isKnown: (txId) => this.known.has(txId) },
      new LiquidityQueue(state, structuredClone([...this.queueRows.values()]), this.queueNext),
      new EscrowBook(structuredClone([...this.escrowRows.values()])),
    );
  }

  feed(entry: LedgerEntry, offset: number, time: number): void {
    const result = this.cutter.feed(entry, String(offset), time);
    if (result.kind !== 'sealed') return;
    const block = result.block;
    this.blocks.push(block);
    this.committed = { accounts: this.state.allAccounts().map((a) => ({ ...a })), suspended: [...this.state.suspendedParticipants()] };
    for (const leaf of block.leaves) this.known.add(leaf.id);
    if (block.queueChanges) {
      for (const seq of block.queueChanges.removed) this.queueRows.delete(seq);
      for (const e of block.queueChanges.added) this.queueRows.set(e.seq, structuredClone(e));
      this.queueNext = block.queueChanges.next;
    }
    for (const id of block.escrowChanges?.removed ?? []) this.escrowRows.delete(id);
    for (const e of block.escrowChanges?.added ?? []) this.escrowRows.set(e.tx.id, structuredClone(e));
  }

  /** A restart: rebuilt only from what the committed blocks stored; the open block is lost. Answers the offset to read from. */
  restart(): number {
    const last = this.blocks[this.blocks.length - 1];
    if (!last) return 0;
    this.cutter = this.newCutter(new LedgerState(this.committed), {
      nextHeight: last.header.height + 1,
      prevHash: last.hash,
      nextOffset: BigInt(last.lastOffset) + 1n,
    });
    return Number(last.lastOffset) + 1;
  }
}

/** One stream message: its entry (a cut marker names the height the replica is at), and its broker time. */
export interface StreamItem {
  entry: (height: number) => LedgerEntry;
  time: number;
}

/** Feeds a stream to a new replica; with `restartAt`, the replica restarts there and reads again from its last block. */
export function replayStream(items: readonly StreamItem[], make: () => CutterReplica, restartAt: number | null): CutterReplica {
  const r = make();
  let restarted = false;
  for (let offset = 0; offset < items.length; offset++) {
    if (offset === restartAt && !restarted) {
      restarted = true;
      offset = r.restart() - 1;
      continue;
    }
    r.feed(items[offset].entry(r.cutter.nextHeight), offset, items[offset].time);
  }
  return r;
}
