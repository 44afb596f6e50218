#!/usr/bin/env node
// npm run demo: installs what is missing, starts the whole cluster, registers two demo banks, funds them, sends
// a few payments through the signed bank API, prints their final statuses with verified finality proofs, and
// leaves the cluster running until Ctrl-C (`--exit` returns at once and leaves it running).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkJava, ensureNodeModules } from './lib/bootstrap.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: npm run demo [-- --exit]

Starts the cluster (npm run stack:up), registers BANKUS33 (USD) and BANKDE55 (EUR), funds them and the FX desk,
sends payments (one fails for insufficient funds on purpose), prints each final status, timeline, block and
whether its finality proof verifies offline. Ctrl-C stops the cluster; --exit leaves it running and returns.`);
  process.exit(0);
}

const BANKS = [
  { id: 'BANKUS33', name: 'Demo Bank US', currencies: ['USD'], deposit: { currency: 'USD', amount: '25000.00' } },
  { id: 'BANKDE55', name: 'Demo Bank DE', currencies: ['EUR'], deposit: { currency: 'EUR', amount: '5000.00' } },
];

async function main() {
  ensureNodeModules('demo');
  checkJava('demo');
  const { stackProfile, stackUp, stackDown } = await import('./lib/stack.mjs');
  const { ensureKey } = await import('./lib/keys.mjs');
  const profile = stackProfile('dev');
  const { secrets } = await stackUp(profile);
  const require = createRequire(import.meta.url);
  const { NostroClient, NostroAdminClient, NostroApiError, verifyFinalityProof } = require(path.join(root, 'dist/libs/client/src/index.js'));
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const admin = new NostroAdminClient({ baseUrl, token: secrets.adminToken });

  console.log('\n== Registering and funding the demo banks');
  const clients = {};
  for (const bank of BANKS) {
    const key = ensureKey(path.join(profile.stateDir, 'demo'), bank.id);
    try {
      await admin.createParticipant({ id: bank.id, name: bank.name, currencies: bank.currencies, publicKey: key.publicKey });
      console.log(`  registered ${bank.id} (${bank.currencies.join(', ')})`);
    } catch (error) {
      if (!(error instanceof NostroApiError && error.code === 'participant_exists')) throw error;
      console.log(`  ${bank.id} already registered`);
    }
    const funded = await admin.deposit(bank.id, { ...bank.deposit, reference: `demo funding ${new Date().toISOString()}` });
    console.log(`  deposited ${bank.deposit.amount} ${bank.deposit.currency} into ${bank.id}: balance ${funded.balance} (block ${funded.block?.height})`);
    clients[bank.id] = new NostroClient({ baseUrl, participantId: bank.id, seed: fs.readFileSync(key.file, 'utf8') });
  }
  const desk = await admin.deposit('FXDESK', { currency: 'EUR', amount: '1000000.00', reference: 'demo FX liquidity' });
  console.log(`  deposited 1000000.00 EUR of FX liquidity into FXDESK: balance ${desk.balance}`);

  console.log('\n== Sending payments from BANKUS33 to BANKDE55');
  const us = clients.BANKUS33;
  const requests = [
    { label: 'send 1000.00 USD', quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1000.00', creditorParticipant: 'BANKDE55' } },
    { label: 'deliver 250.00 EUR', quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', receiveAmount: '250.00', creditorParticipant: 'BANKDE55' } },
    { label: 'send 90000.00 USD (more than funded)', quote: { sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '90000.00', creditorParticipant: 'BANKDE55' } },
  ];
  const sent = [];
  for (const [i, r] of requests.entries()) {
    const quote = await us.createQuote(r.quote);
    console.log(`  quote ${quote.id}: ${quote.sendAmount} ${quote.sourceCurrency} → ${quote.receiveAmount} ${quote.targetCurrency} at ${quote.rate} (mid ${quote.midRate}, markup ${quote.markupBps} bps, fees ${quote.fees.map((f) => `${f.amount} ${f.currency}`).join(' + ') || 'none'}, total debit ${quote.totalDebit})`);
    const payment = await us.createPayment({
      quoteId: quote.id,
      endToEndId: `DEMO-${Date.now()}-${i}`,
      debtor: { name: 'Alice Example', account: 'US12 3456 7890' },
      creditor: { name: 'Bernd Beispiel', account: 'DE89370400440532013000' },
      remittanceInfo: r.label,
    });
    sent.push({ ...r, uetr: payment.uetr });
    console.log(`  ${r.label}: accepted ${payment.uetr} (${payment.status})`);
  }

  console.log('\n== Final statuses');
  const keys = await us.getKeys();
  for (const s of sent) {
    const payment = await waitFinal(us, s.uetr);
    const timeline = payment.timeline.map((t) => `${t.status}@${t.at.slice(11, 23)}`).join(' → ');
    let proof = '';
    if (payment.block) {
      const finality = await us.getFinality(s.uetr);
      const verdict = verifyFinalityProof(finality, { validators: keys.validators, quorum: keys.quorum });
      proof = ` · block ${payment.block.height} · proof ${verdict.ok ? `verified offline (${finality.transaction.outcome.status})` : `NOT verified: ${verdict.reason}`}`;
    }
    console.log(`  ${s.label}: ${payment.status}${payment.reason ? ` (${payment.reason})` : ''}\n      ${timeline}${proof}`);
  }
  for (const bank of BANKS) {
    const accounts = await clients[bank.id].getAccounts();
    console.log(`  ${bank.id} balances: ${accounts.data.map((a) => `${a.balance} ${a.currency}`).join(', ')}`);
  }

  console.log(`\n== Where to look
  gateway        ${baseUrl}   (keys: ${baseUrl}/v1/keys, health: ${baseUrl}/health/ready, metrics: ${baseUrl}/metrics)
  validators     ${['v0', 'v1', 'v2'].map((v) => `http://127.0.0.1:${profile.ports[v]}/v1/ledger/status`).join('  ')}
  admin token    ${path.relative(root, secrets.tokenFile)}
  demo bank keys ${path.relative(root, path.join(profile.stateDir, 'demo'))}/
  logs           ${path.relative(root, path.join(profile.stateDir, 'logs'))}/   (JSON, one line per event, with correlation ids)
  stop           npm run stack:down`);
  if (args.includes('--exit')) return;
  console.log('\nThe cluster keeps running; press Ctrl-C to stop it.');
  await new Promise((resolve) => process.once('SIGINT', resolve));
  console.log('\nstopping…');
  await stackDown(profile);
}

async function waitFinal(client, uetr) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const payment = await client.getPayment(uetr);
    if (payment.status === 'SETTLED' || payment.status === 'REJECTED' || Date.now() > deadline) return payment;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((error) => {
  console.error(`demo failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
