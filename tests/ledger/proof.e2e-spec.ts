import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FinalityProof, canonicalJson, merkleLeafHash, verifyFinalityProof } from '@nostro/shared';
import { cluster } from '../support/cluster';
import { VALIDATORS, closeProducer, deposit, httpJson, openAccounts, produce, runCli, transfer, untilFinalEverywhere, validatorKeys } from './support/ledger';

/**
 * A correspondent's view: a finality proof fetched from any validator verifies offline with nothing but the
 * validators' public keys and the quorum, and it carries the transaction's outcome, so a rejected transaction can
 * never be passed off as settled.
 */
const leafHashOf = (transaction: unknown) => Buffer.from(merkleLeafHash(new TextEncoder().encode(canonicalJson(transaction)))).toString('hex');
const trust = () => ({ validators: VALIDATORS.map((id) => ({ id, publicKey: cluster().keys[id].publicKey })), quorum: 2 });
const proofOf = (validator: string, id: string) =>
  httpJson<FinalityProof>(`http://127.0.0.1:${cluster().ports[validator]}/v1/ledger/transactions/${id}/finality`);

let accepted: ReturnType<typeof transfer>;
let rejected: ReturnType<typeof transfer>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-proof-'));

beforeAll(async () => {
  const debtor = openAccounts();
  const creditor = openAccounts();
  accepted = transfer(debtor.account(), creditor.account(), 60n, { uetr: randomUUID() });
  rejected = transfer(debtor.account(), creditor.account(), 500n, { uetr: randomUUID() });
  await produce([debtor.entry, creditor.entry, deposit(debtor.account(), 100n), accepted, rejected]);
  await untilFinalEverywhere([accepted.id, rejected.id]);
}, 120_000);

afterAll(async () => {
  await closeProducer();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a finality proof', () => {
  it('verifies offline with only the public keys, for an accepted transaction found by its uetr', async () => {
    const { status, body } = await proofOf('v0', accepted.uetr as string);
    expect(status).toBe(200);
    expect(verifyFinalityProof(body, trust())).toEqual({ ok: true });
    expect(body.transaction).toMatchObject({ id: accepted.id, uetr: accepted.uetr, outcome: { status: 'accepted' }, postings: accepted.postings });
    expect(body.proof.leafHash).toBe(leafHashOf(body.transaction));
    // Every validator serves the same final block.
    const other = await proofOf('v2', accepted.id);
    expect(other.body.block).toEqual(body.block);
  });

  it('shows a rejected transaction as rejected, with its reason, and cannot be edited into an accepted one', async () => {
    const { body } = await proofOf('v1', rejected.id);
    expect(verifyFinalityProof(body, trust())).toEqual({ ok: true });
    expect(body.transaction).toMatchObject({ id: rejected.id, outcome: { status: 'rejected', reason: 'insufficient_funds' } });

    const forged = JSON.parse(JSON.stringify(body)) as FinalityProof;
    (forged.transaction as { outcome: unknown }).outcome = { status: 'accepted' };
    expect(verifyFinalityProof(forged, trust())).toEqual({ ok: false, reason: 'leaf_hash_mismatch' });
    forged.proof.leafHash = leafHashOf(forged.transaction);
    expect(verifyFinalityProof(forged, trust())).toEqual({ ok: false, reason: 'inclusion_invalid' });

    const oneSigner = { ...body, signatures: body.signatures.slice(0, 1) };
    expect(verifyFinalityProof(oneSigner, trust())).toEqual({ ok: false, reason: 'quorum_not_reached' });
  });

  it('verifies with the nostro-ledger CLI, printing the outcome, and refuses a forged one', async () => {
    const { body } = await proofOf('v0', rejected.id);
    const file = path.join(tmp, 'rejected.json');
    fs.writeFileSync(file, JSON.stringify(body));
    const ok = runCli(['verify-proof', '--proof', file, '--keys', validatorKeys(), '--quorum', '2']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`VALID proof: transaction ${rejected.id}`);
    expect(ok.stdout).toContain('outcome: rejected (insufficient_funds)');

    const forged = JSON.parse(JSON.stringify(body)) as FinalityProof;
    (forged.transaction as { outcome: unknown }).outcome = { status: 'accepted' };
    fs.writeFileSync(file, JSON.stringify(forged));
    const refused = runCli(['verify-proof', '--proof', file, '--keys', validatorKeys(), '--json']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, failure: 'leaf_hash_mismatch' });

    const usage = runCli(['verify-proof', '--proof', file]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--keys');
  });
});
