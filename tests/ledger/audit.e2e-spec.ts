import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { cluster, eventually, repoRoot } from '../support/cluster';
import {
  balances,
  chain,
  closeProducer,
  dbUrl,
  deposit,
  httpJson,
  openAccounts,
  produce,
  recorded,
  runCli,
  tipHeight,
  untilFinalEverywhere,
  validatorKeys,
  withLedgerDb,
} from './support/ledger';

/**
 * A fourth validator, `v3`, started by this suite on its own database: it joins by replaying the stream from
 * genesis, its database is audited with `nostro-ledger verify` (and tampered with, row by row, to see each edit
 * caught), and finally its state is tampered with so that its next block diverges from the quorum's.
 * The three validators of the cluster do not list v3, so they ignore its signatures; v3 lists all four with a
 * quorum of 3, so what it publishes always carries signatures from at least two of them.
 * The steps depend on each other and run in order.
 */
const c = cluster();
const database = `${c.dbPrefix}_ledger_audit`;
const url = `postgres://root@127.0.0.1:5432/${database}`;
const port = c.ports.v2 + 1;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-audit-'));
const keyFile = path.join(tmp, 'v3.key');
const key = generateEd25519KeyPair();
const keysArg = ['--keys', validatorKeys(), '--quorum', '2'];
const base = `http://127.0.0.1:${port}`;

let child: ChildProcess | null = null;
let output = '';
let bank: ReturnType<typeof openAccounts>;

async function admin(sql: string): Promise<void> {
  const db = new Client({ connectionString: 'postgres://root@127.0.0.1:5432/postgres' });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

async function startV3(env: Record<string, string> = {}): Promise<void> {
  // A test that failed before stopping v3 must not leave it holding the port for the next one.
  await stopV3();
  child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'apps', 'ledger-node', 'src', 'main.js')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: url,
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: c.topicPrefix,
      VALIDATOR_ID: 'v3',
      VALIDATOR_SIGNING_KEY_FILE: keyFile,
      VALIDATOR_PUBLIC_KEYS: `${validatorKeys()},v3=${base64UrlEncode(key.publicKey)}`,
      LEDGER_QUORUM: '3',
      ...env,
    },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const live = await eventually(
    () =>
      fetch(`${base}/health/live`).then(
        (r) => r.status,
        () => 0,
      ),
    (s) => s === 200,
    60_000,
  );
  expect(live).toBe(200);
}

/** v3 logged its halt: the status answers as soon as the halt is set, its log line reaches the pipe a moment later. */
async function expectHaltLogged(): Promise<void> {
  expect(
    await eventually(
      async () => output,
      (o) => o.includes('VALIDATOR HALTED'),
      10_000,
    ),
  ).toContain('VALIDATOR HALTED');
}

async function stopV3(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  child = null;
}

/** Commits an edit to v3's stopped database, runs `verify` on it, then restores the row. */
async function verifyTampered(edit: string, restore: string): Promise<{ status: number | null; stdout: string }> {
  await withLedgerDb(url, (db) => db.query(edit));
  try {
    return runCli(['verify', '--database', url, ...keysArg]);
  } finally {
    await withLedgerDb(url, (db) => db.query(restore));
  }
}

beforeAll(async () => {
  fs.writeFileSync(keyFile, `${base64UrlEncode(key.seed)}\n`, { mode: 0o600 });
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${database}`);
  bank = openAccounts();
  const entries = [bank.entry, ...Array.from({ length: 40 }, (_, i) => deposit(bank.account(), BigInt(100 + i)))];
  await produce(entries);
  await untilFinalEverywhere(entries.map((e) => e.id));
}, 120_000);

afterAll(async () => {
  await stopV3();
  await closeProducer();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('a fourth validator and the audit CLI', () => {
  it('joins by replaying the stream from genesis and reaches the same chain', async () => {
    const target = await tipHeight(0);
    await startV3();
    const status = await eventually(
      () => httpJson<{ height: number; halted: string | null }>(`${base}/v1/ledger/status`),
      (s) => s.status === 200 && s.body.height >= target,
      120_000,
    );
    expect(status.body).toMatchObject({ halted: null });
    expect(await chain(url, 1, target)).toEqual(await chain(0, 1, target));
    const ready = await eventually(
      () =>
        fetch(`${base}/health/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      30_000,
    );
    expect(ready).toBe(200);
  }, 180_000);

  it('verifies a live validator database, a stopped one and its exported chain file', async () => {
    const live = runCli(['verify', '--database', dbUrl(0), ...keysArg]);
    expect(live.stderr).toBe('');
    expect(live.stdout).toContain('VERIFIED');
    expect(live.status).toBe(0);

    await stopV3();
    const stopped = runCli(['verify', '--database', url, ...keysArg, '--json']);
    const report = JSON.parse(stopped.stdout) as { ok: boolean; blocks: number; finalBlocks: number; issues: unknown[] };
    expect(report).toMatchObject({ ok: true, issues: [] });
    expect(stopped.status).toBe(0);

    const file = path.join(tmp, 'chain.jsonl');
    const exported = runCli(['export', '--database', url, '--out', file]);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain(`exported ${report.blocks} blocks`);
    expect(runCli(['verify', '--chain', file, ...keysArg]).status).toBe(0);

    // The same chain under keys nobody signed with is not final: the trust anchor is the caller's.
    const strangers = ['v0', 'v1', 'v2'].map((v) => `${v}=${base64UrlEncode(generateEd25519KeyPair().publicKey)}`).join(',');
    const untrusted = runCli(['verify', '--chain', file, '--keys', strangers]);
    expect(untrusted.status).toBe(1);
    expect(untrusted.stdout).toContain('quorum_not_reached');

    // An edited line of the file is caught too.
    const txId = await firstDepositId();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(txId));
    lines[at] = lines[at].replace(txId, forged(txId));
    fs.writeFileSync(path.join(tmp, 'edited.jsonl'), lines.join('\n'));
    const edited = runCli(['verify', '--chain', path.join(tmp, 'edited.jsonl'), ...keysArg]);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain('merkle_root_mismatch');
  }, 120_000);

  it('catches a tampered database row: a balance, a leaf, a header, an index row, a finality record', async () => {
    const [row] = await recorded(url, [await firstDepositId()]);
    const h = row.height;
    const cases: [string, string, string][] = [
      [
        `UPDATE accounts SET balance = balance + 1 WHERE id = '${bank.account()}'`,
        `UPDATE accounts SET balance = balance - 1 WHERE id = '${bank.account()}'`,
        'stored_balance_mismatch',
      ],
      [
        `UPDATE blocks SET leaves = replace(leaves, '${row.txId}', '${forged(row.txId)}') WHERE height = ${h}`,
        `UPDATE blocks SET leaves = replace(leaves, '${forged(row.txId)}', '${row.txId}') WHERE height = ${h}`,
        'merkle_root_mismatch',
      ],
      [
        `UPDATE blocks SET block_time = block_time + 1 WHERE height = ${h}`,
        `UPDATE blocks SET block_time = block_time - 1 WHERE height = ${h}`,
        'block_hash_mismatch',
      ],
      [
        `UPDATE block_transactions SET status = 'rejected', reason = 'insufficient_funds' WHERE tx_id = '${row.txId}'`,
        `UPDATE block_transactions SET status = 'accepted', reason = NULL WHERE tx_id = '${row.txId}'`,
        'index_mismatch',
      ],
      [
        `UPDATE finality SET signatures = jsonb_build_array(signatures -> 0) WHERE height = ${h}`,
        `UPDATE finality f SET signatures = (SELECT jsonb_agg(jsonb_build_object('validator', validator, 'signature', signature) ORDER BY validator) FROM block_signatures s WHERE s.height = f.height AND s.hash = f.hash) WHERE height = ${h}`,
        'quorum_not_reached',
      ],
    ];
    for (const [edit, restore, code] of cases) {
      const run = await verifyTampered(edit, restore);
      expect({ code, status: run.status }).toEqual({ code, status: 1 });
      expect(run.stdout).toContain('FAILED');
      expect(run.stdout).toContain(code);
    }
    expect(runCli(['verify', '--database', url, ...keysArg]).status).toBe(0);
  }, 120_000);

  it('halts instead of skipping entries when its stream ends before its own chain (a recreated topic)', async () => {
    await stopV3();
    // The validator keeps its chain and the stream offset it reached; the stream it now reads is new and short.
    await withLedgerDb(url, (db) => db.query('DELETE FROM halts'));
    const prefix = `${c.topicPrefix}recreated-${Date.now()}.`;
    const kafka = new Kafka({ clientId: 'audit-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: ['ledger.tx', 'ledger.signatures', 'ledger.finality'].map((t) => ({ topic: `${prefix}${t}`, numPartitions: 1 })),
      });
    } finally {
      await admin.disconnect();
    }
    output = '';
    await startV3({ KAFKA_TOPIC_PREFIX: prefix });
    const status = await eventually(
      () => httpJson<{ halted: string | null }>(`${base}/v1/ledger/status`),
      (s) => s.body?.halted !== null,
      60_000,
    );
    expect(status.body.halted).toMatch(/ends at offset 0, before this validator's chain \(next offset \d+\): the topic was recreated or truncated$/);
    await expectHaltLogged();
    await stopV3();
  }, 120_000);

  it('halts loudly when its state diverges from the quorum, and stays halted across a restart', async () => {
    await withLedgerDb(url, (db) => db.query(`UPDATE accounts SET balance = balance + 1 WHERE id = '${bank.account()}'`));
    const haltedAt = await tipHeight(url);
    await startV3();
    const more = deposit(bank.account(), 5n);
    await produce([more]);
    await untilFinalEverywhere([more.id]);

    const status = await eventually(
      () => httpJson<{ halted: string | null; height: number }>(`${base}/v1/ledger/status`),
      (s) => s.body?.halted !== null,
      60_000,
    );
    expect(status.body.halted).toMatch(/^divergence at height \d+: v0, v1, v2 signed [0-9a-f]{64}; this validator computed [0-9a-f]{64}$/);
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^ledger_halted 1$/m);
    await expectHaltLogged();

    // v3 may have cut and applied the block after the diverged one before the quorum's signatures reached it (more
    // likely on a busy machine): that block diverges too. Each diverged block counts once, with its halt row, however
    // often later signatures judge it again.
    const halts = await withLedgerDb(
      url,
      async (db) =>
        (await db.query<{ height: string; own_hash: string; quorum_hash: string }>('SELECT height::text, own_hash, quorum_hash FROM halts ORDER BY height'))
          .rows,
    );
    expect(halts.length).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(new RegExp(`^ledger_divergence_total ${halts.length}$`, 'm'));
    const [halt] = halts;
    const [quorumBlock] = await chain(0, Number(halt.height), Number(halt.height));
    expect(Number(halt.height)).toBe(haltedAt + 1);
    expect(halt.quorum_hash).toBe(quorumBlock.hash);
    expect(halt.own_hash).not.toBe(quorumBlock.hash);

    // It applies nothing further, while the others go on.
    const tipAtHalt = await tipHeight(url);
    const later = deposit(bank.account(), 6n);
    await produce([later]);
    await untilFinalEverywhere([later.id]);
    expect(await tipHeight(url)).toBe(tipAtHalt);
    expect(await balances(0, [bank.account()])).toEqual({
      [bank.account()]: BigInt(Array.from({ length: 40 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0) + 11),
    });

    await stopV3();
    output = '';
    await startV3();
    const again = await eventually(
      () => httpJson<{ halted: string | null }>(`${base}/v1/ledger/status`),
      (s) => s.body?.halted !== null,
      30_000,
    );
    expect(again.body.halted).toContain('recorded before this start');
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
  }, 240_000);
});

/** The same id with its last hex digit changed. */
const forged = (id: string) => `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;

async function firstDepositId(): Promise<string> {
  return withLedgerDb(url, async (db) => {
    const { rows } = await db.query<{ leaves: string; height: string }>('SELECT height::text, leaves FROM blocks b ORDER BY b.height');
    for (const r of rows) {
      const leaf = (JSON.parse(r.leaves) as { id: string; postings?: { account: string; amount: string }[] }[]).find((l) =>
        l.postings?.some((p) => p.account === bank.account() && p.amount === '100'),
      );
      if (leaf) return leaf.id;
    }
    throw new Error('the first deposit is not in v3 chain');
  });
}
