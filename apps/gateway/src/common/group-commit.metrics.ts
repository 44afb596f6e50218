import { histogram } from '@nostro/platform';

/** Where the gateway groups concurrent requests into one round trip (GroupCommit), as the metrics' `step` label. */
export type GroupCommitStep = 'nonce' | 'idempotency' | 'rate_limit' | 'pricing' | 'quote' | 'record';

const sizes = histogram(
  'gateway_group_commit_size',
  'Requests served by one flush of a group commit (one round trip or transaction for all of them), by step',
  [1, 2, 4, 8, 16, 32, 64, 128, 256],
  ['step'],
);
const seconds = histogram(
  'gateway_group_commit_flush_seconds',
  'How long one flush of a group commit took, by step: requests arriving meanwhile wait for the next one',
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ['step'],
);

/** A {@link GroupCommit} observer recording each flush of `step`: its size and its duration. */
export function groupCommitMetrics(step: GroupCommitStep): (size: number, flushSeconds: number) => void {
  const size = sizes.labels(step);
  const duration = seconds.labels(step);
  return (n, s) => {
    size.observe(n);
    duration.observe(s);
  };
}
