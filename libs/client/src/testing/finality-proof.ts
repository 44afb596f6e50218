/**
 * Finality proofs for the client tests: a block of transactions built with the ledger's own Merkle and block-hash
 * code, signed by validators made for the test, and the network keys a bank would fetch from `GET /v1/keys`.
 */
import { base64UrlEncode, blockHash, canonicalJson, generateEd25519KeyPair, genesisPrevHash, merkleTreeProofs, signBlock } from '@nostro/shared-node';
import type { FinalityTransaction, NetworkKeys, PaymentFinality } from '../types';

export interface TestNetwork {
  /** The body of `GET /v1/keys`: three validators, quorum 2. */
  keys: NetworkKeys;
  /** A final block holding `transactions`, and the proof of the one at `index`. */
  prove(transactions: readonly FinalityTransaction[], index?: number): PaymentFinality;
}

export function testNetwork(): TestNetwork {
  const validators = ['v0', 'v1', 'v2'].map((id) => ({ id, pair: generateEd25519KeyPair() }));
  const listed = validators.map(({ id, pair }) => ({ id, publicKey: base64UrlEncode(pair.publicKey) }));
  const keys: NetworkKeys = { network: { keyid: 'nostro', publicKey: listed[0].publicKey }, validators: listed, quorum: 2 };
  const prove = (transactions: readonly FinalityTransaction[], index = 0): PaymentFinality => {
    const tree = merkleTreeProofs(transactions.map((tx) => new TextEncoder().encode(canonicalJson(tx))));
    const header = {
      height: 3,
      prevHash: genesisPrevHash('nostro-test'),
      merkleRoot: tree.root,
      stateDigest: 'aa'.repeat(32),
      txCount: transactions.length,
      timestamp: 1,
    };
    const hash = blockHash(header);
    const signatures = validators.map(({ id, pair }) => ({ validator: id, signature: signBlock(hash, pair.seed) }));
    return { block: { ...header, hash }, signatures, quorum: 2, transaction: transactions[index], proof: tree.proofs[index] };
  };
  return { keys, prove };
}

/** A ledger transfer as a proof includes it; give `returnId` for a return's. */
export function transfer(id: string, uetr: string, fields: Partial<FinalityTransaction> = {}): FinalityTransaction {
  return { id, kind: 'transfer', uetr, postings: [], outcome: { status: 'accepted' }, ...fields };
}
