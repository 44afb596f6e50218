// npm run bench:settlement: per-hop latency of payments through a running cluster, from the timestamps each service
// records. Every hop crosses one transactional outbox (relay woken by LISTEN/NOTIFY), Kafka and a consumer.
import type * as Sdk from '@nostro/client';
import type * as Shared from '@nostro/shared-node';
import fs from 'node:fs';
import path from 'node:path';
import { withDb } from '../lib/audit';
import { REPO_ROOT, fromDist } from '../lib/repo';
import { ensureSecrets, stackProfile } from '../lib/stack';
import { hopBreakdown, type Summary } from './lib';

const CLIENT_DIST = 'dist/libs/client/src/index.js';
const FINAL_WAIT_MS = 120_000;
const args = process.argv.slice(2);
const HELP = `usage: npm run bench:settlement [-- --payments N --rate R]

Sends N payments (default 200) through the gateway of a running cluster at R per second (default 20), waits until
all are final, and prints p50/p95/p99/max of each hop, measured from the services' own records:
  to submitted gateway accepted (202)        -> settlement submitted it   gateway outbox, Kafka, settlement consumer
  to block     settlement submitted           -> block closed (broker time) settlement outbox, Kafka, block cut
  to final     block closed                   -> quorum reached (first)    apply, sign, signatures outbox, Kafka
  to settled   quorum reached                 -> settlement SETTLED        finality outbox, Kafka, settlement consumer
  to gateway   settlement SETTLED             -> gateway read model        settlement outbox, Kafka, gateway consumer
  end to end   gateway accepted               -> gateway shows SETTLED
Cluster: NOSTRO_PROFILE=dev (default, npm run stack:up) or test (with NOSTRO_TEST_SLOT). All services share one
clock here; on several hosts the cross-service hops include clock skew.`;

const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number.parseInt(args[i + 1], 10) : fallback;
};

function row(name: string, h: Summary): void {
  const f = (v: number | null): string => `${String(v ?? '-').padStart(8)} ms`;
  console.log(`${name.padEnd(13)} n=${String(h.count).padStart(4)}  p50 ${f(h.p50)}  p95 ${f(h.p95)}  p99 ${f(h.p99)}  max ${f(h.max)}`);
}

async function main(): Promise<void> {
  const PAYMENTS = option('payments', 200);
  const RATE = option('rate', 20);
  const { NostroClient, NostroAdminClient } = fromDist<typeof Sdk>(CLIENT_DIST);
  const { generateEd25519KeyPair, base64UrlEncode } = fromDist<typeof Shared>('dist/libs/shared-node/src/index.js');
  const profile = stackProfile(process.env.NOSTRO_PROFILE ?? 'dev');
  const secrets = ensureSecrets(profile);
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const admin = new NostroAdminClient({ baseUrl, token: secrets.adminToken });
  const bank = async (currency: string, deposit?: string): Promise<{ id: string; client: Sdk.NostroClient }> => {
    const keys = generateEd25519KeyPair();
    const id = `BH${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    await admin.createParticipant({ id, name: `bench ${id}`, currencies: [currency], publicKey: base64UrlEncode(keys.publicKey) });
    if (deposit) await admin.deposit(id, { currency, amount: deposit, reference: 'bench' });
    return { id, client: new NostroClient({ baseUrl, participantId: id, seed: keys.seed }) };
  };

  const debtor = await bank('USD', '100000.00');
  const creditor = await bank('EUR');
  await admin.deposit('FXDESK', { currency: 'EUR', amount: '1000000.00', reference: 'bench liquidity' });
  const uetrs: string[] = [];
  const started = Date.now();
  for (let i = 0; i < PAYMENTS; i += 1) {
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '1.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: `BENCH-${i}`,
      debtor: { name: 'A', account: '1' },
      creditor: { name: 'B', account: '2' },
    });
    uetrs.push(uetr);
  }
  const sentSeconds = (Date.now() - started) / 1000;
  const deadline = Date.now() + FINAL_WAIT_MS;
  await withDb(`${profile.dbPrefix}_gateway`, async (gateway) => {
    for (;;) {
      const { rows } = await gateway.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM payments WHERE uetr = ANY($1::uuid[]) AND status IN ('SETTLED', 'REJECTED')`,
        [uetrs],
      );
      if (rows[0].n === uetrs.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
  const hops = await hopBreakdown(profile.dbPrefix, uetrs);
  console.log(`\n${PAYMENTS} payments sent through the gateway in ${sentSeconds.toFixed(1)} s (target ${RATE}/s); ${hops['end to end'].count} settled`);
  for (const [name, h] of Object.entries(hops)) row(name, h);
}

if (args.includes('--help')) {
  console.log(HELP);
  process.exit(0);
}
if (!fs.existsSync(path.join(REPO_ROOT, CLIENT_DIST))) {
  console.error('bench: build first (npm run build) and start a cluster (npm run stack:up)');
  process.exit(1);
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
