import { randomUUID } from 'node:crypto';
import {
  BlockCutter,
  LedgerEntry,
  LedgerState,
  SealedBlock,
  base64UrlEncode,
  finalityNoticeSchema,
  generateEd25519KeyPair,
  genesisPrevHash,
  sha256Hex,
  signBlock,
  systemAccountSpecs,
  verifyFinalityProof,
} from '@nostro/shared-node';
import { FinalBlock, FinalityNotice, NOTICE_BYTES_MAX, REQUEST_BYTES_MAX, finalityNotices, noticeRecipients, produceRequests } from './finality-notice';

const validators = ['v0', 'v1', 'v2'].map((id) => ({ id, keys: generateEd25519KeyPair() }));
const trust = { validators: validators.map((v) => ({ id: v.id, publicKey: base64UrlEncode(v.keys.publicKey) })), quorum: 2 };

const open = (participant: string, cap = '0'): LedgerEntry => ({
  kind: 'config',
  id: randomUUID(),
  op: 'open_accounts',
  accounts: [{ account: `${participant}:USD`, netDebitCap: cap }],
});
const move = (from: string, to: string, amount: bigint, uetr?: string): LedgerEntry => ({
  kind: 'transfer',
  id: randomUUID(),
  ...(uetr ? { uetr } : {}),
  postings: [
    { account: `${from}:USD`, currency: 'USD', amount: (-amount).toString() },
    { account: `${to}:USD`, currency: 'USD', amount: amount.toString() },
  ],
});

/** One block cut from `entries` by the real cutter, and its finality as two of three validators sign it. */
function finalBlock(entries: LedgerEntry[]): { sealed: SealedBlock; final: FinalBlock } {
  const cutter = new BlockCutter(
    new LedgerState(),
    { nextHeight: 1, prevHash: genesisPrevHash('test'), nextOffset: 0n },
    { blockMaxTx: 20_000, isKnown: () => false },
  );
  entries.forEach((entry, i) => cutter.feed(entry, String(i), 1_700_000_000_000));
  const result = cutter.feed({ kind: 'cut', height: 1, validator: 'v0' }, String(entries.length), 1_700_000_000_000);
  if (result.kind !== 'sealed') throw new Error('block not sealed');
  const sealed = result.block;
  const signatures = validators.slice(0, 2).map((v) => ({ validator: v.id, signature: signBlock(sealed.hash, v.keys.seed) }));
  return { sealed, final: { block: { ...sealed.header, hash: sealed.hash }, signatures, quorum: 2, validator: 'v1' } };
}

/** The notices as a participant receives them: JSON text, checked against the message schema. */
const received = (records: FinalityNotice[]) =>
  records.map((r) => {
    const notice = finalityNoticeSchema.parse(JSON.parse(r.value));
    expect({ participant: notice.participant, part: notice.part, parts: notice.parts }).toEqual({ participant: r.participant, part: r.part, parts: r.parts });
    return notice;
  });

describe('finality notices of a final block', () => {
  const uetr = randomUUID();
  const entries = [
    { kind: 'config', id: 'bootstrap', op: 'open_accounts', accounts: systemAccountSpecs(['USD']) } as LedgerEntry,
    open('BANKAAAA'),
    open('BANKBBBB'),
    open('BANKCCCC'),
    move('EXTERNAL', 'BANKAAAA', 500n),
    move('BANKAAAA', 'BANKBBBB', 200n, uetr),
    move('BANKAAAA', 'BANKBBBB', 10_000n),
    move('BANKCCCC', 'FXDESK', 1n),
  ];
  const { sealed, final } = finalBlock(entries);
  const records = finalityNotices(final, sealed.leaves);
  const notices = received(records);
  const of = (participant: string) => notices.filter((n) => n.participant === participant);

  it('gives each participant one notice with exactly the transactions that touch its accounts', () => {
    expect(notices.map((n) => n.participant)).toEqual(['BANKAAAA', 'BANKBBBB', 'BANKCCCC', 'FXDESK']);
    const ids = (participant: string) => of(participant).flatMap((n) => n.transactions.map((t) => t.transaction.id));
    expect(ids('BANKAAAA')).toEqual([entries[1], entries[4], entries[5], entries[6]].map((e) => (e as { id: string }).id));
    expect(ids('BANKBBBB')).toEqual([entries[2], entries[5], entries[6]].map((e) => (e as { id: string }).id));
    expect(ids('BANKCCCC')).toEqual([entries[3], entries[7]].map((e) => (e as { id: string }).id));
    expect(ids('FXDESK')).toEqual(['bootstrap', (entries[7] as { id: string }).id]);
  });

  it('sends nothing to the bookkeeping accounts EXTERNAL and FEES, which are no correspondents', () => {
    for (const participant of ['EXTERNAL', 'FEES']) {
      expect(noticeRecipients(sealed.leaves).has(participant)).toBe(false);
      expect(of(participant)).toEqual([]);
    }
  });

  it('carries the header, the quorum signatures and the publishing validator', () => {
    for (const notice of notices) {
      expect(notice).toMatchObject({
        kind: 'finality.notice',
        validator: 'v1',
        block: final.block,
        signatures: final.signatures,
        quorum: 2,
        part: 1,
        parts: 1,
      });
    }
  });

  it('makes every transaction a finality proof the SDK verifier accepts, outcome included', () => {
    for (const notice of notices) {
      for (const { transaction, proof } of notice.transactions) {
        expect(verifyFinalityProof({ block: notice.block, signatures: notice.signatures, quorum: notice.quorum, transaction, proof }, trust)).toEqual({
          ok: true,
        });
      }
    }
    const payment = of('BANKBBBB')[0].transactions.find((t) => t.transaction.uetr === uetr);
    expect(payment?.transaction.outcome).toEqual({ status: 'accepted' });
    const overdraft = of('BANKBBBB')[0].transactions.find((t) => t.transaction.id === (entries[6] as { id: string }).id);
    expect(overdraft?.transaction.outcome).toEqual({ status: 'rejected', reason: 'insufficient_funds' });
  });

  it('publishes the proofs of an escrow’s reservation and fulfilment, condition and preimage included, and none to ESCROW', () => {
    const secret = new Uint8Array(32).fill(7);
    const pay = randomUUID();
    const p = (account: string, amount: bigint) => ({ account, currency: 'USD', amount: amount.toString() });
    const escrowEntries: LedgerEntry[] = [
      { kind: 'config', id: 'bootstrap', op: 'open_accounts', accounts: systemAccountSpecs(['USD']) },
      open('BANKAAAA'),
      open('BANKBBBB'),
      move('EXTERNAL', 'BANKAAAA', 500n),
      {
        kind: 'transfer',
        id: pay,
        uetr: pay,
        postings: [p('BANKAAAA:USD', -300n), p('ESCROW:USD', 300n)],
        condition: {
          hash: sha256Hex(secret),
          expiresAt: 1_800_000_000_000,
          fulfil: [p('ESCROW:USD', -300n), p('BANKBBBB:USD', 300n)],
          refund: [p('ESCROW:USD', -300n), p('BANKAAAA:USD', 300n)],
        },
      },
      { kind: 'fulfil', id: randomUUID(), txId: pay, preimage: base64UrlEncode(secret) },
    ];
    const block = finalBlock(escrowEntries);
    const escrowNotices = received(finalityNotices(block.final, block.sealed.leaves));
    expect(escrowNotices.map((n) => n.participant)).toEqual(['BANKAAAA', 'BANKBBBB', 'FXDESK']);
    const forB = escrowNotices.find((n) => n.participant === 'BANKBBBB');
    expect(forB?.transactions.map((t) => t.transaction.escrow?.step ?? (t.transaction.condition ? 'reserve' : 'open'))).toEqual(['open', 'fulfil']);
    for (const notice of escrowNotices) {
      for (const { transaction, proof } of notice.transactions) {
        expect(verifyFinalityProof({ block: notice.block, signatures: notice.signatures, quorum: notice.quorum, transaction, proof }, trust)).toEqual({
          ok: true,
        });
      }
    }
    // The leaves as the validator stores and reads them back (JSON) make the same notices.
    const stored = JSON.parse(JSON.stringify(block.sealed.leaves)) as typeof block.sealed.leaves;
    expect(finalityNotices(block.final, stored).map((n) => n.value)).toEqual(finalityNotices(block.final, block.sealed.leaves).map((n) => n.value));
  });

  it('cannot be edited into showing a rejected transaction as accepted', () => {
    const notice = of('BANKAAAA')[0];
    const entry = notice.transactions.find((t) => t.transaction.outcome.status === 'rejected');
    if (!entry) throw new Error('no rejected transaction');
    const forged = { ...entry.transaction, outcome: { status: 'accepted' } };
    expect(verifyFinalityProof({ ...notice, transaction: forged, proof: entry.proof }, trust)).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
  });

  it('is the same on every validator except for the publisher field', () => {
    const again = received(finalityNotices({ ...final, validator: 'v2' }, JSON.parse(JSON.stringify(sealed.leaves))));
    expect(again.map((n) => ({ ...n, validator: 'v1' }))).toEqual(notices);
  });

  it('splits a participant with many transactions in a block into parts under the size bound', () => {
    const many = [open('BANKAAAA', '1000000000'), open('BANKBBBB'), ...Array.from({ length: 1_500 }, () => move('BANKAAAA', 'BANKBBBB', 1n, randomUUID()))];
    const big = finalBlock([{ kind: 'config', id: 'bootstrap', op: 'open_accounts', accounts: systemAccountSpecs(['USD']) } as LedgerEntry, ...many]);
    const bigRecords = finalityNotices(big.final, big.sealed.leaves).filter((n) => n.participant === 'BANKBBBB');
    const parts = received(bigRecords);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((n) => n.part)).toEqual(parts.map((_, i) => i + 1));
    for (const n of parts) expect(n.parts).toBe(parts.length);
    for (const r of bigRecords) expect(Buffer.byteLength(r.value)).toBeLessThan(NOTICE_BYTES_MAX + 4 * 1024);
    expect(parts.flatMap((n) => n.transactions).length).toBe(1_501);
    const last = parts[parts.length - 1];
    const entry = last.transactions[last.transactions.length - 1];
    expect(verifyFinalityProof({ ...last, ...entry }, trust)).toEqual({ ok: true });
  });

  it('refuses to build proofs from leaves that do not hash to the block root', () => {
    const tampered = JSON.parse(JSON.stringify(sealed.leaves));
    tampered[6].outcome = { status: 'accepted' };
    expect(() => finalityNotices(final, tampered)).toThrow(/Merkle root/);
  });
});

describe('produce requests for the notices of a block', () => {
  const record = (topic: string, part: number, bytes: number) => ({ topic, part, value: 'x'.repeat(bytes) });

  it('sends one notice per topic per request, parts in order, each request under the byte bound', () => {
    const records = [
      record('A', 1, 500_000),
      record('A', 2, 500_000),
      record('A', 3, 10),
      record('B', 1, 10),
      ...Array.from({ length: 20 }, (_, i) => record(`C${i}`, 1, 400_000)),
    ];
    const requests = produceRequests(records);
    for (const request of requests) {
      expect(new Set(request.map((r) => r.topic)).size).toBe(request.length);
      expect(request.reduce((sum, r) => sum + r.value.length, 0)).toBeLessThanOrEqual(REQUEST_BYTES_MAX);
    }
    const partsOfA = requests.flatMap((request, i) => request.filter((r) => r.topic === 'A').map((r) => ({ i, part: r.part })));
    expect(partsOfA.map((p) => p.part)).toEqual([1, 2, 3]);
    expect(new Set(partsOfA.map((p) => p.i)).size).toBe(3);
    expect(requests.flat()).toHaveLength(records.length);
  });

  it('sends nothing for a block that concerns nobody', () => {
    expect(produceRequests([])).toEqual([]);
  });
});
