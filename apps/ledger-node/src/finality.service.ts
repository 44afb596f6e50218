import { Logger, PoolClient, counter, enqueueOutbox, topicName } from '@nostro/platform';
import { BlockSignatureMessage, FinalityMessage, Topic, verifyBlockSignature } from '@nostro/shared';
import { LedgerConfig } from './config';
import { LedgerRepository } from './ledger.repository';

const finalBlocks = counter('ledger_final_blocks_total', 'Blocks that reached a quorum of signatures');
const divergences = counter('ledger_divergence_total', 'Blocks where this validator disagreed with the quorum');
const badSignatures = counter('ledger_invalid_signatures_total', 'Block signatures refused', ['reason']);

/** Lock namespace for per-height quorum checks (first key of pg_advisory_xact_lock(int, int)). */
const QUORUM_LOCK_NAMESPACE = 7_342;

/**
 * Collects validator signatures and declares a block final once `LEDGER_QUORUM` distinct validators signed the
 * same header hash as this validator's own block. A quorum on a different hash halts this validator.
 */
export class FinalityService {
  private readonly keys: Map<string, string>;
  onDivergence: (reason: string) => void = () => undefined;

  constructor(
    private readonly config: LedgerConfig,
    private readonly repo: LedgerRepository,
    private readonly log: Logger,
  ) {
    this.keys = new Map(config.VALIDATOR_PUBLIC_KEYS.map((v) => [v.id, v.publicKey]));
  }

  /** Stores a signature from the signatures topic if it verifies, then re-checks that height. */
  async recordSignature(tx: PoolClient, sig: BlockSignatureMessage): Promise<void> {
    const publicKey = this.keys.get(sig.validator);
    if (!publicKey) {
      badSignatures.labels('unknown_validator').inc();
      this.log.warn({ validator: sig.validator, height: sig.height }, 'signature from an unknown validator ignored');
      return;
    }
    if (!verifyBlockSignature(sig.hash, sig.signature, publicKey)) {
      badSignatures.labels('invalid').inc();
      this.log.warn({ validator: sig.validator, height: sig.height }, 'invalid block signature ignored');
      return;
    }
    await this.repo.insertSignature(tx, sig.height, sig);
    await this.checkQuorum(tx, sig.height);
  }

  /** Declares `height` final (finality row + published record) once a quorum signed this validator's hash. */
  async checkQuorum(tx: PoolClient, height: number): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [QUORUM_LOCK_NAMESPACE, height]);
    const block = await this.repo.block(tx, height);
    if (!block || (await this.repo.isFinal(tx, height))) return;
    const signatures = await this.repo.signatures(tx, height);
    const byHash = new Map<string, typeof signatures>();
    for (const s of signatures) byHash.set(s.hash, [...(byHash.get(s.hash) ?? []), s]);
    for (const [hash, list] of byHash) {
      if (hash !== block.hash && list.length >= this.config.LEDGER_QUORUM) {
        divergences.inc();
        this.onDivergence(`quorum signed ${hash} at height ${height}; this validator has ${block.hash}`);
        return;
      }
    }
    const agreeing = byHash.get(block.hash) ?? [];
    if (agreeing.length < this.config.LEDGER_QUORUM) return;
    if (!(await this.repo.insertFinality(tx, height, block.hash, agreeing))) return;
    const leaves = await this.repo.leaves(tx, height);
    const record: FinalityMessage = {
      block: { height, prevHash: block.prevHash, merkleRoot: block.merkleRoot, stateDigest: block.stateDigest, txCount: block.txCount, timestamp: block.timestamp, hash: block.hash },
      signatures: agreeing.map(({ validator, signature }) => ({ validator, signature })),
      quorum: this.config.LEDGER_QUORUM,
      transactions: leaves.map((l) => ({ id: l.id, ...(l.uetr ? { uetr: l.uetr } : {}), kind: l.kind, outcome: l.outcome })),
    };
    await enqueueOutbox(tx, [
      { topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_FINALITY), key: String(height), payload: record },
    ]);
    finalBlocks.inc();
  }
}
