/**
 * Helpers for the ledger's end-to-end tests: entries produced straight into the test cluster's ordered stream
 * (`<topicPrefix>ledger.tx`), reads of each validator's own database, and control of the validator processes
 * through scripts/lib/stack.ts (via stack-ctl.ts, run as its own process with tsx: a restart waits for readiness).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { LedgerConfig, LedgerEntry, LedgerTransfer } from '@nostro/shared';
import { cluster, repoRoot, uniqueParticipantId } from '../../support/cluster';
import { stackControl } from './stack-ctl';

export const VALIDATORS = ['v0', 'v1', 'v2'] as const;
export type ValidatorId = (typeof VALIDATORS)[number];

const kafka = new Kafka({ clientId: 'ledger-e2e', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
let producer: Producer | null = null;

/** Appends entries, in this order, to the ledger stream (one partition: the order is the order of the chain). */
export async function produce(entries: LedgerEntry[] | Record<string, unknown>[]): Promise<void> {
  if (!producer) {
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }
  await producer.send({ topic: `${cluster().topicPrefix}ledger.tx`, acks: -1, messages: entries.map((e) => ({ value: JSON.stringify(e) })) });
}

/** Disconnects the producer and closes the database pools (each suite's afterAll). */
export async function closeProducer(): Promise<void> {
  await producer?.disconnect();
  producer = null;
  await closeLedgerDbs();
}

/** A participant of its own per test: `open_accounts` for it in USD with the given net debit cap. */
export function openAccounts(netDebitCap = '0', currencies = ['USD']): { participant: string; account: (ccy?: string) => string; entry: LedgerConfig } {
  const participant = uniqueParticipantId('L');
  const account = (ccy = 'USD') => `${participant}:${ccy}`;
  const entry: LedgerConfig = {
    kind: 'config',
    id: randomUUID(),
    op: 'open_accounts',
    accounts: [...currencies.map((c) => ({ account: account(c), netDebitCap })), ...currencies.map((c) => ({ account: `EXTERNAL:${c}`, netDebitCap: null }))],
  };
  return { participant, account, entry };
}

export function transfer(from: string, to: string, amountMinor: bigint, extra: Partial<LedgerTransfer> = {}): LedgerTransfer {
  const currency = from.split(':')[1];
  return {
    kind: 'transfer',
    id: randomUUID(),
    postings: [
      { account: from, currency, amount: (-amountMinor).toString() },
      { account: to, currency, amount: amountMinor.toString() },
    ],
    ...extra,
  };
}

export const deposit = (account: string, amountMinor: bigint, extra: Partial<LedgerTransfer> = {}) =>
  transfer(`EXTERNAL:${account.split(':')[1]}`, account, amountMinor, extra);

export function dbUrl(validatorIndex: number): string {
  return `postgres://root@127.0.0.1:5432/${cluster().dbPrefix}_ledger_${validatorIndex}`;
}

/** A validator's database: the test cluster's validator `i`, or any database URL (an extra validator's). */
export type LedgerDb = number | string;

/** One small pool per database for the whole suite: Postgres is shared by several test clusters (max_connections). */
const pools = new Map<string, Pool>();

export async function withLedgerDb<T>(target: LedgerDb, fn: (db: PoolClient) => Promise<T>): Promise<T> {
  const url = typeof target === 'number' ? dbUrl(target) : target;
  let pool = pools.get(url);
  if (!pool) {
    pool = new Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1_000 });
    pools.set(url, pool);
  }
  const db = await pool.connect();
  try {
    return await fn(db);
  } finally {
    db.release();
  }
}

/** Closes the suite's pools (afterAll), e.g. before dropping a database. */
export async function closeLedgerDbs(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end()));
}

export interface RecordedTx {
  txId: string;
  height: number;
  status: string;
  reason: string | null;
  final: boolean;
}

/** Where (and with what outcome) each of `ids` was recorded on one validator. */
export async function recorded(validatorIndex: LedgerDb, ids: string[]): Promise<RecordedTx[]> {
  return withLedgerDb(validatorIndex, async (db) => {
    const { rows } = await db.query<{ tx_id: string; height: string; status: string; reason: string | null; final: boolean }>(
      `SELECT t.tx_id, t.height::text, t.status, t.reason, f.height IS NOT NULL AS final
         FROM block_transactions t LEFT JOIN finality f ON f.height = t.height
        WHERE t.tx_id = ANY($1::text[]) ORDER BY t.height, t.idx`,
      [ids],
    );
    return rows.map((r) => ({ txId: r.tx_id, height: Number(r.height), status: r.status, reason: r.reason, final: r.final }));
  });
}

/** Waits until every listed validator recorded every id in a final block; returns each validator's records. */
export async function untilFinalEverywhere(ids: string[], validators: LedgerDb[] = [0, 1, 2], timeoutMs = 90_000): Promise<RecordedTx[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(validators.map((v) => recorded(v, ids)));
    if (all.every((list) => list.length === ids.length && list.every((r) => r.final))) return all;
    if (Date.now() > deadline) {
      throw new Error(
        `not final everywhere after ${timeoutMs} ms: ${all.map((l, i) => `${typeof validators[i] === 'number' ? `v${validators[i]}` : 'extra validator'} ${l.filter((r) => r.final).length}/${ids.length}`).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function balances(validatorIndex: LedgerDb, accounts: string[]): Promise<Record<string, bigint>> {
  return withLedgerDb(validatorIndex, async (db) => {
    const { rows } = await db.query<{ id: string; balance: string }>('SELECT id, balance::text FROM accounts WHERE id = ANY($1::text[])', [accounts]);
    return Object.fromEntries(rows.map((r) => [r.id, BigInt(r.balance)]));
  });
}

export interface ChainRow {
  height: number;
  hash: string;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
}

export async function chain(validatorIndex: LedgerDb, fromHeight = 1, toHeight = Number.MAX_SAFE_INTEGER): Promise<ChainRow[]> {
  return withLedgerDb(validatorIndex, async (db) => {
    const { rows } = await db.query<{ height: string; hash: string; prev_hash: string; merkle_root: string; state_digest: string }>(
      'SELECT height::text, hash, prev_hash, merkle_root, state_digest FROM blocks b WHERE b.height BETWEEN $1 AND $2 ORDER BY b.height',
      [fromHeight, toHeight],
    );
    return rows.map((r) => ({ height: Number(r.height), hash: r.hash, prevHash: r.prev_hash, merkleRoot: r.merkle_root, stateDigest: r.state_digest }));
  });
}

export async function tipHeight(validatorIndex: LedgerDb): Promise<number> {
  return withLedgerDb(validatorIndex, async (db) => Number((await db.query<{ h: string | null }>('SELECT max(height)::text AS h FROM blocks')).rows[0].h ?? 0));
}

/** Runs a stack.ts operation on the test profile (same NOSTRO_TEST_SLOT) and answers how it ended, failed or not. */
export function runStackCtl(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stack-ctl.ts'), ...args], {
    cwd: repoRoot,
    env: process.env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A stack-ctl.ts operation run in-process: `kill <service> <signal>`, `up`, `pid <service>`; answers its output. */
export function stackCtl(command: string, name?: string, signal?: string): Promise<string> {
  return stackControl(command, name, signal);
}

export async function httpJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** `v0=<pub>,v1=<pub>,v2=<pub>` of the test cluster's validators, as the validators and the CLI take them. */
export function validatorKeys(): string {
  const c = cluster();
  return VALIDATORS.map((v) => `${v}=${c.keys[v].publicKey}`).join(',');
}

export function cliEntry(): string {
  return path.join(repoRoot, 'dist', 'apps', 'ledger-node', 'src', 'cli', 'main.js');
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliRun {
  const run = spawnSync(process.execPath, [cliEntry(), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
