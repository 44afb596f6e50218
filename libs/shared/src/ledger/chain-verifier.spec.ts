import { BlockHeader, blockHash, genesisPrevHash, signBlock } from '../chain/block-header';
import { canonicalJson } from '../chain/canonical-json';
import { merkleRoot } from '../chain/merkle';
import { base64UrlEncode } from '../crypto/base64';
import { generateEd25519KeyPairPortable as generateEd25519KeyPair } from '../crypto/ed25519-strict';
import { LedgerEntry } from '../messages/schemas';
import { BlockCutter, SealedBlock } from './block-cutter';
import { ChainBlock, ChainIssueCode, ChainVerifier, compareBalances } from './chain-verifier';
import { LedgerState } from './ledger-state';

const NETWORK = 'verifier-test';
const keys = ['v0', 'v1', 'v2'].map((validator) => ({ validator, ...generateEd25519KeyPair() }));
const trust = { validators: keys.map((k) => ({ id: k.validator, publicKey: base64UrlEncode(k.publicKey) })), quorum: 2 };
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const entries: LedgerEntry[] = [
  {
    kind: 'config',
    id: 'open',
    op: 'open_accounts',
    accounts: [
      { account: 'EXTERNAL:USD', netDebitCap: null },
      { account: 'BANKUS33:USD', netDebitCap: '0' },
      { account: 'BANKGB22:USD', netDebitCap: '0' },
    ],
  },
  {
    kind: 'transfer',
    id: id(1),
    postings: [
      { account: 'EXTERNAL:USD', currency: 'USD', amount: '-500' },
      { account: 'BANKUS33:USD', currency: 'USD', amount: '500' },
    ],
  },
  { kind: 'cut', height: 1, validator: 'v0' },
  {
    kind: 'transfer',
    id: id(2),
    uetr: id(20),
    postings: [
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-900' },
      { account: 'BANKGB22:USD', currency: 'USD', amount: '900' },
    ],
  },
  {
    kind: 'transfer',
    id: id(3),
    uetr: id(30),
    postings: [
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-200' },
      { account: 'BANKGB22:USD', currency: 'USD', amount: '200' },
    ],
  },
  { kind: 'cut', height: 2, validator: 'v1' },
  { kind: 'config', id: 'limit', op: 'set_limits', accounts: [{ account: 'BANKUS33:USD', netDebitCap: '1000' }] },
  {
    kind: 'transfer',
    id: id(4),
    uetr: id(40),
    postings: [
      { account: 'BANKUS33:USD', currency: 'USD', amount: '-900' },
      { account: 'BANKGB22:USD', currency: 'USD', amount: '900' },
    ],
  },
  { kind: 'cut', height: 3, validator: 'v2' },
];

function sealedChain(): SealedBlock[] {
  const cutter = new BlockCutter(
    new LedgerState(),
    { nextHeight: 1, prevHash: genesisPrevHash(NETWORK), nextOffset: 0n },
    { blockMaxTx: 100, isKnown: () => false },
  );
  const blocks: SealedBlock[] = [];
  entries.forEach((entry, offset) => {
    const result = cutter.feed(entry, String(offset), 1_700_000_000_000 + offset);
    if (result.kind === 'sealed') blocks.push(result.block);
  });
  return blocks;
}

const sign = (hash: string, signers = keys.slice(0, 2)) => signers.map((k) => ({ validator: k.validator, signature: signBlock(hash, k.seed) }));

function chain(): ChainBlock[] {
  return sealedChain().map((b) => ({ header: b.header, hash: b.hash, leaves: b.leafTexts.map((t) => JSON.parse(t)), signatures: sign(b.hash) }));
}

/** Re-seals a block after its leaves were edited: new Merkle root and hash, re-signed (a colluding quorum). */
function reseal(block: ChainBlock, prevHash = block.header.prevHash): ChainBlock {
  const header: BlockHeader = { ...block.header, prevHash, merkleRoot: merkleRoot(block.leaves.map((l) => new TextEncoder().encode(canonicalJson(l)))) };
  const hash = blockHash(header);
  return { ...block, header, hash, signatures: sign(hash) };
}

function verify(blocks: ChainBlock[], options: { requireFinal?: boolean } = {}) {
  const verifier = new ChainVerifier({ networkId: NETWORK, trust, ...options });
  blocks.forEach((b) => verifier.add(b));
  return { report: verifier.finish(), state: verifier.replayedState() };
}

const codes = (blocks: ChainBlock[]): ChainIssueCode[] => [...new Set(verify(blocks).report.issues.map((i) => i.code))];

describe('ChainVerifier', () => {
  it('accepts an honest chain and replays its balances', () => {
    const { report, state } = verify(chain());
    expect(report).toMatchObject({ ok: true, blocks: 3, transactions: 6, accepted: 5, rejected: 1, finalBlocks: 3, tipHeight: 3, issues: [] });
    expect(state.account('BANKUS33:USD')?.balance).toBe(-600n);
    expect(state.account('BANKGB22:USD')?.balance).toBe(1100n);
  });

  it('catches a leaf edited after the fact (Merkle root)', () => {
    const blocks = chain();
    (blocks[1].leaves[1] as { postings: { amount: string }[] }).postings[1].amount = '201';
    expect(codes(blocks)).toContain('merkle_root_mismatch');
  });

  it('catches a rejected transaction passed off as accepted, even when a quorum re-signed the edited block', () => {
    const blocks = chain();
    expect(blocks[1].leaves[0]).toMatchObject({ id: id(2), outcome: { status: 'rejected', reason: 'insufficient_funds' } });
    (blocks[1].leaves[0] as { outcome: unknown }).outcome = { status: 'accepted' };
    blocks[1] = reseal(blocks[1]);
    blocks[2] = reseal(blocks[2], blocks[1].hash);
    const found = codes(blocks);
    expect(found).toContain('outcome_mismatch');
    expect(found).not.toContain('merkle_root_mismatch');
  });

  it('catches an edited header, a broken link and a missing block', () => {
    const edited = chain();
    edited[0].header.timestamp += 1;
    expect(codes(edited)).toEqual(['block_hash_mismatch']);
    const unlinked = chain();
    expect(codes([unlinked[0], unlinked[2]])).toEqual(expect.arrayContaining(['height_gap', 'prev_hash_mismatch']));
  });

  it('catches a state digest that does not match the replayed balances', () => {
    const blocks = chain();
    blocks[0].header.stateDigest = 'ab'.repeat(32);
    blocks[0].hash = blockHash(blocks[0].header);
    blocks[0].signatures = sign(blocks[0].hash);
    blocks[1] = reseal(blocks[1], blocks[0].hash);
    blocks[2] = reseal(blocks[2], blocks[1].hash);
    expect(codes(blocks)).toEqual(['state_digest_mismatch']);
  });

  it('needs a quorum of distinct trusted validators; a repeated, foreign or forged signature does not count', () => {
    const blocks = chain();
    blocks[0].signatures = [...sign(blocks[0].hash, keys.slice(0, 1)), ...sign(blocks[0].hash, keys.slice(0, 1))];
    const outsider = generateEd25519KeyPair();
    blocks[1].signatures = [...sign(blocks[1].hash, keys.slice(0, 1)), { validator: 'v9', signature: signBlock(blocks[1].hash, outsider.seed) }];
    blocks[2].signatures = [...sign(blocks[2].hash, keys.slice(0, 1)), { validator: 'v1', signature: signBlock(blocks[2].hash, outsider.seed) }];
    const { report } = verify(blocks);
    expect(report.issues.filter((i) => i.code === 'quorum_not_reached').map((i) => i.height)).toEqual([1, 2, 3]);
    expect(report.issues.filter((i) => i.code === 'signature_invalid')).toEqual([
      { height: 3, code: 'signature_invalid', detail: 'signature of v1 does not verify against its key' },
    ]);
    expect(report.finalBlocks).toBe(0);
  });

  it('reports blocks without finality only when asked to require it', () => {
    const blocks = chain();
    blocks[2].signatures = null;
    expect(verify(blocks).report.ok).toBe(true);
    expect(verify(blocks, { requireFinal: true }).report.issues).toEqual([{ height: 3, code: 'not_final', detail: 'no quorum-signed finality record' }]);
  });

  it('catches a transaction recorded twice', () => {
    const blocks = chain();
    blocks[2].leaves.push(blocks[0].leaves[1]);
    blocks[2].header.txCount += 1;
    blocks[2] = reseal(blocks[2]);
    expect(codes(blocks)).toEqual(expect.arrayContaining(['duplicate_transaction']));
  });

  it('compares stored balances with the replayed ones', () => {
    const { state } = verify(chain());
    const stored = state.allAccounts().map((a) => ({ ...a }));
    expect(compareBalances(state.allAccounts(), stored)).toEqual([]);
    stored[1].balance += 1n;
    expect(compareBalances(state.allAccounts(), stored)).toEqual([expect.stringContaining(stored[1].id)]);
  });
});
