import { NostroAdminClient, NostroClient, isPendingApproval, type PendingApproval } from '@nostro/client';
import { testSlot } from '@nostro/platform/test-support';
import { asCurrency, formatAmount, parseAmount } from '@nostro/shared';
import { generateEd25519KeyPair, base64UrlEncode } from '@nostro/shared-node';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/** What the global setup wrote about the running test cluster. */
export interface TestCluster {
  runId: string;
  gatewayUrl: string;
  ports: Record<string, number>;
  topicPrefix: string;
  redisPrefix: string;
  dbPrefix: string;
  adminToken: string;
  /** The second admin's token when the cluster runs with DUAL_CONTROL=on (scripts/lib/second-admin.ts), else null. */
  secondAdminToken?: string | null;
  keys: Record<string, { file: string; publicKey: string }>;
  /** The gateway's customer-data key-encryption key (PII_KEK_FILE). */
  piiKekFile: string;
}

export const repoRoot = path.resolve(__dirname, '..', '..');

export function cluster(): TestCluster {
  const slot = testSlot();
  const file = path.join(repoRoot, '.nostro', slot ? `test${slot}` : 'test', 'env.json');
  if (!fs.existsSync(file)) throw new Error('the test cluster is not running: run the suite with `npm test`');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestCluster;
}

export function adminClient(): NostroAdminClient {
  const c = cluster();
  return new NostroAdminClient({ baseUrl: c.gatewayUrl, token: c.adminToken });
}

/** The second admin of a cluster started with DUAL_CONTROL=on: it approves what the first admin asks for. */
export function secondAdminClient(): NostroAdminClient {
  const c = cluster();
  if (!c.secondAdminToken) throw new Error('the test cluster has no second admin: it was started without DUAL_CONTROL=on');
  return new NostroAdminClient({ baseUrl: c.gatewayUrl, token: c.secondAdminToken });
}

/**
 * An operator call's result once it has taken effect. With DUAL_CONTROL=on the first admin's deposit, limit change,
 * key or operator is held (202 PENDING_APPROVAL): the second admin approves it, and the approval answers what the
 * call itself answers. Without dual control the answer is the result already.
 */
export async function approved<T>(answer: T | PendingApproval): Promise<T> {
  return isPendingApproval(answer) ? secondAdminClient().approveRequest<T>(answer.requestId) : answer;
}

/** A new operator's token, through the admin API (approved by the second admin when dual control is on). */
export async function newOperatorToken(name: string, role: 'viewer' | 'approver' | 'admin'): Promise<string> {
  const created = await approved(await adminClient().createOperator({ name, role }));
  if (created.token === null) throw new Error('a freshly created operator came back without its token (a replayed answer)');
  return created.token;
}

/** A participant id no other test uses: `T` + 7 random characters. */
export function uniqueParticipantId(prefix = 'T'): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(7);
  return prefix + [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface TestBank {
  id: string;
  client: NostroClient;
  seed: Uint8Array;
}

/** Registers a bank through the admin API and funds it; returns a signed client for it. */
export async function registerBank(currencies: string[], deposits: Record<string, string> = {}): Promise<TestBank> {
  const c = cluster();
  const admin = adminClient();
  const keys = generateEd25519KeyPair();
  const id = uniqueParticipantId();
  await admin.createParticipant({ id, name: `Test bank ${id}`, currencies, publicKey: base64UrlEncode(keys.publicKey) });
  for (const [currency, amount] of Object.entries(deposits)) await approved(await admin.deposit(id, { currency, amount, reference: `test funding ${id}` }));
  return { id, seed: keys.seed, client: new NostroClient({ baseUrl: c.gatewayUrl, participantId: id, seed: keys.seed }) };
}

/** Makes sure the FX desk holds at least this much of a currency (deposits are final when answered). */
export async function fundFxDesk(currency: string, amount: string): Promise<void> {
  await approved(await adminClient().deposit('FXDESK', { currency, amount, reference: `test FX liquidity ${Date.now()}` }));
}

export async function withDb<T>(suffix: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: `postgres://root@127.0.0.1:5432/${cluster().dbPrefix}_${suffix}` });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

export { consistently, eventually } from '@nostro/platform/test-support';

/** A decimal amount of the API in minor units of its currency: tests compute money as the system does, never in floats. */
export function minorOf(amount: string, currency: string): bigint {
  return parseAmount(amount, asCurrency(currency), { allowNegative: true });
}

/** Minor units back to the API's decimal amount. */
export function amountOf(minor: bigint, currency: string): string {
  return formatAmount(minor, asCurrency(currency));
}
