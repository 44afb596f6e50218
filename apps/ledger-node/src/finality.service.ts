import { Logger, OutboxMessage, PoolClient, counter, enqueueOutbox, topicName, withTransaction } from '@nostro/platform';
import { BlockQueueRecord, BlockSignatureMessage, FinalityMessage, LedgerLeaf, Topic, verifyBlockSignatureFast } from '@nostro/shared-node';
import { Gauge, register } from 'prom-client';
import { LedgerConfig } from './config';
import { HeightState, LedgerRepository, StoredBlock, StoredSignature } from './ledger.repository';
import { NoticeQueue } from './notice.repository';

const finalBlocks = counter('ledger_final_blocks_total', 'Blocks that reached a quorum of signatures');
const finalHeight =
  (register.getSingleMetric('ledger_final_height') as Gauge | undefined) ??
  new Gauge({ name: 'ledger_final_height', help: 'Height of the last block this validator holds a quorum of signatures for' });
let highestFinal = 0;
const divergences = counter('ledger_divergence_total', 'Blocks where this validator disagreed with the quorum');
const badSignatures = counter('ledger_invalid_signatures_total', 'Block signatures refused', ['reason']);

/** How many of the latest blocks the sweep looks at for a quorum check that was missed. */
const SWEEP_LOOKBACK_BLOCKS = 100;

/** Where a height stands after a quorum check. */
export type QuorumVerdict = 'absent' | 'pending' | 'final' | 'diverged';

/** This validator's own block, when the caller has it in memory (saves reading it back). */
export interface OwnBlock {
  block: StoredBlock;
  leaves: LedgerLeaf[];
  queue: BlockQueueRecord | null;
}

type Judged =
  | { verdict: 'absent' | 'pending' | 'final' }
  | { verdict: 'diverged'; hash: string; signers: StoredSignature[] }
  | { verdict: 'reached'; agreeing: StoredSignature[] };

/** The pure quorum rule: final on this validator's hash, or a divergence when a quorum signed another hash. */
function judge(state: HeightState | undefined, quorum: number): Judged {
  if (!state) return { verdict: 'absent' };
  if (state.final) return { verdict: 'final' };
  const byHash = new Map<string, StoredSignature[]>();
  for (const s of state.signatures) byHash.set(s.hash, [...(byHash.get(s.hash) ?? []), s]);
  for (const [hash, signers] of byHash) {
    if (hash !== state.block.hash && signers.length >= quorum) return { verdict: 'diverged', hash, signers };
  }
  const agreeing = byHash.get(state.block.hash) ?? [];
  return agreeing.length >= quorum ? { verdict: 'reached', agreeing } : { verdict: 'pending' };
}

/**
 * Collects validator signatures and declares a block final once `LEDGER_QUORUM` distinct validators signed the
 * same header hash as this validator's own block. A quorum on a different hash is a divergence: it is recorded in
 * `halts` (so a restart does not resume on a fork) and reported through `onDivergence`, which stops the chain.
 * Checks of a height are serialised by a transaction-scoped advisory lock, so the block writer and the signature
 * consumer cannot both miss a quorum; `sweep()` catches what the block writer's snapshot could not see.
 */
export class FinalityService {
  private readonly keys: Map<string, string>;
  onDivergence: (reason: string) => void = () => undefined;

  constructor(
    private readonly config: LedgerConfig,
    private readonly repo: LedgerRepository,
    private readonly log: Logger,
    /** Where final heights wait for their per-participant notices; null when LEDGER_NOTICES is off. */
    private readonly notices: NoticeQueue | null = null,
  ) {
    this.keys = new Map(config.VALIDATOR_PUBLIC_KEYS.map((v) => [v.id, v.publicKey]));
  }

  /** Stores the valid signatures of a Kafka batch (one statement), then settles every height they touch. */
  async recordSignatures(tx: PoolClient, signatures: BlockSignatureMessage[]): Promise<void> {
    const valid = signatures.filter((sig) => this.acceptable(sig));
    if (valid.length === 0) return;
    await this.repo.insertSignatures(tx, valid);
    await this.settle(tx, [...new Set(valid.map((s) => s.height))]);
  }

  private acceptable(sig: BlockSignatureMessage): boolean {
    // Our own signature was stored with the block, in the same statement.
    if (sig.validator === this.config.VALIDATOR_ID) return false;
    const publicKey = this.keys.get(sig.validator);
    if (!publicKey) {
      badSignatures.labels('unknown_validator').inc();
      this.log.warn({ validator: sig.validator, height: sig.height }, 'signature from an unknown validator ignored');
      return false;
    }
    if (!verifyBlockSignatureFast(sig.hash, sig.signature, publicKey)) {
      badSignatures.labels('invalid').inc();
      this.log.warn({ validator: sig.validator, height: sig.height }, 'invalid block signature ignored');
      return false;
    }
    return true;
  }

  /**
   * Right after this validator committed its own block: when the signatures the block write saw already make a
   * quorum (or a rival quorum), settles the height now; otherwise the next signature, or the sweep, will.
   */
  async afterOwnBlock(own: OwnBlock, stored: StoredSignature[]): Promise<QuorumVerdict> {
    const seen = judge(
      { block: own.block, final: false, signatures: [...stored, { validator: this.config.VALIDATOR_ID, hash: own.block.hash, signature: '' }] },
      this.config.LEDGER_QUORUM,
    );
    if (seen.verdict === 'pending') return 'pending';
    const verdicts = await withTransaction(this.repo.db, (tx) => this.settle(tx, [own.block.height], own));
    return verdicts.get(own.block.height) ?? 'absent';
  }

  /** Re-checks recent blocks that hold enough signatures but no finality record. */
  async sweep(): Promise<void> {
    const heights = await this.repo.finalityCandidates(this.config.LEDGER_QUORUM, SWEEP_LOOKBACK_BLOCKS);
    if (heights.length > 0) await withTransaction(this.repo.db, (tx) => this.settle(tx, heights));
  }

  /**
   * Settles `heights` in the caller's transaction, in a few statements whatever their number: locks them, reads
   * this validator's block and the signatures of each, stores a finality record and publishes it for each height
   * that reached a quorum, or records a divergence.
   */
  async settle(tx: PoolClient, heights: number[], own?: OwnBlock): Promise<Map<number, QuorumVerdict>> {
    const sorted = [...heights].sort((a, b) => a - b);
    await this.repo.lockHeights(tx, sorted);
    const states = await this.repo.heightStates(tx, sorted);
    const verdicts = new Map<number, QuorumVerdict>();
    const reached: { block: StoredBlock; agreeing: StoredSignature[] }[] = [];
    for (const height of sorted) {
      const judged = judge(states.get(height), this.config.LEDGER_QUORUM);
      if (judged.verdict === 'diverged') {
        await this.diverged(tx, (states.get(height) as HeightState).block, judged.hash, judged.signers);
        verdicts.set(height, 'diverged');
      } else if (judged.verdict === 'reached') {
        reached.push({ block: (states.get(height) as HeightState).block, agreeing: judged.agreeing });
        verdicts.set(height, 'final');
      } else {
        verdicts.set(height, judged.verdict);
      }
    }
    await this.finalise(tx, reached, own);
    return verdicts;
  }

  private async finalise(tx: PoolClient, reached: { block: StoredBlock; agreeing: StoredSignature[] }[], own?: OwnBlock): Promise<void> {
    if (reached.length === 0) return;
    const missing = reached.map((r) => r.block.height).filter((h) => h !== own?.block.height);
    const leaves = await this.repo.leavesOf(tx, missing);
    if (own) leaves.set(own.block.height, { leaves: own.leaves, queue: own.queue });
    const topic = topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_FINALITY);
    const records: OutboxMessage[] = [];
    const final: number[] = [];
    for (const { block, agreeing } of reached) {
      if (!(await this.repo.insertFinality(tx, block.height, block.hash, agreeing))) continue;
      const content = leaves.get(block.height) ?? { leaves: [], queue: null };
      records.push({ topic, key: String(block.height), payload: record(block, agreeing, this.config.LEDGER_QUORUM, content.leaves, content.queue) });
      final.push(block.height);
      finalBlocks.inc();
      // Finality lag (alert NostroFinalityLagging) is ledger_height − ledger_final_height.
      if (block.height > highestFinal) {
        highestFinal = block.height;
        finalHeight.set(block.height);
      }
    }
    await enqueueOutbox(tx, records);
    if (final.length === 0) return;
    // With the finality record, in the same transaction: the notices of a final block are owed, never lost.
    if (this.notices) await this.notices.enqueue(tx, final);
    await this.repo.notifyFinal(tx, Math.max(...final));
  }

  private async diverged(tx: PoolClient, block: StoredBlock, quorumHash: string, signers: StoredSignature[]): Promise<void> {
    const reason = `divergence at height ${block.height}: ${signers.map((s) => s.validator).join(', ')} signed ${quorumHash}; this validator computed ${block.hash}`;
    // Later signatures for the same height judge it diverged again: the block counts once, with its halt row.
    if (await this.repo.insertHalt(tx, { height: block.height, ownHash: block.hash, quorumHash, reason })) divergences.inc();
    this.onDivergence(reason);
  }
}

function record(block: StoredBlock, agreeing: StoredSignature[], quorum: number, leaves: LedgerLeaf[], queue: BlockQueueRecord | null): FinalityMessage {
  return {
    block: {
      height: block.height,
      prevHash: block.prevHash,
      merkleRoot: block.merkleRoot,
      stateDigest: block.stateDigest,
      txCount: block.txCount,
      timestamp: block.timestamp,
      hash: block.hash,
    },
    signatures: agreeing.map(({ validator, signature }) => ({ validator, signature })),
    quorum,
    transactions: leaves.map((l) => ({
      id: l.id,
      ...(l.uetr ? { uetr: l.uetr } : {}),
      ...(l.returnId ? { returnId: l.returnId } : {}),
      kind: l.kind,
      outcome: l.outcome,
      ...(l.condition ? { escrow: { step: 'reserve' as const, of: l.id, expiresAt: l.condition.expiresAt } } : {}),
      ...(l.escrow ? { escrow: { step: l.escrow.step, of: l.escrow.of } } : {}),
    })),
    ...(queue && queue.queued.length > 0
      ? {
          queued: queue.queued.map((q) => ({ id: q.id, ...(q.uetr ? { uetr: q.uetr } : {}), account: q.account, expiresAt: q.expiresAt ?? 0 })),
        }
      : {}),
  };
}
