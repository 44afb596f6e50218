import { Logger } from '@nostro/platform';
import { Difference, DifferenceKind, buildPaymentPostings, classify, samePostings } from '@nostro/shared';
import { SettlementConfig } from './config';
import { LedgerClient } from './ledger.client';
import { FinalPayment, ReconciliationRepository } from './reconciliation.repository';
import { metrics } from './settlement.metrics';

/** Bounds of one run (TIGER_STYLE: everything has a limit). */
const LOCAL_DIFFERENCES_MAX = 1_000;
const FULL_RUN_PAYMENTS_MAX = 200_000;
/** Finality proofs fetched from the validators at once during a run. */
const PROOFS_IN_FLIGHT_MAX = 8;
const LOGGED_DIFFERENCES_MAX = 50;
/** A payment is compared with the validators once its final entry is this old (its transaction has committed). */
const SETTLE_LAG_MS = 2_000;

export interface ReconciliationReport {
  id: string;
  scope: 'incremental' | 'full';
  startedAt: string;
  finishedAt: string;
  /** Records compared with the ledger's final records settlement holds (payments, requests, ledger transactions). */
  checkedLocal: number;
  /** Final payments compared with a validator's verified finality proof. */
  checkedRemote: number;
  /** False when a validator could not be reached: the remaining payments are checked by a later run. */
  remoteComplete: boolean;
  differences: Difference[];
}

type Page = { checked: number; complete: boolean; differences: Difference[]; lastEventId: bigint | null };

/**
 * Compares settlement's records with the ledger's, and reports every difference (report, metric, log):
 * 1. locally, every payment and operator request against the outcome of every transaction in every quorum-signed
 *    block settlement received, and the final blocks for gaps;
 * 2. remotely, each payment that became final since the last run (or all of them, scope `full`) against the
 *    validators' own finality proof: verified signatures, same block, same outcome, the postings the quote implies.
 */
export class ReconciliationService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: SettlementConfig,
    private readonly repo: ReconciliationRepository,
    private readonly ledger: LedgerClient,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.config.RECONCILE_INTERVAL_MS === 0) return;
    this.timer = setInterval(
      () => void this.run('incremental').catch((error: unknown) => this.log.error({ err: error }, 'reconciliation failed')),
      this.config.RECONCILE_INTERVAL_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One run; null when another replica is running one. */
  async run(scope: 'incremental' | 'full'): Promise<ReconciliationReport | null> {
    return this.repo.exclusively(async () => {
      const startedAt = new Date();
      const local = await this.compareLocally();
      const remote = await this.compareWithValidators(scope);
      await this.measureLag();
      const differences = [...local.differences, ...remote.differences];
      const finishedAt = new Date();
      const id = await this.repo.insertRun({
        scope,
        startedAt,
        finishedAt,
        checkedLocal: local.checked,
        checkedRemote: remote.checked,
        remoteComplete: remote.complete,
        differences,
      });
      this.publish(scope, differences);
      return {
        id: id.toString(),
        scope,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        checkedLocal: local.checked,
        checkedRemote: remote.checked,
        remoteComplete: remote.complete,
        differences,
      };
    });
  }

  async latest(): Promise<ReconciliationReport | null> {
    const run = await this.repo.latestRun();
    if (!run) return null;
    return {
      id: run.id.toString(),
      scope: run.scope,
      startedAt: run.started_at.toISOString(),
      finishedAt: run.finished_at.toISOString(),
      checkedLocal: run.checked_local,
      checkedRemote: run.checked_remote,
      remoteComplete: run.differences.remoteComplete,
      differences: run.differences.list,
    };
  }

  private async compareLocally(): Promise<{ checked: number; differences: Difference[] }> {
    const pairs = await this.repo.candidates(LOCAL_DIFFERENCES_MAX);
    const differences = pairs.map((p) => classify(p.settlement, p.ledger)).filter((d): d is Difference => d !== null);
    const gaps = await this.repo.missingHeights(LOCAL_DIFFERENCES_MAX);
    for (const h of gaps) differences.push({ kind: DifferenceKind.MISSING_BLOCK, id: `block:${h}`, detail: `final block ${h} never reached settlement` });
    return { checked: await this.repo.counts(), differences };
  }

  private async compareWithValidators(scope: 'incremental' | 'full'): Promise<{ checked: number; complete: boolean; differences: Difference[] }> {
    let after = scope === 'full' ? 0n : await this.repo.cursor();
    const budget = scope === 'full' ? FULL_RUN_PAYMENTS_MAX : this.config.RECONCILE_BATCH_MAX;
    const result = { checked: 0, complete: true, differences: [] as Difference[] };
    while (result.checked < budget) {
      const batch = await this.repo.finalPayments(
        after,
        new Date(Date.now() - SETTLE_LAG_MS),
        Math.min(this.config.RECONCILE_BATCH_MAX, budget - result.checked),
      );
      if (batch.length === 0) break;
      const page = await this.comparePage(batch);
      result.checked += page.checked;
      result.differences.push(...page.differences);
      if (page.lastEventId !== null) after = page.lastEventId;
      if (scope === 'incremental' && page.lastEventId !== null) await this.repo.saveCursor(page.lastEventId);
      if (!page.complete) return { ...result, complete: false };
    }
    return result;
  }

  /**
   * Compares a page of payments, PROOFS_IN_FLIGHT_MAX proofs at a time (each is a round trip to a validator), and
   * reads the answers in order: the page ends at the first payment no validator could answer for, as before.
   */
  private async comparePage(batch: FinalPayment[]): Promise<Page> {
    const page: Page = { checked: 0, complete: true, differences: [], lastEventId: null };
    for (let start = 0; start < batch.length; start += PROOFS_IN_FLIGHT_MAX) {
      await new Promise((resolve) => setImmediate(resolve)); // let the consumers run between two rounds of proofs
      const chunk = batch.slice(start, start + PROOFS_IN_FLIGHT_MAX);
      const answers = await Promise.all(chunk.map((payment) => this.compareOne(payment)));
      for (const [i, difference] of answers.entries()) {
        if (difference === 'unreachable') return { ...page, complete: false };
        if (difference) page.differences.push(difference);
        page.checked += 1;
        page.lastEventId = (chunk[i] as FinalPayment).eventId;
      }
    }
    return page;
  }

  private async compareOne({ record, quote }: FinalPayment): Promise<Difference | null | 'unreachable'> {
    const lookup = await this.ledger.finality(record.id);
    if (lookup.kind === 'unreachable') return 'unreachable';
    if (lookup.kind === 'invalid') return { kind: DifferenceKind.PROOF_INVALID, id: record.id, detail: `${lookup.url} served a proof that does not verify` };
    if (lookup.kind === 'absent') return classify(record, null);
    const { transaction, block } = lookup;
    const ledgerRecord = {
      id: transaction.id,
      height: block.height,
      status: transaction.outcome.status,
      reason: transaction.outcome.status === 'rejected' ? transaction.outcome.reason : null,
    };
    const differs = classify(record, ledgerRecord);
    if (differs) return differs;
    if (transaction.uetr !== record.id || !samePostings(transaction.postings ?? [], buildPaymentPostings(quote))) {
      return { kind: DifferenceKind.POSTINGS_MISMATCH, id: record.id, detail: `the ledger's transaction at ${block.height} is not the one the quote implies` };
    }
    return null;
  }

  /**
   * How far the incremental check is behind: it compares at most RECONCILE_BATCH_MAX payments a run, so under more final
   * payments than that per RECONCILE_INTERVAL_MS it falls behind, and this says by how much (alert
   * NostroReconciliationBehind).
   */
  private async measureLag(): Promise<void> {
    const oldest = await this.repo.oldestUnchecked(await this.repo.cursor());
    metrics.reconciliationLag.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
  }

  private publish(scope: string, differences: Difference[]): void {
    metrics.reconciliationRuns.labels(scope).inc();
    metrics.reconciliationLastRun.set(Date.now() / 1000);
    for (const kind of Object.values(DifferenceKind)) metrics.reconciliationDifferences.labels(kind).set(differences.filter((d) => d.kind === kind).length);
    for (const d of differences.slice(0, LOGGED_DIFFERENCES_MAX)) this.log.error({ difference: d }, `reconciliation: ${d.kind} ${d.id}`);
    const level = differences.length > 0 ? 'error' : 'info';
    this.log[level]({ scope, differences: differences.length }, `reconciliation run: ${differences.length} difference(s)`);
  }
}
