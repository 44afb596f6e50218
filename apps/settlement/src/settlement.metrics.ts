import { counter, histogram } from '@nostro/platform';
import { Gauge, register } from 'prom-client';

function gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return (register.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames });
}

/** Settlement's metrics (docs/settlement.md lists them with the alerts built on them). */
export const metrics = {
  transitions: counter('settlement_payments_total', 'Payment transitions by status', ['status']),
  rejections: counter('settlement_rejections_total', 'Payments rejected, by reason', ['reason']),
  decisions: counter('settlement_decisions_total', 'Operator decisions on held payments, by outcome', ['outcome']),
  recalls: counter('settlement_recalls_total', 'Recall state changes, by status reached', ['status']),
  returns: counter('settlement_returns_total', 'Return state changes, by status reached', ['status']),
  exceptionRefusals: counter('settlement_exception_refusals_total', 'Cancels, recalls, answers and returns refused, by kind and code', ['kind', 'code']),
  refusedFinality: counter('settlement_finality_refused_total', 'Finality records refused (bad hash or quorum)'),
  timeoutResolutions: counter('settlement_timeout_resolutions_total', 'Overdue submitted payments, by what the sweeper did', ['outcome']),
  /** intake: gateway accepted → settlement decided; ledger: submitted → final (settlement's clock at both ends). */
  hopSeconds: histogram('settlement_hop_seconds', 'Time a payment spends in each hop', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], ['hop']),
  stuck: gauge('settlement_stuck_payments', 'Payments past their deadline: RECEIVED too long, HELD past the hold, SUBMITTED past notAfter', ['status']),
  reconciliationDifferences: gauge('settlement_reconciliation_differences', 'Differences the last reconciliation run found, by kind', ['kind']),
  reconciliationRuns: counter('settlement_reconciliation_runs_total', 'Reconciliation runs, by scope', ['scope']),
  reconciliationLastRun: gauge('settlement_reconciliation_last_run_timestamp_seconds', 'When the last reconciliation run finished'),
  reconciliationLag: gauge(
    'settlement_reconciliation_lag_seconds',
    'How long ago the oldest final payment not yet compared with a validator proof became final (0: none waits)',
  ),
};
