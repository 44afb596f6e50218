import { FinalityProof, LedgerTransfer, base64UrlEncode, expiryId, sha256Hex, verifyFinalityProof } from '@nostro/shared';
import { randomBytes, randomUUID } from 'node:crypto';
import { cluster, eventually } from '../support/cluster';
import {
  VALIDATORS,
  balances,
  chain,
  closeProducer,
  deposit,
  httpJson,
  openAccounts,
  produce,
  recorded,
  runCli,
  stackCtl,
  untilFinalEverywhere,
  validatorKeys,
  withLedgerDb,
} from './support/ledger';

/**
 * Hash-locked escrow on the three validators of the test cluster (docs/ledger.md, "Escrow"), fed through the ordered
 * stream: reservation, fulfilment and expiry are each a ledger transaction with a finality proof.
 */
const validatorUrl = (i: number) => `http://127.0.0.1:${cluster().ports[VALIDATORS[i]]}`;
const trust = () => ({ validators: VALIDATORS.map((v) => ({ id: v, publicKey: cluster().keys[v].publicKey })), quorum: 2 });
const ESCROW = {
  kind: 'config' as const,
  id: `escrow-accounts-${randomUUID()}`,
  op: 'open_accounts' as const,
  accounts: [{ account: 'ESCROW:USD', netDebitCap: '0' }],
};

afterAll(async () => {
  await closeProducer();
  await stackCtl('up');
}, 180_000);

async function proof(i: number, id: string): Promise<FinalityProof> {
  const { body } = await eventually(
    () => httpJson<FinalityProof>(`${validatorUrl(i)}/v1/ledger/transactions/${id}/finality`),
    (r) => r.status === 200,
  );
  return body;
}

/** A conditional transfer of `amount` from `from` to `to`, through ESCROW:USD, locked by a fresh secret. */
function conditional(from: string, to: string, amount: bigint, expiresAt: number): { tx: LedgerTransfer; preimage: string } {
  const secret = randomBytes(32);
  const id = randomUUID();
  const p = (account: string, a: bigint) => ({ account, currency: 'USD', amount: a.toString() });
  return {
    preimage: base64UrlEncode(secret),
    tx: {
      kind: 'transfer',
      id,
      uetr: id,
      postings: [p(from, -amount), p('ESCROW:USD', amount)],
      condition: { hash: sha256Hex(secret), expiresAt, fulfil: [p('ESCROW:USD', -amount), p(to, amount)], refund: [p('ESCROW:USD', -amount), p(from, amount)] },
    },
  };
}

const escrowRows = (i: number) =>
  withLedgerDb(i, async (db) => (await db.query<{ tx_id: string }>('SELECT tx_id FROM escrows ORDER BY tx_id')).rows.map((r) => r.tx_id));

describe('hash-locked escrow on three validators', () => {
  it('reserves, refuses a wrong preimage, and pays out on the right one, each step final with a proof that verifies', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([ESCROW, a.entry, b.entry, deposit(a.account(), 1_000n)]);
    const { tx, preimage } = conditional(a.account(), b.account(), 700n, Date.now() + 10 * 60_000);
    await produce([tx]);
    const [reserved] = await untilFinalEverywhere([tx.id]);
    expect(reserved[0]).toMatchObject({ status: 'accepted' });
    for (const i of [0, 1, 2]) expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 300n, [b.account()]: 0n });
    const reservation = await proof(0, tx.id);
    expect(verifyFinalityProof(reservation, trust())).toEqual({ ok: true });
    expect(reservation.transaction).toMatchObject({ condition: { hash: tx.condition?.hash } });

    const wrong = { kind: 'fulfil' as const, id: randomUUID(), txId: tx.id, preimage: base64UrlEncode(randomBytes(32)) };
    const right = { kind: 'fulfil' as const, id: randomUUID(), txId: tx.id, preimage };
    await produce([wrong]);
    const [refused] = await untilFinalEverywhere([wrong.id]);
    expect(refused[0]).toMatchObject({ status: 'rejected', reason: 'condition_not_met' });
    expect(await balances(1, [b.account()])).toEqual({ [b.account()]: 0n });
    await produce([right]);
    await untilFinalEverywhere([right.id]);
    for (const i of [0, 1, 2]) {
      expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 300n, [b.account()]: 700n });
      expect(await escrowRows(i)).not.toContain(tx.id);
    }
    const fulfilment = await proof(2, right.id);
    expect(verifyFinalityProof(fulfilment, trust())).toEqual({ ok: true });
    // The proof carries the preimage: anyone can check it opens the reservation's hash-lock.
    expect(fulfilment.transaction).toMatchObject({ escrow: { of: tx.id, step: 'fulfil', preimage } });
  });

  it('gives an unfulfilled escrow back at its expiry with no other traffic, under a proof of its own', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([ESCROW, a.entry, b.entry, deposit(a.account(), 500n)]);
    const { tx } = conditional(a.account(), b.account(), 400n, Date.now() + 3_000);
    await produce([tx]);
    await untilFinalEverywhere([tx.id]);
    const refundId = expiryId(tx.id);
    const started = Date.now();
    const [expired] = await untilFinalEverywhere([refundId], [0, 1, 2], 30_000);
    expect(expired[0]).toMatchObject({ status: 'accepted' });
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const i of [0, 1, 2]) expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 500n, [b.account()]: 0n });
    expect(verifyFinalityProof(await proof(0, refundId), trust())).toEqual({ ok: true });
  });

  it('keeps a validator killed between reservation and fulfilment on the same chain and escrows, and the chain audits clean', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([ESCROW, a.entry, b.entry, deposit(a.account(), 900n)]);
    const first = conditional(a.account(), b.account(), 300n, Date.now() + 10 * 60_000);
    const second = conditional(a.account(), b.account(), 200n, Date.now() + 10 * 60_000);
    await produce([first.tx, second.tx]);
    await untilFinalEverywhere([first.tx.id, second.tx.id]);

    expect(await stackCtl('kill', 'ledger-node-v1', 'SIGKILL')).toBe('true');
    const fulfil = { kind: 'fulfil' as const, id: randomUUID(), txId: first.tx.id, preimage: first.preimage };
    await produce([fulfil]);
    await untilFinalEverywhere([fulfil.id], [0, 2]);
    await stackCtl('up');
    await untilFinalEverywhere([fulfil.id], [0, 1, 2], 120_000);
    const [c0, c1] = await Promise.all([chain(0), chain(1)]);
    const common = Math.min(c0.length, c1.length);
    expect(c1.slice(0, common)).toEqual(c0.slice(0, common));
    expect(await escrowRows(1)).toEqual(await escrowRows(0));
    expect(await escrowRows(1)).toContain(second.tx.id);

    // The restarted validator pays out the second escrow like the others.
    const again = { kind: 'fulfil' as const, id: randomUUID(), txId: second.tx.id, preimage: second.preimage };
    await produce([again]);
    await untilFinalEverywhere([again.id]);
    for (const i of [0, 1, 2]) expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 400n, [b.account()]: 500n });
    expect((await recorded(1, [again.id]))[0]).toMatchObject({ status: 'accepted' });

    const audit = runCli(['verify', '--database', `postgres://root@127.0.0.1:5432/${cluster().dbPrefix}_ledger_1`, '--keys', validatorKeys(), '--quorum', '2']);
    expect(audit.stderr).toBe('');
    expect(audit.status).toBe(0);
  });
});
