import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils';
import { base64UrlEncode } from '../crypto/base64';
import { generateEd25519KeyPairPortable } from '../crypto/ed25519-strict';
import { blockHash, type BlockHeader, genesisPrevHash, signBlock } from './block-header';
import { canonicalJson } from './canonical-json';
import { merkleLeafHash, merkleTreeProofs } from './merkle';
import { verifyFinalityProof, type FinalityProof, type FinalityTrust } from './finality-proof';

const utf8 = new TextEncoder();
const validators = ['v0', 'v1', 'v2'].map((id) => ({ id, keys: generateEd25519KeyPairPortable() }));
const trust: FinalityTrust = {
  validators: validators.map(({ id, keys }) => ({ id, publicKey: base64UrlEncode(keys.publicKey) })),
  quorum: 2,
};

function transaction(i: number, rejected = false) {
  return {
    id: `tx-${i}`,
    uetr: `00000000-0000-4000-8000-00000000000${i}`,
    postings: [
      { account: 'BANKA001:USD', currency: 'USD', amount: `-${1000 + i}` },
      { account: 'BANKB001:USD', currency: 'USD', amount: `${1000 + i}` },
    ],
    outcome: rejected ? { status: 'rejected', reason: 'insufficient_funds' } : { status: 'accepted' },
  };
}

const transactions = [0, 1, 2, 3, 4].map((i) => transaction(i, i === 3));

function buildProof(index: number, signers = ['v0', 'v1', 'v2']): FinalityProof {
  const tree = merkleTreeProofs(transactions.map((tx) => utf8.encode(canonicalJson(tx))));
  const header: BlockHeader = {
    height: 7,
    prevHash: genesisPrevHash('nostro-test'),
    merkleRoot: tree.root,
    stateDigest: 'cd'.repeat(32),
    txCount: transactions.length,
    timestamp: 1_700_000_000_000,
  };
  const hash = blockHash(header);
  const signatures = validators.filter(({ id }) => signers.includes(id)).map(({ id, keys }) => ({ validator: id, signature: signBlock(hash, keys.seed) }));
  return { block: { ...header, hash }, signatures, quorum: 2, transaction: transactions[index], proof: tree.proofs[index] };
}

/** A deep copy, as a bank would receive it over HTTP. */
function wire(proof: FinalityProof): FinalityProof {
  return JSON.parse(JSON.stringify(proof)) as FinalityProof;
}

describe('verifyFinalityProof: valid proofs', () => {
  it.each([0, 1, 2, 3, 4])('accepts transaction %i of a 5-transaction block, after a JSON round trip', (index) => {
    expect(verifyFinalityProof(wire(buildProof(index)), trust)).toEqual({ ok: true });
  });

  it('accepts exactly the quorum of signatures', () => {
    expect(verifyFinalityProof(buildProof(0, ['v0', 'v2']), trust)).toEqual({ ok: true });
  });

  it('accepts a single-transaction block, whose audit path is empty', () => {
    const tx = transaction(9);
    const leafHash = bytesToHex(merkleLeafHash(utf8.encode(canonicalJson(tx))));
    const header = { height: 1, prevHash: genesisPrevHash('n'), merkleRoot: leafHash, stateDigest: '', txCount: 1, timestamp: 1 };
    const hash = blockHash(header);
    const signatures = validators.map(({ id, keys }) => ({ validator: id, signature: signBlock(hash, keys.seed) }));
    const proof = { block: { ...header, hash }, signatures, quorum: 2, transaction: tx, proof: { leafIndex: 0, leafHash, siblings: [] } };
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: true });
  });

  it('tolerates fields added to the API later', () => {
    const proof = { ...wire(buildProof(1)), network: 'nostro-test' } as FinalityProof & { network: string };
    proof.block = { ...proof.block, version: 2 } as FinalityProof['block'];
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: true });
  });

  it('hashes the transaction exactly as received, including fields this SDK does not know', () => {
    const proof = wire(buildProof(2));
    (proof.transaction as Record<string, unknown>).memo = 'added after the block was sealed';
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
  });
});

describe('verifyFinalityProof: forged or broken proofs', () => {
  it('a rejected transaction cannot be passed off as accepted', () => {
    const proof = wire(buildProof(3));
    proof.transaction = { ...(proof.transaction as object), outcome: { status: 'accepted' } };
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
    proof.proof.leafHash = bytesToHex(merkleLeafHash(utf8.encode(canonicalJson(proof.transaction))));
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'inclusion_invalid' });
  });

  it('a wrong leaf index or a tampered sibling fails inclusion', () => {
    const wrongIndex = wire(buildProof(1));
    wrongIndex.proof.leafIndex = 0;
    expect(verifyFinalityProof(wrongIndex, trust)).toEqual({ ok: false, reason: 'inclusion_invalid' });
    const tampered = wire(buildProof(1));
    tampered.proof.siblings[0] = 'ff'.repeat(32);
    expect(verifyFinalityProof(tampered, trust)).toEqual({ ok: false, reason: 'inclusion_invalid' });
  });

  it('a header that does not hash to block.hash fails', () => {
    const proof = wire(buildProof(0));
    proof.block.timestamp += 1;
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'block_hash_mismatch' });
  });

  it('a forged block, consistent but signed by untrusted keys, does not reach quorum', () => {
    const proof = wire(buildProof(0));
    proof.block.stateDigest = 'ee'.repeat(32);
    proof.block.hash = blockHash(proof.block);
    const impostor = generateEd25519KeyPairPortable();
    proof.signatures = ['v0', 'v1'].map((validator) => ({ validator, signature: signBlock(proof.block.hash, impostor.seed) }));
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'quorum_not_reached' });
  });

  it('counts each validator once, however often it appears', () => {
    const proof = wire(buildProof(0, ['v0']));
    proof.signatures = [proof.signatures[0], proof.signatures[0], proof.signatures[0]];
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'quorum_not_reached' });
  });

  it('ignores validators it does not trust and signatures over another block', () => {
    const proof = wire(buildProof(0, ['v0']));
    const stranger = generateEd25519KeyPairPortable();
    proof.signatures.push({ validator: 'v9', signature: signBlock(proof.block.hash, stranger.seed) });
    proof.signatures.push({ validator: 'v1', signature: signBlock('00'.repeat(32), validators[1].keys.seed) });
    proof.signatures.push({ validator: 'v2', signature: 'not base64' });
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'quorum_not_reached' });
  });

  it("uses the caller's quorum, not the one in the proof", () => {
    const proof = { ...wire(buildProof(0, ['v0'])), quorum: 1 };
    expect(verifyFinalityProof(proof, trust)).toEqual({ ok: false, reason: 'quorum_not_reached' });
    expect(verifyFinalityProof(proof, { ...trust, quorum: 1 })).toEqual({ ok: true });
  });

  it.each([
    ['not an object', () => 'proof'],
    ['no block', (p: FinalityProof) => ({ ...p, block: undefined })],
    ['an uppercase block hash', (p: FinalityProof) => ({ ...p, block: { ...p.block, hash: p.block.hash.toUpperCase() } })],
    ['a string height', (p: FinalityProof) => ({ ...p, block: { ...p.block, height: '7' } })],
    ['siblings that are not hashes', (p: FinalityProof) => ({ ...p, proof: { ...p.proof, siblings: ['x'] } })],
    ['a negative leaf index', (p: FinalityProof) => ({ ...p, proof: { ...p.proof, leafIndex: -1 } })],
    ['no transaction', (p: FinalityProof) => ({ ...p, transaction: undefined })],
    ['signatures that are not a list', (p: FinalityProof) => ({ ...p, signatures: {} })],
    ['too many siblings', (p: FinalityProof) => ({ ...p, proof: { ...p.proof, siblings: Array(65).fill('00'.repeat(32)) } })],
  ])('refuses a proof with %s as malformed', (_why, mutate) => {
    expect(verifyFinalityProof(mutate(wire(buildProof(0))), trust)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('verifyFinalityProof: the caller trust', () => {
  const proof = buildProof(0);
  const smallOrderKey = base64UrlEncode(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)));

  it.each([
    ['a zero quorum', { ...trust, quorum: 0 }],
    ['a fractional quorum', { ...trust, quorum: 1.5 }],
    ['duplicate validator ids', { ...trust, validators: [...trust.validators, trust.validators[0]] }],
    ['a key that is not base64url', { ...trust, validators: [{ id: 'v0', publicKey: 'a+b/' }] }],
    ['a small-order key', { ...trust, validators: [{ id: 'v0', publicKey: smallOrderKey }] }],
  ])('reports %s as invalid_trust', (_why, badTrust) => {
    expect(verifyFinalityProof(proof, badTrust)).toEqual({ ok: false, reason: 'invalid_trust' });
  });
});

describe('portability', () => {
  /** Follows relative imports from the verifier and collects every module specifier it meets. */
  function importsOf(file: string, seen = new Set<string>()): Set<string> {
    const specifiers = new Set<string>();
    if (seen.has(file)) return specifiers;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^import[^;]*?from '([^']+)';/gms)) {
      if (specifier.startsWith('.')) importsOf(join(dirname(file), `${specifier}.ts`), seen).forEach((s) => specifiers.add(s));
      else specifiers.add(specifier);
    }
    return specifiers;
  }

  it('the verifier and everything it imports use no Node built-in, so it bundles for the browser', () => {
    const external = [...importsOf(join(__dirname, 'finality-proof.ts'))];
    expect(external.filter((s) => s.startsWith('node:') || ['crypto', 'buffer', 'fs'].includes(s))).toEqual([]);
    expect(external.sort()).toEqual(['@noble/curves/ed25519', '@noble/hashes/sha2', '@noble/hashes/utils', 'canonicalize', 'zod']);
  });
});
