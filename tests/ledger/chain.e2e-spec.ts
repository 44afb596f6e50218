import { randomUUID } from 'node:crypto';
import { LedgerConfig, LedgerTransfer } from '@nostro/shared';
import { cluster } from '../support/cluster';
import { balances, chain, closeProducer, deposit, httpJson, openAccounts, produce, recorded, transfer, untilFinalEverywhere } from './support/ledger';

/**
 * The three validators of the test cluster against the real broker and their own Postgres databases, driven by
 * entries produced straight into the ordered stream. Other suites may add entries concurrently: every assertion is
 * about this test's own transactions, or about whole-chain equality, which holds whatever else is in the stream.
 */
afterAll(() => closeProducer());

describe('three validators on one ordered stream', () => {
  it('cut identical chains: same heights, same header hashes, every block final', async () => {
    const bank = openAccounts();
    const other = openAccounts();
    const entries: (LedgerConfig | LedgerTransfer)[] = [bank.entry, other.entry];
    for (let i = 0; i < 120; i++) entries.push(deposit(bank.account(), 100n));
    for (let i = 0; i < 80; i++) entries.push(transfer(bank.account(), other.account(), BigInt(i + 1)));
    for (let i = 0; i < entries.length; i += 50) await produce(entries.slice(i, i + 50));
    const ids = entries.map((e) => e.id);

    const [v0] = await untilFinalEverywhere(ids);
    const top = Math.max(...v0.map((r) => r.height));
    const chains = await Promise.all([0, 1, 2].map((v) => chain(v, 1, top)));
    expect(chains[0].map((b) => b.height)).toEqual(Array.from({ length: top }, (_, i) => i + 1));
    expect(chains[1]).toEqual(chains[0]);
    expect(chains[2]).toEqual(chains[0]);
    for (let i = 1; i < chains[0].length; i++) expect(chains[0][i].prevHash).toBe(chains[0][i - 1].hash);

    const expected = { [bank.account()]: 12_000n - 3_240n, [other.account()]: 3_240n }; // 120 × 100 − Σ 1..80
    for (const v of [0, 1, 2]) expect(await balances(v, Object.keys(expected))).toEqual(expected);
  });

  it('drops a duplicate transaction id, even with other content, instead of recording it as rejected', async () => {
    const bank = openAccounts();
    const first = deposit(bank.account(), 500n);
    const twinInBatch = deposit(bank.account(), 1n);
    await produce([bank.entry, first, twinInBatch, { ...twinInBatch }]);
    await untilFinalEverywhere([bank.entry.id, first.id, twinInBatch.id]);

    // Delivered again later (the outbox may publish twice), with a different amount even: still the same id.
    const later = deposit(bank.account(), 7n);
    await produce([
      { ...first, postings: [first.postings[0], { ...first.postings[1] }] },
      {
        ...first,
        postings: [
          { ...first.postings[0], amount: '-9' },
          { ...first.postings[1], amount: '9' },
        ],
      },
      later,
    ]);
    await untilFinalEverywhere([later.id]);

    for (const v of [0, 1, 2]) {
      const rows = await recorded(v, [first.id, twinInBatch.id, later.id]);
      expect(rows.map((r) => [r.txId, r.status])).toEqual([
        [first.id, 'accepted'],
        [twinInBatch.id, 'accepted'],
        [later.id, 'accepted'],
      ]);
      expect(await balances(v, [bank.account()])).toEqual({ [bank.account()]: 508n });
    }
  });

  it('judges a limit change ordered between two identical debits the same way on every validator', async () => {
    const bank = openAccounts();
    const sink = openAccounts();
    const before = transfer(bank.account(), sink.account(), 150n);
    const raise = { kind: 'config' as const, id: randomUUID(), op: 'set_limits' as const, accounts: [{ account: bank.account(), netDebitCap: '100' }] };
    const after = transfer(bank.account(), sink.account(), 150n);
    const beyond = transfer(bank.account(), sink.account(), 51n);
    // One send: the stream order is exactly this, whatever the block boundaries turn out to be.
    await produce([bank.entry, sink.entry, deposit(bank.account(), 100n), before, raise, after, beyond]);
    const ids = [before.id, raise.id, after.id, beyond.id];
    const everywhere = await untilFinalEverywhere(ids);

    for (const rows of everywhere) {
      expect(rows.map((r) => [r.txId, r.status, r.reason])).toEqual([
        [before.id, 'rejected', 'insufficient_funds'],
        [raise.id, 'accepted', null],
        [after.id, 'accepted', null],
        [beyond.id, 'rejected', 'limit_exceeded'],
      ]);
    }
    for (const v of [0, 1, 2]) expect(await balances(v, [bank.account(), sink.account()])).toEqual({ [bank.account()]: -50n, [sink.account()]: 150n });
  });

  it('applies suspensions, resumptions and notAfter from the stream alone (broker time, not a validator clock)', async () => {
    const bank = openAccounts();
    const suspend = { kind: 'config' as const, id: randomUUID(), op: 'suspend' as const, accounts: [], participant: bank.participant };
    const resume = { kind: 'config' as const, id: randomUUID(), op: 'resume' as const, accounts: [], participant: bank.participant };
    const whileSuspended = deposit(bank.account(), 10n);
    const afterResume = deposit(bank.account(), 20n);
    const expired = deposit(bank.account(), 30n, { notAfter: 1 });
    const inTime = deposit(bank.account(), 40n, { notAfter: Date.now() + 3_600_000 });
    await produce([bank.entry, suspend, whileSuspended, resume, afterResume, expired, inTime]);
    const everywhere = await untilFinalEverywhere([whileSuspended.id, afterResume.id, expired.id, inTime.id]);
    for (const rows of everywhere) {
      expect(rows.map((r) => r.reason)).toEqual(['participant_suspended', null, 'not_after_passed', null]);
    }
    for (const v of [0, 1, 2]) expect(await balances(v, [bank.account()])).toEqual({ [bank.account()]: 60n });
  });

  it('serves each validator status and the same final block over its internal API', async () => {
    const c = cluster();
    const bank = openAccounts();
    const tx = deposit(bank.account(), 1n);
    await produce([bank.entry, tx]);
    const [[row]] = await untilFinalEverywhere([tx.id], [0]);
    await untilFinalEverywhere([tx.id]);
    const answers = await Promise.all(
      ['v0', 'v1', 'v2'].map((v) =>
        httpJson<{ block: { hash: string }; final: boolean; transactions: { id: string }[] }>(`http://127.0.0.1:${c.ports[v]}/v1/ledger/blocks/${row.height}`),
      ),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.final).toBe(true);
      expect(body.block.hash).toBe(answers[0].body.block.hash);
      expect(body.transactions.map((t) => t.id)).toContain(tx.id);
    }
    const status = await httpJson<{ validator: string; height: number; finalHeight: number; halted: string | null }>(
      `http://127.0.0.1:${c.ports.v1}/v1/ledger/status`,
    );
    expect(status.body).toMatchObject({ validator: 'v1', halted: null });
    expect(status.body.height).toBeGreaterThanOrEqual(row.height);
  });
});
