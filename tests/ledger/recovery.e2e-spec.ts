import { cluster, eventually } from '../support/cluster';
import {
  balances,
  chain,
  closeProducer,
  deposit,
  httpJson,
  openAccounts,
  produce,
  recorded,
  stackCtl,
  tipHeight,
  untilFinalEverywhere,
  withLedgerDb,
} from './support/ledger';

/**
 * Crash recovery of a validator of the test cluster: SIGKILL while the stream flows (so it dies between, or in the
 * middle of, block writes, with a block half cut in memory), then a restart through scripts/lib/stack.ts.
 */
afterAll(async () => {
  await closeProducer();
  await stackCtl('up'); // whatever happens above, leave the cluster whole for the other suites
}, 180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a validator killed with SIGKILL mid-stream', () => {
  it('restarts from its last applied block, catches up, applies nothing twice and rejoins the same chain', async () => {
    const bank = openAccounts();
    await produce([bank.entry]);
    const deposits = Array.from({ length: 2_400 }, () => deposit(bank.account(), 1n));
    const startHeight = await tipHeight(1);

    // Stream in small sends; kill v1 as soon as it has applied a few blocks of them, keep streaming while it is down.
    let killedAt: number | null = null;
    for (let i = 0; i < deposits.length; i += 40) {
      await produce(deposits.slice(i, i + 40));
      if (killedAt === null && i >= 400 && (await tipHeight(1)) > startHeight + 2) {
        expect(await stackCtl('kill', 'ledger-node-v1', 'SIGKILL')).toBe('true');
        killedAt = await tipHeight(1);
      }
      await sleep(15);
    }
    expect(killedAt).not.toBeNull();
    const appliedBeforeKill = (
      await recorded(
        1,
        deposits.map((d) => d.id),
      )
    ).length;
    expect(appliedBeforeKill).toBeGreaterThan(0);
    expect(appliedBeforeKill).toBeLessThan(deposits.length);

    await stackCtl('up');
    const ids = deposits.map((d) => d.id);
    const everywhere = await untilFinalEverywhere(ids, [0, 1, 2], 180_000);

    // Each deposit recorded exactly once on v1 (the unique index would refuse a second row; the balance would show it).
    expect(new Set(everywhere[1].map((r) => r.txId)).size).toBe(deposits.length);
    for (const v of [0, 1, 2]) expect(await balances(v, [bank.account()])).toEqual({ [bank.account()]: 2_400n });

    const top = Math.max(...everywhere[0].map((r) => r.height));
    const [v0, v1] = await Promise.all([chain(0, 1, top), chain(1, 1, top)]);
    expect(v1).toEqual(v0);
    const halts = await withLedgerDb(1, async (db) => (await db.query('SELECT count(*)::int AS n FROM halts')).rows[0].n as number);
    expect(halts).toBe(0);
    const status = await eventually(
      () => httpJson<{ height: number; halted: string | null }>(`http://127.0.0.1:${cluster().ports.v1}/v1/ledger/status`),
      (s) => s.status === 200 && s.body.height >= top,
    );
    expect(status.body.halted).toBeNull();
  }, 300_000);
});

describe('a validator down while the others cut blocks', () => {
  it('catches up on the blocks cut while it was down, with the same hashes and balances', async () => {
    const bank = openAccounts();
    await produce([bank.entry]);
    await untilFinalEverywhere([bank.entry.id]);
    expect(await stackCtl('kill', 'ledger-node-v2', 'SIGKILL')).toBe('true');
    const whileDown = Array.from({ length: 30 }, () => deposit(bank.account(), 3n));
    await produce(whileDown);
    await untilFinalEverywhere(
      whileDown.map((d) => d.id),
      [0, 1],
    );
    await stackCtl('up');
    const [v0rows] = await untilFinalEverywhere(
      whileDown.map((d) => d.id),
      [0, 1, 2],
      120_000,
    );
    const top = Math.max(...v0rows.map((r) => r.height));
    expect(await chain(2, 1, top)).toEqual(await chain(0, 1, top));
    expect(await balances(2, [bank.account()])).toEqual({ [bank.account()]: 90n });
  }, 240_000);
});
