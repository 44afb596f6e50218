import { BlockHeader, blockHash } from '../chain/block-header';
import { merkleRootFast } from '../chain/merkle-fast';
import { sha256Hex } from '../crypto/sha256';
import { LedgerConfig, LedgerDequeue, LedgerEntry, LedgerFulfil, LedgerTransfer, Outcome } from '../messages/schemas';
import { EscrowBook, EscrowEntry, conditionProblem, expiryId, preimageMatches } from './escrow';
import { LedgerLeaf, isWellFormedText, leafJson, transferLeafJson } from './ledger-leaf';
import { LedgerRejection } from './ledger-rejection';
import { AccountState, LedgerState } from './ledger-state';
import { LiquidityQueue, QueueDigestItem, QueueEntry } from './liquidity-queue';

/** A transfer a block put in the liquidity queue, as the block's queue record gives it. */
export interface QueuedItem extends QueueDigestItem {
  uetr?: string;
}

/**
 * What a block did with the liquidity queue beyond its leaves, stored with the block and read by the offline chain
 * verifier (the state digest commits to the queue, so a wrong record fails the digest): the transfers it queued, and
 * the ids of the leaves that gridlock resolution settled together. Leaves of transfers that waited (released, timed
 * out, cancelled) are ordinary transfer leaves.
 */
export interface BlockQueueRecord {
  queued: QueuedItem[];
  gridlock: string[];
}

/** How a block changed the stored escrows: those it reserved (still waiting), and the ids of those that ended. */
export interface EscrowChanges {
  added: EscrowEntry[];
  removed: string[];
}

/** How a block changed the stored queue: entries that now wait, and the sequence numbers of those that left. */
export interface QueueChanges {
  added: QueueEntry[];
  removed: number[];
  next: number;
}

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
  /** What the block did with the liquidity queue beyond its leaves; null when nothing. */
  queue: BlockQueueRecord | null;
  /** The queue's stored rows to change with the block; null when the queue did not change. */
  queueChanges: QueueChanges | null;
  /** The stored escrows to change with the block; null when none changed. */
  escrowChanges: EscrowChanges | null;
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
export function stateDigest(state: LedgerState, queueText = '', escrowText = ''): string {
  let accounts = '';
  for (const a of state.sortedAccounts()) {
    const cap = a.netDebitCap === null ? 'null' : `"${a.netDebitCap.toString()}"`;
    accounts += `${accounts === '' ? '' : ','}[${JSON.stringify(a.id)},"${a.balance.toString()}",${cap}]`;
  }
  const suspended = state
    .suspendedParticipants()
    .map((p) => JSON.stringify(p))
    .join(',');
  // The liquidity queue enters the digest once anything ever waited (LiquidityQueue.digestText), between the
  // accounts and the suspensions (JCS key order), so a ledger that never queued keeps the digests it always had.
  // Likewise the escrows while any is waiting (EscrowBook.digestText), before the queue (JCS key order).
  const queue = queueText === '' ? '' : `,"queue":${queueText}`;
  const escrow = escrowText === '' ? '' : `,"escrow":${escrowText}`;
  return sha256Hex(`{"accounts":[${accounts}]${escrow}${queue},"suspended":[${suspended}]}`);
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
  /** Transfers the open block put in the liquidity queue, and queued ones it took out (cancels). */
  private pendingQueued: QueueEntry[] = [];
  private pendingDequeued: QueueEntry[] = [];
  /** Fulfilments with a matching preimage, decided when the block closes (by its time); escrows reserved in it. */
  private pendingFulfils: { entry: LedgerFulfil; escrow: EscrowEntry }[] = [];
  private reservedHere: EscrowEntry[] = [];

  constructor(
    private readonly state: LedgerState,
    private position: CutterPosition,
    private readonly options: CutterOptions,
    readonly queue: LiquidityQueue = new LiquidityQueue(state),
    readonly escrow: EscrowBook = new EscrowBook(),
  ) {}

  get nextHeight(): number {
    return this.position.nextHeight;
  }

  get nextOffset(): bigint {
    return this.position.nextOffset;
  }

  /** Entries the open block holds: recorded ones, and transfers it queued. */
  get pendingCount(): number {
    return this.pending.length + this.pendingQueued.length + this.pendingFulfils.length;
  }

  /**
   * True when a cut marker at broker time `timestampMs` closes the open block: it holds something, or a queued
   * transfer's time runs out by then (an idle network still times out its queue).
   */
  wouldSeal(timestampMs: number): boolean {
    if (this.pendingCount > 0) return true;
    const deadline = this.nextDeadline();
    return deadline !== null && deadline <= timestampMs;
  }

  /** The earliest block time at which the queue or an escrow has something to decide (an idle block's deadline). */
  nextDeadline(): number | null {
    const times = [this.queue.nextExpiry(), this.escrow.nextExpiry()].filter((t): t is number => t !== null);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Feeds one stream entry (`null`: a message that is not a valid entry) at its offset and broker time. */
  feed(entry: LedgerEntry | null, offset: string, timestampMs: number): FeedResult {
    const at = BigInt(offset);
    if (at < this.position.nextOffset) return STALE;
    this.position.nextOffset = at + 1n;
    if (entry === null) return MALFORMED;
    if (entry.kind === 'cut') {
      if (entry.height !== this.position.nextHeight || !this.wouldSeal(timestampMs)) return IGNORED_MARKER;
      return { kind: 'sealed', block: this.seal(offset, timestampMs) };
    }
    if (entry.kind === 'dequeue') {
      if (!this.dequeue(entry)) return IGNORED_MARKER;
    } else if (entry.kind === 'fulfil') {
      if (this.pendingIds.has(entry.id) || this.options.isKnown(entry.id)) return DUPLICATE;
      if (!this.fulfil(entry)) return IGNORED_MARKER;
    } else {
      if (entry.kind === 'config' && !isWellFormedText(entry.id)) return MALFORMED;
      if (this.pendingIds.has(entry.id) || this.queue.has(entry.id) || this.options.isKnown(entry.id)) return DUPLICATE;
      this.pendingIds.add(entry.id);
      if (entry.kind === 'transfer') this.transfer(entry, timestampMs);
      else this.config(entry);
    }
    if (this.pendingCount < this.options.blockMaxTx) return PENDING;
    return { kind: 'sealed', block: this.seal(offset, timestampMs) };
  }

  private transfer(tx: LedgerTransfer, timestampMs: number): void {
    const problem = conditionProblem(tx) ?? (tx.condition && timestampMs >= tx.condition.expiresAt ? LedgerRejection.CONDITION_EXPIRED : null);
    if (problem) {
      this.record(tx, { status: 'rejected', reason: problem });
      return;
    }
    const outcome = this.queue.offer(tx, timestampMs);
    if (outcome.status === 'queued') this.pendingQueued.push(this.queue.entry(tx.id) as QueueEntry);
    else this.record(tx, outcome);
  }

  /** A cancel of a queued transfer: its leaf, rejected `cancelled`, in this block. False when it does not wait. */
  private dequeue(entry: LedgerDequeue): boolean {
    const waiting = this.queue.dequeue(entry.txId);
    if (!waiting) return false;
    this.pendingDequeued.push(waiting);
    this.record(waiting.tx, { status: 'rejected', reason: LedgerRejection.CANCELLED });
    return true;
  }

  private record(tx: LedgerTransfer, outcome: Outcome): void {
    const leaf: LedgerLeaf = { id: tx.id, kind: 'transfer', uetr: tx.uetr, postings: tx.postings, outcome };
    if (tx.returnId !== undefined) leaf.returnId = tx.returnId;
    this.pendingIds.add(tx.id);
    this.pending.push(leaf);
    if (!tx.condition) {
      this.pendingTexts.push(transferLeafJson(tx.id, tx.uetr, tx.postings, outcome, tx.returnId));
      return;
    }
    // A conditional transfer's leaf carries its condition, so its proof shows what releases or refunds it.
    leaf.condition = tx.condition;
    this.pendingTexts.push(leafJson(leaf));
    if (outcome.status === 'accepted') {
      const reserved = { tx: tx as EscrowEntry['tx'], height: this.position.nextHeight };
      this.escrow.add(reserved);
      this.reservedHere.push(reserved);
    }
  }

  /**
   * A fulfilment of a waiting escrow: a wrong preimage is recorded rejected (`condition_not_met`) at once; a matching
   * one is decided when the block closes, by its time. False when no escrow `txId` waits (ended, or never was), or a
   * fulfilment of it is already in this block.
   */
  private fulfil(entry: LedgerFulfil): boolean {
    const escrow = this.escrow.get(entry.txId);
    if (!escrow || this.pendingFulfils.some((f) => f.escrow === escrow)) return false;
    if (preimageMatches(entry.preimage, escrow.tx.condition.hash)) {
      this.pendingIds.add(entry.id);
      this.pendingFulfils.push({ entry, escrow });
      return true;
    }
    this.escrowLeaf(entry.id, escrow, 'fulfil', escrow.tx.condition.fulfil, { status: 'rejected', reason: LedgerRejection.CONDITION_NOT_MET });
    return true;
  }

  private escrowLeaf(
    id: string,
    escrow: EscrowEntry,
    step: 'fulfil' | 'expiry',
    postings: LedgerTransfer['postings'],
    outcome: Outcome,
    preimage?: string,
  ): void {
    const leaf: LedgerLeaf = {
      id,
      kind: 'transfer',
      ...(escrow.tx.uetr === undefined ? {} : { uetr: escrow.tx.uetr }),
      postings,
      outcome,
      escrow: { of: escrow.tx.id, step, ...(preimage === undefined ? {} : { preimage }) },
    };
    this.pendingIds.add(id);
    this.pending.push(leaf);
    this.pendingTexts.push(leafJson(leaf));
  }

  /**
   * The escrows' turn when the block closes, before the liquidity queue's (a refund may fund a queued payment):
   * fulfilments in this block whose time is before `expiresAt` pay out; then escrows whose `expiresAt` is at or before
   * the block time are refunded (a fulfilment in the same block wins when the block's time is before `expiresAt`).
   */
  private settleEscrow(timestampMs: number): string[] {
    const ended: string[] = [];
    for (const { entry, escrow } of this.pendingFulfils) {
      const c = escrow.tx.condition;
      if (timestampMs >= c.expiresAt) {
        this.escrowLeaf(entry.id, escrow, 'fulfil', c.fulfil, { status: 'rejected', reason: LedgerRejection.CONDITION_EXPIRED }, entry.preimage);
        continue;
      }
      const payout: LedgerTransfer = { kind: 'transfer', id: entry.id, uetr: escrow.tx.uetr, postings: c.fulfil };
      const outcome = this.state.applyTransfer(payout, timestampMs);
      this.escrowLeaf(entry.id, escrow, 'fulfil', c.fulfil, outcome, entry.preimage);
      if (outcome.status === 'accepted') {
        this.escrow.remove(escrow.tx.id);
        ended.push(escrow.tx.id);
      }
    }
    for (const escrow of this.escrow.due(timestampMs)) {
      const id = expiryId(escrow.tx.id);
      const outcome = this.state.applyTransfer({ kind: 'transfer', id, uetr: escrow.tx.uetr, postings: escrow.tx.condition.refund }, timestampMs);
      // A refund the state refuses (a participant suspended since) waits for a later block; it is never half-made.
      if (outcome.status !== 'accepted') continue;
      this.escrowLeaf(id, escrow, 'expiry', escrow.tx.condition.refund, outcome);
      this.escrow.remove(escrow.tx.id);
      ended.push(escrow.tx.id);
    }
    return ended;
  }

  /**
   * How the block changed the stored escrows, once everything in it is decided (a conditional transfer the liquidity
   * queue released at the end of the block is reserved too): those reserved in it that still wait, and those that
   * ended in it and were reserved before it.
   */
  private escrowChanges(ended: readonly string[]): EscrowChanges | null {
    const here = new Set(this.reservedHere.map((e) => e.tx.id));
    const changes: EscrowChanges = {
      added: this.reservedHere.filter((e) => this.escrow.has(e.tx.id)),
      removed: ended.filter((id) => !here.has(id)),
    };
    return changes.added.length > 0 || changes.removed.length > 0 ? changes : null;
  }

  private config(config: LedgerConfig): void {
    const outcome = this.state.applyConfig(config);
    const leaf: LedgerLeaf = { id: config.id, kind: 'config', op: config.op, accounts: config.accounts, participant: config.participant, outcome };
    this.pending.push(leaf);
    this.pendingTexts.push(leafJson(leaf));
  }

  private seal(offset: string, timestampMs: number): SealedBlock {
    const ended = this.settleEscrow(timestampMs);
    const { queue, queueChanges } = this.settleQueue(timestampMs);
    const escrowChanges = this.escrowChanges(ended);
    const leaves = this.pending;
    const leafTexts = this.pendingTexts;
    const header: BlockHeader = {
      height: this.position.nextHeight,
      prevHash: this.position.prevHash,
      merkleRoot: merkleRootFast(leafTexts),
      stateDigest: stateDigest(this.state, this.queue.digestText(), this.escrow.digestText()),
      txCount: leaves.length,
      timestamp: timestampMs,
    };
    const hash = blockHash(header);
    this.position = { nextHeight: header.height + 1, prevHash: hash, nextOffset: this.position.nextOffset };
    this.pending = [];
    this.pendingTexts = [];
    this.pendingIds = new Set();
    this.pendingQueued = [];
    this.pendingDequeued = [];
    this.pendingFulfils = [];
    this.reservedHere = [];
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
      queue,
      queueChanges,
      escrowChanges,
    };
  }

  /**
   * The liquidity queue's turn at the end of the block (LiquidityQueue.settle at the block's time): its decisions
   * become leaves of this block, after the block's own entries; answers the block's queue record and stored changes.
   */
  private settleQueue(timestampMs: number): { queue: BlockQueueRecord | null; queueChanges: QueueChanges | null } {
    if (this.queue.size === 0 && this.pendingQueued.length === 0 && this.pendingDequeued.length === 0) return { queue: null, queueChanges: null };
    const queuedHere = this.pendingQueued;
    const decisions = this.queue.settle(timestampMs);
    // One cancelled in the block that queued it never got its deadline from `settle`; its record shows the one it had.
    for (const e of queuedHere) e.expiresAt ??= timestampMs + e.queueForMs;
    for (const d of decisions) this.record(d.tx, d.outcome);
    const gridlock = decisions.filter((d) => d.via === 'gridlock').map((d) => d.tx.id);
    const queued: QueuedItem[] = queuedHere.map((e) => ({
      seq: e.seq,
      account: e.account,
      id: e.tx.id,
      ...(e.tx.uetr === undefined ? {} : { uetr: e.tx.uetr }),
      arrivedAt: e.arrivedAt,
      expiresAt: e.expiresAt,
    }));
    const here = new Set(queuedHere.map((e) => e.seq));
    const left = [...decisions.map((d) => d.seq), ...this.pendingDequeued.map((e) => e.seq)];
    const queueChanges: QueueChanges = {
      added: queuedHere.filter((e) => this.queue.has(e.tx.id)),
      removed: left.filter((seq) => !here.has(seq)),
      next: this.queue.sequence,
    };
    const changed = queueChanges.added.length > 0 || queueChanges.removed.length > 0;
    return {
      queue: queued.length > 0 || gridlock.length > 0 ? { queued, gridlock } : null,
      queueChanges: changed || queued.length > 0 ? queueChanges : null,
    };
  }
}
