import { FinalityProof, verifyFinalityProof } from '@nostro/shared';
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
  transfer,
  untilFinalEverywhere,
  validatorKeys,
  withLedgerDb,
} from './support/ledger';

/**
 * The liquidity queue on the three validators of the test cluster (docs/ledger.md, "Liquidity queue"), fed through
 * the ordered stream itself: queued transfers released by a deposit, timed out on an idle network, offset together
 * out of a gridlock, and a validator killed while transfers wait, which recovers to the same chain.
 */
const MINUTE = 60_000;
const validatorUrl = (i: number) => `http://127.0.0.1:${cluster().ports[VALIDATORS[i]]}`;

afterAll(async () => {
  await closeProducer();
  await stackCtl('up'); // whatever happens above, leave the cluster whole for the other suites
}, 180_000);

async function queueRows(i: number): Promise<string[]> {
  return withLedgerDb(i, async (db) => (await db.query<{ tx_id: string }>('SELECT tx_id FROM liquidity_queue ORDER BY seq')).rows.map((r) => r.tx_id));
}

interface QueuesView {
  height: number;
  queues: { account: string; queued: string; balance: string; entries: { id: string; amount: string; expiresAt: number }[] }[];
}

async function proof(i: number, id: string): Promise<FinalityProof> {
  const { status, body } = await eventually(
    () => httpJson<FinalityProof>(`${validatorUrl(i)}/v1/ledger/transactions/${id}/finality`),
    (r) => r.status === 200,
  );
  expect(status).toBe(200);
  return body;
}

const trust = () => ({ validators: VALIDATORS.map((v) => ({ id: v, publicKey: cluster().keys[v].publicKey })), quorum: 2 });

describe('the liquidity queue on three validators', () => {
  it('queues a transfer short of funds on every validator, shows it, and releases it in the block after a deposit', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([a.entry, b.entry]);
    const pay = transfer(a.account(), b.account(), 5_000n, { queueForMs: 10 * MINUTE });
    await produce([pay]);
    // Queued, not recorded: every validator holds it in the same queue row.
    for (const i of [0, 1, 2])
      await eventually(
        () => queueRows(i),
        (rows) => rows.includes(pay.id),
      );
    expect(await recorded(0, [pay.id])).toEqual([]);
    const view = await httpJson<QueuesView>(`${validatorUrl(0)}/v1/ledger/queues`);
    const queue = view.body.queues.find((q) => q.account === a.account());
    expect(queue).toMatchObject({ queued: '5000', balance: '0', entries: [{ id: pay.id, amount: '5000' }] });
    const accounts = await httpJson<{ accounts: { account: string; queued: string }[] }>(`${validatorUrl(1)}/v1/ledger/participants/${a.participant}/accounts`);
    expect(accounts.body.accounts).toEqual([expect.objectContaining({ account: a.account(), queued: '5000' })]);

    const funding = deposit(a.account(), 6_000n);
    await produce([funding]);
    const [v0] = await untilFinalEverywhere([funding.id, pay.id]);
    const byId = new Map(v0.map((r) => [r.txId, r]));
    expect(byId.get(pay.id)).toMatchObject({ status: 'accepted' });
    // Released at the end of the deposit's block: the same height.
    expect(byId.get(pay.id)?.height).toBe(byId.get(funding.id)?.height);
    for (const i of [0, 1, 2]) {
      expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 1_000n, [b.account()]: 5_000n });
      expect(await queueRows(i)).not.toContain(pay.id);
    }
    expect(verifyFinalityProof(await proof(2, pay.id), trust())).toEqual({ ok: true });
  });

  it('times a queued transfer out by block time on an idle network, within seconds of its deadline', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([a.entry, b.entry]);
    const pay = transfer(a.account(), b.account(), 100n, { queueForMs: 2_000 });
    const started = Date.now();
    await produce([pay]);
    // Nothing else is sent: the validators' cut markers alone move block time past the deadline.
    const [v0] = await untilFinalEverywhere([pay.id], [0, 1, 2], 30_000);
    expect(v0[0]).toMatchObject({ status: 'rejected', reason: 'queue_timeout' });
    expect(Date.now() - started).toBeLessThan(15_000);
    const checked = verifyFinalityProof(await proof(0, pay.id), trust());
    expect(checked).toEqual({ ok: true });
  });

  it('settles two accounts that each wait on the other together, in one block, when their netted positions are funded', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([a.entry, b.entry, deposit(a.account(), 100n), deposit(b.account(), 100n)]);
    const ab = transfer(a.account(), b.account(), 1_000n, { queueForMs: 10 * MINUTE });
    const ba = transfer(b.account(), a.account(), 950n, { queueForMs: 10 * MINUTE });
    await produce([ab]);
    await eventually(
      () => queueRows(0),
      (rows) => rows.includes(ab.id),
    );
    await produce([ba]);
    const everywhere = await untilFinalEverywhere([ab.id, ba.id]);
    for (const rows of everywhere) {
      expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted']);
      expect(rows[0].height).toBe(rows[1].height);
    }
    for (const i of [0, 1, 2]) expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 50n, [b.account()]: 150n });
    for (const id of [ab.id, ba.id]) expect(verifyFinalityProof(await proof(1, id), trust())).toEqual({ ok: true });
    // The block records which leaves were settled together, for the offline audit.
    const height = everywhere[0][0].height;
    const record = await withLedgerDb(
      0,
      async (db) => (await db.query<{ queue: { gridlock: string[] } }>('SELECT queue FROM blocks WHERE height = $1', [height])).rows[0],
    );
    expect(new Set(record.queue.gridlock)).toEqual(new Set([ab.id, ba.id]));
  });

  it('keeps a validator killed while transfers wait on the same chain and queue once it restarts, and the chain audits clean', async () => {
    const a = openAccounts();
    const b = openAccounts();
    await produce([a.entry, b.entry]);
    const waiting = [
      transfer(a.account(), b.account(), 300n, { queueForMs: 10 * MINUTE }),
      transfer(a.account(), b.account(), 200n, { queueForMs: 10 * MINUTE }),
    ];
    await produce(waiting);
    for (const i of [0, 1, 2])
      await eventually(
        () => queueRows(i),
        (rows) => waiting.every((w) => rows.includes(w.id)),
      );

    expect(await stackCtl('kill', 'ledger-node-v1', 'SIGKILL')).toBe('true');
    // While v1 is down, the first is released (v0 and v2 make the quorum); the second still waits.
    const funding = deposit(a.account(), 400n);
    await produce([funding]);
    await untilFinalEverywhere([funding.id, waiting[0].id], [0, 2]);
    expect(await queueRows(0)).toContain(waiting[1].id);

    await stackCtl('up');
    await untilFinalEverywhere([funding.id, waiting[0].id], [0, 1, 2], 120_000);
    const [tip0, tip1] = await Promise.all([chain(0), chain(1)]);
    const common = Math.min(tip0.length, tip1.length);
    expect(tip1.slice(0, common)).toEqual(tip0.slice(0, common));
    expect(await queueRows(1)).toEqual(await queueRows(0));
    expect(await queueRows(1)).toContain(waiting[1].id);

    // The rest arrives: released on all three, v1 included.
    const more = deposit(a.account(), 100n);
    await produce([more]);
    const all = await untilFinalEverywhere([more.id, waiting[1].id], [0, 1, 2]);
    for (const rows of all) expect(rows.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    for (const i of [0, 1, 2]) expect(await balances(i, [a.account(), b.account()])).toEqual({ [a.account()]: 0n, [b.account()]: 500n });

    // The offline audit replays every block, queue records included, to the same state digests.
    const audit = runCli(['verify', '--database', `postgres://root@127.0.0.1:5432/${cluster().dbPrefix}_ledger_1`, '--keys', validatorKeys(), '--quorum', '2']);
    expect(audit.stderr).toBe('');
    expect(audit.status).toBe(0);
  });
});
