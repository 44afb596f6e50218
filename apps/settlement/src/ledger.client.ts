import { FinalityTrust, blockHash, canonicalJson, merkleLeafHash, outcomeSchema, postingSchema, verifyFinalityProof, verifyInclusion } from '@nostro/shared';
import { z } from 'zod';

/** The transaction as a validator's finality proof carries it (the Merkle leaf). */
const leafSchema = z.object({
  id: z.string(),
  kind: z.string(),
  uetr: z.string().optional(),
  postings: z.array(postingSchema).optional(),
  outcome: outcomeSchema,
  /** A conditional payment's reservation: accepted means reserved in escrow, not settled. */
  condition: z.object({ expiresAt: z.number() }).optional(),
});
export type LedgerLeafView = z.infer<typeof leafSchema>;

/** The parts of a proof the cached path checks (the full check is verifyFinalityProof). */
const proofSchema = z.object({
  block: z.object({
    height: z.number(),
    prevHash: z.string(),
    merkleRoot: z.string(),
    stateDigest: z.string(),
    txCount: z.number(),
    timestamp: z.number(),
    hash: z.string(),
  }),
  transaction: z.unknown(),
  proof: z.object({ leafIndex: z.number(), leafHash: z.string(), siblings: z.array(z.string()) }),
});

/** Block hashes whose quorum signatures were verified, so a block's other proofs skip the Ed25519 checks. */
const VERIFIED_BLOCKS_MAX = 10_000;

export type LedgerLookup =
  /** A proof that verifies against the trusted validator keys and quorum. */
  | { kind: 'final'; transaction: LedgerLeafView; block: { height: number; hash: string } }
  /** At least one validator answered and none has a final record of the transaction. */
  | { kind: 'absent' }
  /** A validator served a proof that does not verify (and no other served one that does). */
  | { kind: 'invalid'; url: string }
  /** No validator answered. */
  | { kind: 'unreachable' };

/**
 * Asks the validators' internal API for the finality proof of a transaction, and trusts only what verifies against
 * the configured validator keys and quorum: never the answering validator's word.
 */
export class LedgerClient {
  private readonly verifiedBlocks = new Set<string>();

  constructor(
    private readonly urls: readonly string[],
    private readonly trust: FinalityTrust,
    private readonly timeoutMs: number,
  ) {}

  async finality(txId: string): Promise<LedgerLookup> {
    let absent = false;
    let invalid: string | null = null;
    for (const url of this.urls) {
      const answer = await this.ask(url, txId);
      if (answer.kind === 'final') return answer;
      if (answer.kind === 'absent') absent = true;
      if (answer.kind === 'invalid') invalid = url;
    }
    if (invalid !== null) return { kind: 'invalid', url: invalid };
    return absent ? { kind: 'absent' } : { kind: 'unreachable' };
  }

  private async ask(url: string, txId: string): Promise<LedgerLookup> {
    let response: Response;
    try {
      response = await fetch(`${url}/v1/ledger/transactions/${encodeURIComponent(txId)}/finality`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch {
      return { kind: 'unreachable' };
    }
    if (response.status === 404) return { kind: 'absent' };
    if (!response.ok) return { kind: 'unreachable' };
    const proof = parseJson(await response.text().catch(() => ''));
    if (!this.verifies(proof)) return { kind: 'invalid', url };
    const body = proof as { block: { height: number; hash: string }; transaction: unknown };
    const transaction = leafSchema.safeParse(body.transaction);
    if (!transaction.success || transaction.data.id !== txId) return { kind: 'invalid', url };
    return { kind: 'final', transaction: transaction.data, block: { height: body.block.height, hash: body.block.hash } };
  }

  /**
   * The full proof check the first time a block is seen; for a block whose signatures already verified, the same
   * header hash, leaf hash and Merkle inclusion, which is all that differs between two proofs of one block.
   */
  private verifies(proof: unknown): boolean {
    const parsed = proofSchema.safeParse(proof);
    if (!parsed.success) return false;
    const { block, transaction, proof: path } = parsed.data;
    if (this.verifiedBlocks.has(block.hash)) {
      const { hash, ...header } = block;
      const leafHash = Buffer.from(merkleLeafHash(new TextEncoder().encode(canonicalJson(transaction)))).toString('hex');
      return blockHash(header) === hash && leafHash === path.leafHash && verifyInclusion({ ...path, treeSize: block.txCount, root: block.merkleRoot });
    }
    if (!verifyFinalityProof(proof, this.trust).ok) return false;
    if (this.verifiedBlocks.size >= VERIFIED_BLOCKS_MAX) this.verifiedBlocks.clear();
    this.verifiedBlocks.add(block.hash);
    return true;
  }
}

/** JSON.parse in this realm (not `response.json()`), so the proof's objects are plain objects wherever it runs. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
