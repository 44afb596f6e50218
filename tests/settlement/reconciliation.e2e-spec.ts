import { randomUUID } from 'node:crypto';
import { LedgerTransfer } from '@nostro/shared';
import { TestBank, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import {
  closeKafka,
  intentFor,
  kafkaProducer,
  ledgersCaughtUp,
  makeQuote,
  metricValue,
  RECONCILE_SETTLE_LAG_MS,
  ReconciliationReport,
  produceRequests,
  reconcile,
  settlementMetrics,
  settlementUrl,
  topic,
  untilPast,
  waitStatus,
} from './support/settlement';

const about = (report: ReconciliationReport, ids: string[]) => report.differences.filter((d) => ids.includes(d.id)).map((d) => [d.kind, d.id]);

/** The reconciliation job compares settlement's records with the ledger's and reports every difference. */
describe('reconciliation with the ledger', () => {
  jest.setTimeout(120_000);
  let debtor: TestBank;
  let creditor: TestBank;
  let settled: string;
  let rejected: string;
  /** When the test saw both payments final (no later than settlement recorded them). */
  let finalAt: number;

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '100.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '1000.00');
    const good = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 1_000n, feeMinor: 50n }));
    const bad = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 10n ** 8n }));
    await produceRequests([good, bad]);
    settled = good.uetr;
    rejected = bad.uetr;
    await waitStatus(settled, 'SETTLED');
    await waitStatus(rejected, 'REJECTED');
    finalAt = Date.now();
  });

  afterAll(() => closeKafka());

  it('agrees with the ledger about payments that settled or were rejected by it, checking each against a validator proof', async () => {
    // A run checks payments final for at least SETTLE_LAG_MS (2 s): wait out that lag counted from when both became
    // final (not a fixed sleep), and until every validator has applied them; then one full run (its cost grows with
    // the cluster's history, so it is not repeated).
    await untilPast(finalAt + RECONCILE_SETTLE_LAG_MS + 200);
    await ledgersCaughtUp();
    const report = await reconcile('full');
    expect(report).toMatchObject({ scope: 'full', remoteComplete: true });
    expect(report.checkedRemote).toBeGreaterThanOrEqual(2);
    expect(about(report, [settled, rejected])).toEqual([]);
    const latest = (await (await fetch(`${settlementUrl()}/v1/settlement/reconciliation`)).json()) as ReconciliationReport;
    expect(latest.id).toBe(report.id);
    // How far the incremental check is behind (it moves its cursor; a full run does not): a number of seconds.
    await reconcile('incremental');
    expect(metricValue(await settlementMetrics(), 'settlement_reconciliation_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('reports a transaction the ledger finalized that settlement never submitted (unknown_to_settlement)', async () => {
    const foreign: LedgerTransfer = {
      kind: 'transfer',
      id: randomUUID(),
      uetr: randomUUID(),
      postings: [
        { account: 'EXTERNAL:USD', currency: 'USD', amount: '-1' },
        { account: 'FXDESK:USD', currency: 'USD', amount: '1' },
      ],
    };
    foreign.id = foreign.uetr as string;
    await (await kafkaProducer()).send({ topic: topic('ledger.tx'), acks: -1, messages: [{ value: JSON.stringify(foreign) }] });
    await eventually(
      () => withDb('settlement', async (db) => (await db.query('SELECT 1 FROM ledger_transactions WHERE tx_id = $1', [foreign.id])).rowCount),
      (n) => n === 1,
    );
    const report = await reconcile('incremental');
    expect(about(report, [foreign.id])).toEqual([['unknown_to_settlement', foreign.id]]);
    expect(report.differences.find((d) => d.id === foreign.id)?.detail).toMatch(/^ledger accepted at \d+$/);
    expect(metricValue(await settlementMetrics(), 'settlement_reconciliation_differences', { kind: 'unknown_to_settlement' })).toBeGreaterThanOrEqual(1);
  });

  it('reports settlement records that disagree with the ledger, locally and against the validators', async () => {
    const tamper = (sql: string, uetr: string) => withDb('settlement', (db) => db.query(sql, [uetr]));
    await tamper('UPDATE payments SET block_height = block_height + 1 WHERE uetr = $1', settled);
    await tamper(`UPDATE payments SET reason = 'limit_exceeded' WHERE uetr = $1`, rejected);
    try {
      const report = await reconcile('full');
      const found = about(report, [settled, rejected]);
      expect(found).toEqual(
        expect.arrayContaining([
          ['height_mismatch', settled],
          ['outcome_mismatch', rejected],
        ]),
      );
      expect(found.length).toBe(4); // each found twice: against settlement's copy of the blocks, and against a validator's proof
    } finally {
      await tamper('UPDATE payments SET block_height = block_height - 1 WHERE uetr = $1', settled);
      await tamper(`UPDATE payments SET reason = 'insufficient_funds' WHERE uetr = $1`, rejected);
    }
    expect(about(await reconcile('full'), [settled, rejected])).toEqual([]);
  });
});
