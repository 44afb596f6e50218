/**
 * Offline audit of a whole chain, block by block from genesis, trusting nothing but the validators' public keys,
 * the quorum and the network id: every header hash, the `prevHash` links, each Merkle root recomputed from the
 * leaves, each recorded outcome re-judged against the replayed state, each `stateDigest`, the quorum signatures,
 * duplicate transaction ids, and the balance invariants (every currency sums to zero; no account below its limit).
 *
 * Streaming: `add()` one block at a time, then `finish()`. Memory grows with the number of accounts and of
 * transaction ids (to catch a duplicate anywhere in the chain), not with the blocks.
 */
import { BlockHeader, blockHash, genesisPrevHash, verifyBlockSignature } from '../chain/block-header';
import { canonicalJson } from '../chain/canonical-json';
import { FinalityTrust } from '../chain/finality-proof';
import { merkleRootFast } from '../chain/merkle-fast';
import { Outcome } from '../messages/schemas';
import { BlockQueueRecord, QueuedItem, stateDigest } from './block-cutter';
import { describeInvariantProblem, ledgerInvariantProblems } from './ledger-invariants';
import { LedgerLeaf, ledgerLeafSchema } from './ledger-leaf';
import { LedgerRejection } from './ledger-rejection';
import { AccountState, LedgerState } from './ledger-state';
import { queueDigestText } from './liquidity-queue';
import { conditionProblem, escrowDigestText, preimageMatches } from './escrow';
import { Posting } from '../messages/schemas';

/** One block as exported or read from a validator's database. `signatures` is null when no finality was recorded. */
export interface ChainBlock {
  header: BlockHeader;
  hash: string;
  leaves: unknown[];
  signatures: { validator: string; signature: string }[] | null;
  /** What the block did with the liquidity queue beyond its leaves (BlockQueueRecord); absent or null when nothing. */
  queue?: BlockQueueRecord | null;
}

export type ChainIssueCode =
  | 'height_gap'
  | 'header_malformed'
  | 'prev_hash_mismatch'
  | 'block_hash_mismatch'
  | 'tx_count_mismatch'
  | 'leaf_malformed'
  | 'merkle_root_mismatch'
  | 'duplicate_transaction'
  | 'outcome_mismatch'
  | 'queue_record_mismatch'
  | 'escrow_mismatch'
  | 'state_digest_mismatch'
  | 'signature_invalid'
  | 'quorum_not_reached'
  | 'not_final'
  | 'balance_invariant'
  | 'chain_empty';

export interface ChainIssue {
  height: number;
  code: ChainIssueCode;
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  blocks: number;
  transactions: number;
  accepted: number;
  rejected: number;
  finalBlocks: number;
  tipHeight: number;
  tipHash: string | null;
  issues: ChainIssue[];
  /** Issues beyond `maxIssues` are counted, not kept. */
  issuesDropped: number;
}

export interface ChainVerifierOptions {
  networkId: string;
  trust: FinalityTrust;
  /** Blocks without a finality record are an issue (`not_final`), except the last `finalityLagMax` blocks. */
  requireFinal?: boolean;
  finalityLagMax?: number;
  maxIssues?: number;
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.status === b.status && (a.status === 'accepted' || (b.status === 'rejected' && a.reason === b.reason));
}

function describe(outcome: Outcome): string {
  return outcome.status === 'accepted' ? 'accepted' : `rejected (${outcome.reason})`;
}

export class ChainVerifier {
  private readonly state = new LedgerState();
  private readonly seenIds = new Set<string>();
  /** The liquidity queue as the blocks' queue records and leaves built it (insertion order is arrival order). */
  private readonly queued = new Map<string, QueuedItem>();
  private queueNext = 1;
  /** The escrows waiting, as the chain's reservations, fulfilments and expiries left them. */
  private readonly escrows = new Map<string, NonNullable<LedgerLeaf['condition']>>();
  /** The current block's gridlock leaves, and whether they were applied yet. */
  private gridlock: { ids: Set<string>; leaves: LedgerLeaf[]; applied: boolean } = { ids: new Set(), leaves: [], applied: false };
  private readonly keys: Map<string, string>;
  private readonly issues: ChainIssue[] = [];
  private readonly notFinal: number[] = [];
  private dropped = 0;
  private prevHash: string;
  private height = 0;
  private counts = { blocks: 0, transactions: 0, accepted: 0, rejected: 0, finalBlocks: 0 };

  constructor(private readonly options: ChainVerifierOptions) {
    this.prevHash = genesisPrevHash(options.networkId);
    this.keys = new Map(options.trust.validators.map((v) => [v.id, v.publicKey]));
  }

  /** The state replayed so far (balances after the last added block). */
  replayedState(): LedgerState {
    return this.state;
  }

  add(block: ChainBlock): void {
    const height = block.header.height;
    this.counts.blocks += 1;
    if (height !== this.height + 1) this.issue(height, 'height_gap', `expected height ${this.height + 1}`);
    if (block.header.prevHash !== this.prevHash) this.issue(height, 'prev_hash_mismatch', `expected ${this.prevHash}, found ${block.header.prevHash}`);
    this.checkHeaderHash(block);
    const leaves = this.parseLeaves(block);
    if (block.header.txCount !== block.leaves.length) {
      this.issue(height, 'tx_count_mismatch', `header says ${block.header.txCount}, block holds ${block.leaves.length}`);
    }
    const root = merkleRootFast(leaves.map((leaf) => canonicalJson(leaf)));
    if (leaves.length === block.leaves.length && root !== block.header.merkleRoot) {
      this.issue(height, 'merkle_root_mismatch', `leaves hash to ${root}, header says ${block.header.merkleRoot}`);
    }
    this.takeQueueRecord(block.queue ?? null, leaves);
    for (const leaf of leaves) this.replay(height, leaf, block.header.timestamp);
    this.state.takeChanges();
    const queueText = this.queueNext === 1 ? '' : queueDigestText(this.queueNext, [...this.queued.values()]);
    const escrowText = escrowDigestText([...this.escrows].map(([id, c]) => ({ id, hash: c.hash, expiresAt: c.expiresAt })));
    const digest = stateDigest(this.state, queueText, escrowText);
    if (digest !== block.header.stateDigest) this.issue(height, 'state_digest_mismatch', `replayed state hashes to ${digest}`);
    this.checkSignatures(block);
    this.height = height;
    this.prevHash = block.hash;
  }

  finish(): ChainReport {
    if (this.counts.blocks === 0) this.issue(0, 'chain_empty', 'no block to verify');
    this.checkBalances();
    if (this.options.requireFinal) {
      const lagMax = this.options.finalityLagMax ?? 0;
      for (const h of this.notFinal) if (h <= this.height - lagMax) this.issue(h, 'not_final', 'no quorum-signed finality record');
    }
    return {
      ok: this.issues.length === 0 && this.dropped === 0,
      ...this.counts,
      tipHeight: this.height,
      tipHash: this.counts.blocks > 0 ? this.prevHash : null,
      issues: this.issues,
      issuesDropped: this.dropped,
    };
  }

  private issue(height: number, code: ChainIssueCode, detail: string): void {
    if (this.issues.length >= (this.options.maxIssues ?? 1_000)) this.dropped += 1;
    else this.issues.push({ height, code, detail });
  }

  private checkHeaderHash(block: ChainBlock): void {
    try {
      const computed = blockHash(block.header);
      if (computed !== block.hash) this.issue(block.header.height, 'block_hash_mismatch', `header hashes to ${computed}, recorded ${block.hash}`);
    } catch (error) {
      this.issue(block.header.height, 'header_malformed', error instanceof Error ? error.message : String(error));
    }
  }

  private parseLeaves(block: ChainBlock): LedgerLeaf[] {
    const leaves: LedgerLeaf[] = [];
    block.leaves.forEach((raw, index) => {
      const parsed = ledgerLeafSchema.safeParse(raw);
      if (parsed.success) leaves.push(raw as LedgerLeaf);
      else this.issue(block.header.height, 'leaf_malformed', `leaf ${index}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    });
    return leaves;
  }

  /** Re-judges one recorded transaction against the replayed state and applies what the chain says was accepted. */
  private replay(height: number, leaf: LedgerLeaf, timestampMs: number): void {
    this.counts.transactions += 1;
    this.counts[leaf.outcome.status === 'accepted' ? 'accepted' : 'rejected'] += 1;
    if (this.seenIds.has(leaf.id)) this.issue(height, 'duplicate_transaction', `transaction ${leaf.id} was recorded before`);
    this.seenIds.add(leaf.id);
    const waited = this.queued.get(leaf.id);
    if (waited) this.queued.delete(leaf.id);
    const recomputed = leaf.escrow
      ? this.replayEscrow(height, leaf, timestampMs)
      : waited
        ? this.replayQueued(height, leaf, waited, timestampMs)
        : leaf.kind === 'transfer'
          ? this.replayTransfer(leaf, timestampMs)
          : this.replayConfig(leaf);
    // An accepted reservation puts its escrow in the mirror (a queued one, when it is released).
    if (leaf.condition && leaf.outcome.status === 'accepted' && recomputed?.status !== 'rejected') this.escrows.set(leaf.id, leaf.condition);
    if (recomputed !== null && !sameOutcome(recomputed, leaf.outcome)) {
      this.issue(height, 'outcome_mismatch', `transaction ${leaf.id} recorded ${describe(leaf.outcome)}, replay gives ${describe(recomputed)}`);
    }
  }

  /**
   * An escrow's fulfilment or expiry: its escrow must be waiting, its postings those its reservation named, a
   * fulfilment's preimage must hash to the condition in a block before `expiresAt`, an expiry must be due by block
   * time. Refusals (a wrong preimage, a fulfilment too late) are honoured; what was paid out leaves the mirror.
   */
  private replayEscrow(height: number, leaf: LedgerLeaf, timestampMs: number): Outcome | null {
    const step = leaf.escrow as NonNullable<LedgerLeaf['escrow']>;
    const c = this.escrows.get(step.of);
    if (!c) {
      this.issue(height, 'escrow_mismatch', `transaction ${leaf.id} ${step.step}s escrow ${step.of}, which is not waiting`);
      return null;
    }
    const expected = step.step === 'fulfil' ? c.fulfil : c.refund;
    if (!samePostingList(leaf.postings ?? [], expected))
      this.issue(height, 'escrow_mismatch', `transaction ${leaf.id}: not the postings escrow ${step.of} named`);
    if (leaf.outcome.status !== 'accepted') return null;
    if (step.step === 'fulfil' && (!preimageMatches(step.preimage ?? '', c.hash) || timestampMs >= c.expiresAt)) {
      this.issue(height, 'escrow_mismatch', `transaction ${leaf.id} paid escrow ${step.of} out without a matching preimage before its expiry`);
    }
    if (step.step === 'expiry' && c.expiresAt > timestampMs) this.issue(height, 'escrow_mismatch', `escrow ${step.of} refunded before its expiry`);
    this.escrows.delete(step.of);
    return this.replayTransfer(leaf, timestampMs);
  }

  private replayTransfer(leaf: LedgerLeaf, timestampMs: number): Outcome | null {
    const tx = {
      kind: 'transfer' as const,
      id: leaf.id,
      uetr: leaf.uetr,
      postings: leaf.postings ?? [],
      ...(leaf.condition ? { condition: leaf.condition } : {}),
    };
    // A conditional transfer's malformed condition is judged from the leaf alone; its expiry at arrival only honoured.
    if (leaf.condition) {
      const problem = conditionProblem(tx);
      if (problem) return { status: 'rejected', reason: problem };
      if (leaf.outcome.status === 'rejected' && leaf.outcome.reason === LedgerRejection.CONDITION_EXPIRED) return null;
    }
    // notAfter is not part of the leaf: a `not_after_passed` rejection cannot be re-judged offline, only honoured.
    if (leaf.outcome.status === 'rejected' && leaf.outcome.reason === LedgerRejection.NOT_AFTER_PASSED) return null;
    const outcome = this.state.judgeTransfer(tx, timestampMs);
    if (outcome.status === 'accepted' && leaf.outcome.status === 'accepted') this.state.applyTransfer(tx, timestampMs);
    return outcome;
  }

  /** The transfers a block queued join the mirror; its gridlock leaves are noted to be applied together. */
  private takeQueueRecord(record: BlockQueueRecord | null, leaves: readonly LedgerLeaf[]): void {
    for (const item of record?.queued ?? []) {
      this.queued.set(item.id, item);
      this.queueNext = Math.max(this.queueNext, item.seq + 1);
    }
    const ids = new Set(record?.gridlock ?? []);
    this.gridlock = { ids, leaves: leaves.filter((l) => ids.has(l.id)), applied: false };
  }

  /**
   * A decision of the liquidity queue: a timeout must be due by block time, a cancel is honoured, a release is
   * re-judged like any transfer, and the gridlock set is judged and applied as one, at its first leaf.
   */
  private replayQueued(height: number, leaf: LedgerLeaf, waited: QueuedItem, timestampMs: number): Outcome | null {
    if (leaf.outcome.status === 'rejected' && leaf.outcome.reason === LedgerRejection.CANCELLED) return null;
    if (leaf.outcome.status === 'rejected' && leaf.outcome.reason === LedgerRejection.QUEUE_TIMEOUT) {
      if (waited.expiresAt === null || waited.expiresAt > timestampMs) {
        this.issue(height, 'queue_record_mismatch', `transaction ${leaf.id} timed out before its deadline ${waited.expiresAt ?? 'none'}`);
      }
      return null;
    }
    if (!this.gridlock.ids.has(leaf.id)) return this.replayTransfer(leaf, waited.arrivedAt);
    if (this.gridlock.applied) return { status: 'accepted' };
    this.gridlock.applied = true;
    const txs = this.gridlock.leaves.map((l) => ({ kind: 'transfer' as const, id: l.id, uetr: l.uetr, postings: l.postings ?? [] }));
    return this.state.applyTogether(txs, () => waited.arrivedAt);
  }

  private replayConfig(leaf: LedgerLeaf): Outcome {
    return this.state.applyConfig({
      kind: 'config',
      id: leaf.id,
      op: leaf.op ?? 'open_accounts',
      accounts: leaf.accounts ?? [],
      participant: leaf.participant,
    });
  }

  private checkSignatures(block: ChainBlock): void {
    const height = block.header.height;
    if (block.signatures === null) {
      this.notFinal.push(height);
      return;
    }
    const signers = new Set<string>();
    for (const { validator, signature } of block.signatures) {
      const key = this.keys.get(validator);
      // A validator the caller does not trust neither counts nor proves tampering; a trusted one's bad signature does.
      if (key === undefined) continue;
      if (verifyBlockSignature(block.hash, signature, key)) signers.add(validator);
      else this.issue(height, 'signature_invalid', `signature of ${validator} does not verify against its key`);
    }
    if (signers.size >= this.options.trust.quorum) this.counts.finalBlocks += 1;
    else this.issue(height, 'quorum_not_reached', `${signers.size} valid signatures, quorum ${this.options.trust.quorum}`);
  }

  private checkBalances(): void {
    for (const problem of ledgerInvariantProblems(this.state.allAccounts())) this.issue(this.height, 'balance_invariant', describeInvariantProblem(problem));
  }
}

function samePostingList(a: readonly Posting[], b: readonly Posting[]): boolean {
  return a.length === b.length && a.every((p, i) => p.account === b[i].account && p.currency === b[i].currency && BigInt(p.amount) === BigInt(b[i].amount));
}

/** Differences between balances a validator stores and the balances replayed from its chain. */
export function compareBalances(replayed: readonly AccountState[], stored: readonly AccountState[]): string[] {
  const mine = new Map(stored.map((a) => [a.id, a]));
  const problems: string[] = [];
  for (const account of replayed) {
    const other = mine.get(account.id);
    if (!other) problems.push(`${account.id} is missing from the stored accounts`);
    else if (other.balance !== account.balance || other.netDebitCap !== account.netDebitCap) {
      problems.push(
        `${account.id} stores balance ${other.balance} (limit ${other.netDebitCap ?? 'none'}), replay gives ${account.balance} (limit ${account.netDebitCap ?? 'none'})`,
      );
    }
    mine.delete(account.id);
  }
  for (const id of mine.keys()) problems.push(`${id} is stored but no block opened it`);
  return problems;
}
