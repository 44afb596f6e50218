import { InclusionProof, LedgerLeaf, inclusionProofsFast, leafJson } from '@nostro/shared';

/** A final block's transactions and every inclusion proof of its Merkle tree, computed once. */
export interface FinalBlockProofs {
  leaves: LedgerLeaf[];
  proofs: InclusionProof[];
}

/**
 * The proofs of the most recently asked final blocks, by header hash. A final block never changes, and its transactions are asked
 * for in runs (a bank polling a batch, settlement's reconciliation walking payments in order): without the cache each
 * proof re-read and re-hashed the whole block (up to BLOCK_MAX_TX leaves) to answer for one of them.
 */
export class FinalBlockCache {
  private readonly blocks = new Map<string, FinalBlockProofs>();

  constructor(private readonly blocksMax = 16) {}

  /** The proofs of the final block with this header hash, from the cache or from `load`. */
  async proofs(blockHash: string, load: () => Promise<LedgerLeaf[]>): Promise<FinalBlockProofs> {
    const cached = this.blocks.get(blockHash);
    if (cached) {
      this.blocks.delete(blockHash); // most recently used last
      this.blocks.set(blockHash, cached);
      return cached;
    }
    const leaves = await load();
    const entry = { leaves, proofs: inclusionProofsFast(leaves.map(leafJson)).proofs };
    this.blocks.set(blockHash, entry);
    while (this.blocks.size > this.blocksMax) this.blocks.delete(this.blocks.keys().next().value as string);
    return entry;
  }
}
