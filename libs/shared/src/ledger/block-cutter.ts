import { BlockHeader, blockHash } from '../chain/block-header';
import { merkleRootFast } from '../chain/merkle-fast';
import { sha256Hex } from '../crypto/sha256';
import { LedgerConfig, LedgerEntry, LedgerTransfer } from '../messages/schemas';
import { LedgerLeaf, isWellFormedText, leafJson, transferLeafJson } from './ledger-leaf';
import { AccountState, LedgerState } from './ledger-state';

export interface SealedBlock {
  header: BlockHeader;
  hash: string;
  leaves: LedgerLeaf[];
  /** The canonical JSON of each leaf, as hashed into the Merkle tree and stored. */
  leafTexts: string[];
  /** Offset of the stream message that closed the block; a validator resumes after it. */
  lastOffset: string;
  /** Accounts opened in this block (current values). */
  createdAccounts: AccountState[];
  /** Accounts that existed before the block and whose balance or limit changed in it. */
  updatedAccounts: AccountState[];
  /** The sorted suspension list when the block changed it, else null. */
  suspended: string[] | null;
}

export interface CutterPosition {
  nextHeight: number;
  prevHash: string;
  /** First stream offset not yet fed; anything below it was already fed (or is in an applied block). */
  nextOffset: bigint;
}

export interface CutterOptions {
  blockMaxTx: number;
  /** True when a transaction id was recorded in an earlier block (duplicates are dropped, not recorded). */
  isKnown(id: string): boolean;
}

/** What `feed` did with an entry (for metrics; the cutter's decisions never depend on the caller). */
export type FeedResult =
  { kind: 'stale' } | { kind: 'duplicate' } | { kind: 'malformed' } | { kind: 'pending' } | { kind: 'ignored_marker' } | { kind: 'sealed'; block: SealedBlock };

const STALE: FeedResult = { kind: 'stale' };
const DUPLICATE: FeedResult = { kind: 'duplicate' };
const MALFORMED: FeedResult = { kind: 'malformed' };
const PENDING: FeedResult = { kind: 'pending' };
const IGNORED_MARKER: FeedResult = { kind: 'ignored_marker' };

/**
 * SHA-256 over the canonical JSON (JCS) of the balances, limits and suspensions after a block:
 * `{"accounts":[[id, balance, netDebitCap|null], …in id order],"suspended":[…sorted]}` (opaque to banks).
 */
export function stateDigest(state: LedgerState): string {
  let accounts = '';
  for (const a of state.sortedAccounts()) {
    const cap = a.netDebitCap === null ? 'null' : `"${a.netDebitCap.toString()}"`;
    accounts += `${accounts === '' ? '' : ','}[${JSON.stringify(a.id)},"${a.balance.toString()}",${cap}]`;
  }
  const suspended = state
    .suspendedParticipants()
    .map((p) => JSON.stringify(p))
    .join(',');
  return sha256Hex(`{"accounts":[${accounts}],"suspended":[${suspended}]}`);
}

/**
 * Cuts the ordered stream into blocks, deterministically: a block closes when it holds `blockMaxTx` transactions,
 * or at the first cut marker for its height that arrives while it holds at least one. Later markers for a height
 * are ignored, so wall clocks never decide what a block contains. Block time is the broker timestamp of the
 * message that closed it. An entry at an offset already fed is ignored, so a redelivered stretch of the stream
 * (after a consumer rebalance) cannot change a block.
 */
export class BlockCutter {
  private pending: LedgerLeaf[] = [];
  private pendingTexts: string[] = [];
  private pendingIds = new Set<string>();

  constructor(
    private readonly state: LedgerState,
    private position: CutterPosition,
    private readonly options: CutterOptions,
  ) {}

  get nextHeight(): number {
    return this.position.nextHeight;
  }

  get nextOffset(): bigint {
    return this.position.nextOffset;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Feeds one stream entry (`null`: a message that is not a valid entry) at its offset and broker time. */
  feed(entry: LedgerEntry | null, offset: string, timestampMs: number): FeedResult {
    const at = BigInt(offset);
    if (at < this.position.nextOffset) return STALE;
    this.position.nextOffset = at + 1n;
    if (entry === null) return MALFORMED;
    if (entry.kind === 'cut') {
      if (entry.height !== this.position.nextHeight || this.pending.length === 0) return IGNORED_MARKER;
      return { kind: 'sealed', block: this.seal(offset, timestampMs) };
    }
    if (entry.kind === 'config' && !isWellFormedText(entry.id)) return MALFORMED;
    if (this.pendingIds.has(entry.id) || this.options.isKnown(entry.id)) return DUPLICATE;
    this.pendingIds.add(entry.id);
    if (entry.kind === 'transfer') this.transfer(entry, timestampMs);
    else this.config(entry);
    if (this.pending.length < this.options.blockMaxTx) return PENDING;
    return { kind: 'sealed', block: this.seal(offset, timestampMs) };
  }

  private transfer(tx: LedgerTransfer, timestampMs: number): void {
    const outcome = this.state.applyTransfer(tx, timestampMs);
    const leaf: LedgerLeaf = { id: tx.id, kind: 'transfer', uetr: tx.uetr, postings: tx.postings, outcome };
    if (tx.returnId !== undefined) leaf.returnId = tx.returnId;
    this.pending.push(leaf);
    this.pendingTexts.push(transferLeafJson(tx.id, tx.uetr, tx.postings, outcome, tx.returnId));
  }

  private config(config: LedgerConfig): void {
    const outcome = this.state.applyConfig(config);
    const leaf: LedgerLeaf = { id: config.id, kind: 'config', op: config.op, accounts: config.accounts, participant: config.participant, outcome };
    this.pending.push(leaf);
    this.pendingTexts.push(leafJson(leaf));
  }

  private seal(offset: string, timestampMs: number): SealedBlock {
    const leaves = this.pending;
    const leafTexts = this.pendingTexts;
    const header: BlockHeader = {
      height: this.position.nextHeight,
      prevHash: this.position.prevHash,
      merkleRoot: merkleRootFast(leafTexts),
      stateDigest: stateDigest(this.state),
      txCount: leaves.length,
      timestamp: timestampMs,
    };
    const hash = blockHash(header);
    this.position = { nextHeight: header.height + 1, prevHash: hash, nextOffset: this.position.nextOffset };
    this.pending = [];
    this.pendingTexts = [];
    this.pendingIds = new Set();
    const changes = this.state.takeChanges();
    return {
      header,
      hash,
      leaves,
      leafTexts,
      lastOffset: offset,
      createdAccounts: changes.created,
      updatedAccounts: changes.updated,
      suspended: changes.suspended,
    };
  }
}
