import { TestBank, consistently, eventually, fundFxDesk, registerBank } from '../support/cluster';
import {
  closeKafka,
  intentFor,
  ledgerCopies,
  makeQuote,
  metricValue,
  produceRequests,
  serviceControl,
  settlementMetrics,
  waitStatus,
} from './support/settlement';

const VALIDATORS = ['ledger-node-v0', 'ledger-node-v1', 'ledger-node-v2'];
const SHORT = { PAYMENT_NOT_AFTER_MS: '1500', NOT_AFTER_GRACE_MS: '0', SWEEP_INTERVAL_MS: '300', RESUBMIT_INTERVAL_MS: '1000' };

/**
 * A payment past its notAfter is resolved from the ledger's record, never guessed: while no validator can say what
 * happened it stays SUBMITTED (and is reported stuck); the ledger's answer then decides, here SETTLED, because the
 * transaction was ordered before its notAfter.
 */
describe('a submitted payment past its notAfter', () => {
  jest.setTimeout(240_000);
  let debtor: TestBank;
  let creditor: TestBank;

  beforeAll(async () => {
    debtor = await registerBank(['USD'], { USD: '100.00' });
    creditor = await registerBank(['EUR']);
    await fundFxDesk('EUR', '1000.00');
    await serviceControl('restart', 'settlement', SHORT);
  });

  afterAll(async () => {
    for (const v of VALIDATORS) await serviceControl('start', v);
    await serviceControl('restart', 'settlement');
    await closeKafka();
  });

  it('stays SUBMITTED and counted stuck while no validator answers, then takes the outcome the ledger recorded', async () => {
    for (const v of VALIDATORS) await serviceControl('stop', v);
    const intent = intentFor(makeQuote({ debtor: debtor.id, creditor: creditor.id, sendMinor: 2_500n }));
    await produceRequests([intent]);
    await waitStatus(intent.uetr, 'SUBMITTED');
    // While no validator answers, it stays SUBMITTED (3 s of looking, not one look after a sleep).
    expect(
      (
        await consistently(
          () => waitStatus(intent.uetr, 'SUBMITTED'),
          (p) => p?.status === 'SUBMITTED',
          3_000,
        )
      )?.status,
    ).toBe('SUBMITTED');
    const metrics = await eventually(settlementMetrics, (m) => metricValue(m, 'settlement_stuck_payments', { status: 'SUBMITTED' }) >= 1, 10_000);
    expect(metricValue(metrics, 'settlement_stuck_payments', { status: 'SUBMITTED' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'settlement_timeout_resolutions_total', { outcome: 'unresolved' })).toBeGreaterThanOrEqual(1);

    for (const v of VALIDATORS) await serviceControl('start', v);
    const state = await waitStatus(intent.uetr, undefined, 120_000);
    expect(state).toMatchObject({ status: 'SETTLED', reason: null });
    expect(state?.events.map((e) => e.status)).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(state?.events[2].cause).toMatch(/^(ledger block|validator finality proof, block) \d+$/);
    expect(
      await eventually(
        () => ledgerCopies(intent.uetr),
        (c) => c.every((n) => n === 1),
        60_000,
      ),
    ).toEqual([1, 1, 1]);
    const after = await eventually(settlementMetrics, (m) => metricValue(m, 'settlement_stuck_payments', { status: 'SUBMITTED' }) === 0, 10_000);
    expect(metricValue(after, 'settlement_stuck_payments', { status: 'SUBMITTED' })).toBe(0);
  });
});
