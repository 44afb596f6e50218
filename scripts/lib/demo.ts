// The demo behind `npm run demo` (scripts/demo.mjs installs what is missing, then runs this through tsx): starts
// the whole cluster, registers two demo banks, funds them, sends a few payments through the signed bank API,
// prints their final statuses with verified finality proofs, and leaves the cluster running until Ctrl-C.
import type * as Sdk from '@nostro/client';
import fs from 'node:fs';
import path from 'node:path';
import { ensureKey } from './keys';
import { REPO_ROOT as root, fromDist } from './repo';
import { dualControl, stackDown, stackProfile, stackUp, type Secrets, type StackProfile } from './stack';

const BANKS = [
  { id: 'BANKUS33', name: 'Demo Bank US', currencies: ['USD'], deposit: { currency: 'USD', amount: '25000.00' } },
  { id: 'BANKDE55', name: 'Demo Bank DE', currencies: ['EUR'], deposit: { currency: 'EUR', amount: '5000.00' } },
] as const;
type BankId = (typeof BANKS)[number]['id'];
const FINAL_WAIT_MS = 60_000;

/** A field of a JSON object the API types leave open (`block` of a deposit, `outcome` of a proven transaction). */
function fieldOf(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
}

/**
 * The operator API as the demo uses it: the first admin asks; with DUAL_CONTROL=on its deposits and keys are held
 * (202 PENDING_APPROVAL) and the second admin (.nostro/admin2-token) approves them, four eyes as in production.
 */
interface Operators {
  admin: Sdk.NostroAdminClient;
  /** The approving admin, when the stack runs with DUAL_CONTROL=on. */
  second: Sdk.NostroAdminClient | null;
  sdk: typeof Sdk;
}

/** The call's own answer: a held call is approved by the second admin first, and the demo says so. */
async function taken<T>(ops: Operators, answer: T): Promise<T> {
  if (!ops.sdk.isPendingApproval(answer)) return answer;
  if (!ops.second) throw new Error(`demo: ${answer.action} is held for a second admin, but this stack has none (start it with DUAL_CONTROL=on)`);
  console.log(`  ${answer.action} held for a second admin (request ${answer.requestId}): approved by second-admin`);
  return ops.second.approveRequest<T>(answer.requestId);
}

/**
 * The id under which this checkout's demo key signs for a bank registered earlier. The cluster's databases outlive a
 * checkout (another clone, a deleted .nostro/), so the bank may hold another key: this one is then added beside it.
 */
async function demoKeyOf(ops: Operators, participant: string, publicKey: string): Promise<string> {
  const { data } = await ops.admin.listKeys(participant);
  const mine = data.find((k) => k.publicKey === publicKey && k.revokedAt === null);
  if (mine) return mine.keyId;
  const keyId = `${participant}-demo-${publicKey.slice(0, 8)}`;
  await taken(ops, await ops.admin.addKey(participant, { keyId, publicKey }));
  return keyId;
}

/** Registers (once) and funds the demo banks and the FX desk; answers each bank's signed client. */
async function registerBanks(ops: Operators, profile: StackProfile, baseUrl: string): Promise<Record<BankId, Sdk.NostroClient>> {
  const { sdk, admin } = ops;
  console.log('\n== Registering and funding the demo banks');
  const clients: Partial<Record<BankId, Sdk.NostroClient>> = {};
  for (const bank of BANKS) {
    const key = ensureKey(path.join(profile.stateDir, 'demo'), bank.id);
    let keyId: string = bank.id;
    try {
      await admin.createParticipant({ id: bank.id, name: bank.name, currencies: [...bank.currencies], publicKey: key.publicKey });
      console.log(`  registered ${bank.id} (${bank.currencies.join(', ')})`);
    } catch (error) {
      if (!(error instanceof sdk.NostroApiError && error.code === 'participant_exists')) throw error;
      keyId = await demoKeyOf(ops, bank.id, key.publicKey);
      console.log(`  ${bank.id} already registered (signing with its key ${keyId})`);
    }
    const funded = await taken(ops, await admin.deposit(bank.id, { ...bank.deposit, reference: `demo funding ${new Date().toISOString()}` }));
    console.log(
      `  deposited ${bank.deposit.amount} ${bank.deposit.currency} into ${bank.id}: balance ${funded.balance} (block ${fieldOf(funded.block, 'height')})`,
    );
    clients[bank.id] = new sdk.NostroClient({ baseUrl, participantId: bank.id, keyId, seed: fs.readFileSync(key.file, 'utf8') });
  }
  const desk = await taken(ops, await admin.deposit('FXDESK', { currency: 'EUR', amount: '1000000.00', reference: 'demo FX liquidity' }));
  console.log(`  deposited 1000000.00 EUR of FX liquidity into FXDESK: balance ${desk.balance}`);
  const { BANKUS33, BANKDE55 } = clients;
  if (!BANKUS33 || !BANKDE55) throw new Error('demo: a bank was not registered');
  return { BANKUS33, BANKDE55 };
}

interface Sent {
  label: string;
  uetr: string;
}

/** Three payments from BANKUS33 to BANKDE55: by send amount, by receive amount, and one it cannot fund. */
async function sendPayments(us: Sdk.NostroClient): Promise<Sent[]> {
  console.log('\n== Sending payments from BANKUS33 to BANKDE55');
  const requests: { label: string; quote: Sdk.CreateQuoteRequest }[] = [
    { label: 'send 1000.00 USD', quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1000.00', creditorParticipant: 'BANKDE55' } },
    { label: 'deliver 250.00 EUR', quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', receiveAmount: '250.00', creditorParticipant: 'BANKDE55' } },
    {
      label: 'send 90000.00 USD (more than funded)',
      quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '90000.00', creditorParticipant: 'BANKDE55' },
    },
  ];
  const sent: Sent[] = [];
  for (const [i, r] of requests.entries()) {
    const quote = await us.createQuote(r.quote);
    console.log(
      `  quote ${quote.id}: ${quote.sendAmount} ${quote.sourceCurrency} → ${quote.receiveAmount} ${quote.targetCurrency} at ${quote.rate} (mid ${quote.midRate}, markup ${quote.markupBps} bps, fees ${quote.fees.map((f) => `${f.amount} ${f.currency}`).join(' + ') || 'none'}, total debit ${quote.totalDebit})`,
    );
    const payment = await us.createPayment({
      quoteId: quote.id,
      endToEndId: `DEMO-${Date.now()}-${i}`,
      debtor: { name: 'Alice Example', account: 'US12 3456 7890' },
      creditor: { name: 'Bernd Beispiel', account: 'DE89370400440532013000' },
      remittanceInfo: r.label,
    });
    sent.push({ label: r.label, uetr: payment.uetr });
    console.log(`  ${r.label}: accepted ${payment.uetr} (${payment.status})`);
  }
  return sent;
}

/** Each payment's final status, timeline, block and whether its finality proof verifies offline; then balances. */
async function printOutcomes(sdk: typeof Sdk, clients: Record<BankId, Sdk.NostroClient>, sent: readonly Sent[]): Promise<void> {
  console.log('\n== Final statuses');
  const us = clients.BANKUS33;
  const keys = await us.getKeys();
  for (const s of sent) {
    const payment = await waitFinal(us, s.uetr);
    const timeline = payment.timeline.map((t) => `${t.status}@${t.at.slice(11, 23)}`).join(' → ');
    let proof = '';
    if (payment.block) {
      const finality = await us.getFinality(s.uetr);
      const verdict = sdk.verifyFinalityProof(finality, { validators: keys.validators, quorum: keys.quorum });
      proof = ` · block ${payment.block.height} · proof ${verdict.ok ? `verified offline (${fieldOf(fieldOf(finality.transaction, 'outcome'), 'status')})` : `NOT verified: ${verdict.reason}`}`;
    }
    console.log(`  ${s.label}: ${payment.status}${payment.reason ? ` (${payment.reason})` : ''}\n      ${timeline}${proof}`);
  }
  for (const bank of BANKS) {
    const accounts = await clients[bank.id].getAccounts();
    console.log(`  ${bank.id} balances: ${accounts.data.map((a) => `${a.balance} ${a.currency}`).join(', ')}`);
  }
}

/** Starts the cluster and runs the demo; without `exit`, keeps the cluster until Ctrl-C and then stops it. */
export async function runDemo({ exit }: { exit: boolean }): Promise<void> {
  const profile = stackProfile('dev');
  const { secrets } = await stackUp(profile);
  const sdk = fromDist<typeof Sdk>('dist/libs/client/src/index.js', 'demo');
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const ops: Operators = {
    sdk,
    admin: new sdk.NostroAdminClient({ baseUrl, token: secrets.adminToken }),
    second: dualControl() && secrets.secondAdminToken ? new sdk.NostroAdminClient({ baseUrl, token: secrets.secondAdminToken }) : null,
  };
  const clients = await registerBanks(ops, profile, baseUrl);
  const sent = await sendPayments(clients.BANKUS33);
  await printOutcomes(sdk, clients, sent);

  console.log(`\n== Where to look
  gateway        ${baseUrl}   (keys: ${baseUrl}/v1/keys, health: ${baseUrl}/health/ready, metrics: ${baseUrl}/metrics)
  validators     ${(['v0', 'v1', 'v2'] as const).map((v) => `http://127.0.0.1:${profile.ports[v]}/v1/ledger/status`).join('  ')}
  admin token    ${path.relative(root, secrets.tokenFile)}${adminTokens(ops, secrets)}
  demo bank keys ${path.relative(root, path.join(profile.stateDir, 'demo'))}/
  logs           ${path.relative(root, path.join(profile.stateDir, 'logs'))}/   (JSON, one line per event, with correlation ids)
  stop           npm run stack:down`);
  if (exit) return;
  console.log('\nThe cluster keeps running; press Ctrl-C to stop it.');
  await new Promise((resolve) => process.once('SIGINT', resolve));
  console.log('\nstopping…');
  await stackDown(profile);
}

/** With DUAL_CONTROL=on: where the approving admin's token is. */
function adminTokens(ops: Operators, secrets: Secrets): string {
  return ops.second ? `   (DUAL_CONTROL=on; the second admin, which approves: ${path.relative(root, secrets.secondTokenFile)})` : '';
}

async function waitFinal(client: Sdk.NostroClient, uetr: string): Promise<Sdk.Payment> {
  const deadline = Date.now() + FINAL_WAIT_MS;
  for (;;) {
    const payment = await client.getPayment(uetr);
    if (payment.status === 'SETTLED' || payment.status === 'REJECTED' || Date.now() > deadline) return payment;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
