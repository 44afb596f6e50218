import { BlockHeader, blockHash } from '../chain/block-header';
import { canonicalJson } from '../chain/canonical-json';
import { merkleRoot } from '../chain/merkle';
import { sha256Hex } from '../crypto/sha256';
import { LedgerConfig, LedgerEntry, LedgerTransfer, Outcome, Posting } from '../messages/schemas';
import { AccountState, LedgerState } from './ledger-state';

/** A transaction as it is recorded in a block and hashed into its Merkle tree (API.md, finality proof). */
export interface LedgerLeaf {
  id: string;
  kind: 'transfer' | 'config';
  uetr?: string;
  postings?: Posting[];
  op?: LedgerConfig['op'];
  accounts?: LedgerConfig['accounts'];
  participant?: string;
  outcome: Outcome;
}

export interface SealedBlock {
  header: BlockHeader;
  hash: string;
  leaves: LedgerLeaf[];
  /** Offset of the stream message that closed the block; a validator resumes after it. */
  lastOffset: string;
  /** Accounts whose balance or limit changed in this block. */
  changedAccounts: AccountState[];
  suspended: string[];
}

export interface CutterPosition {
  nextHeight: number;
  prevHash: string;
}

export interface CutterOptions {
  blockMaxTx: number;
  /** True when a transaction id was recorded in an earlier block (duplicates are dropped, not recorded). */
  isKnown(id: string): boolean;
}

const utf8 = new TextEncoder();

/** The leaf's bytes: JCS of the transaction without undefined fields. */
export function leafBytes(leaf: LedgerLeaf): Uint8Array {
  return utf8.encode(canonicalJson(JSON.parse(JSON.stringify(leaf))));
}

/** SHA-256 over the canonical balances and suspensions after a block (opaque to banks). */
export function stateDigest(state: LedgerState): string {
  const accounts = state
    .allAccounts()
    .map((a) => [a.id, a.balance.toString(), a.netDebitCap === null ? null : a.netDebitCap.toString()])
    .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
  return sha256Hex(canonicalJson({ accounts, suspended: state.suspendedParticipants() }));
}

/**
 * Cuts the ordered stream into blocks, deterministically: a block closes when it holds `blockMaxTx` transactions,
 * or at the first cut marker for its height that arrives while it holds at least one. Later markers for a height
 * are ignored, so wall clocks never decide what a block contains. Block time is the broker timestamp of the
 * message that closed it.
 */
export class BlockCutter {
  private pending: LedgerLeaf[] = [];
  private pendingIds = new Set<string>();

  constructor(
    private readonly state: LedgerState,
    private position: CutterPosition,
    private readonly options: CutterOptions,
  ) {}

  get nextHeight(): number {
    return this.position.nextHeight;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Feeds one stream entry; returns the block it closed, if any. */
  feed(entry: LedgerEntry, offset: string, timestampMs: number): SealedBlock | null {
    if (entry.kind === 'cut') {
      if (entry.height !== this.position.nextHeight || this.pending.length === 0) return null;
      return this.seal(offset, timestampMs);
    }
    if (this.pendingIds.has(entry.id) || this.options.isKnown(entry.id)) return null;
    this.pendingIds.add(entry.id);
    this.pending.push(entry.kind === 'transfer' ? this.transfer(entry, timestampMs) : this.config(entry));
    return this.pending.length >= this.options.blockMaxTx ? this.seal(offset, timestampMs) : null;
  }

  private transfer(tx: LedgerTransfer, timestampMs: number): LedgerLeaf {
    const outcome = this.state.applyTransfer(tx, timestampMs);
    return { id: tx.id, kind: 'transfer', uetr: tx.uetr, postings: tx.postings, outcome };
  }

  private config(config: LedgerConfig): LedgerLeaf {
    const outcome = this.state.applyConfig(config);
    return { id: config.id, kind: 'config', op: config.op, accounts: config.accounts, participant: config.participant, outcome };
  }

  private seal(offset: string, timestampMs: number): SealedBlock {
    const leaves = this.pending;
    const header: BlockHeader = {
      height: this.position.nextHeight,
      prevHash: this.position.prevHash,
      merkleRoot: merkleRoot(leaves.map(leafBytes)),
      stateDigest: stateDigest(this.state),
      txCount: leaves.length,
      timestamp: timestampMs,
    };
    const hash = blockHash(header);
    this.position = { nextHeight: header.height + 1, prevHash: hash };
    this.pending = [];
    this.pendingIds = new Set();
    return {
      header,
      hash,
      leaves,
      lastOffset: offset,
      changedAccounts: this.state.takeDirty().map((a) => ({ ...a })),
      suspended: this.state.suspendedParticipants(),
    };
  }
}
