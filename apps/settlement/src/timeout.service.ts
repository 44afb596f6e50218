import { Clock, Logger, OutboxMessage, Pool, enqueueOutbox, systemClock, topicName, withTransaction } from '@nostro/platform';
import { Topic } from '@nostro/shared';
import { SettlementConfig } from './config';
import { LedgerClient } from './ledger.client';
import { PaymentRepository, PaymentRow } from './payment.repository';
import { ExceptionRepository } from './exception.repository';
import { ExceptionService } from './exception.service';
import { LedgerOutcome, PaymentService } from './payment.service';
import { metrics } from './settlement.metrics';

/** Rows one sweep takes at most, per kind of work. */
const SWEEP_BATCH_MAX = 100;

export interface SweepReport {
  expired: number;
  /** Pending recalls past their respondBy. */
  recallsExpired: number;
  settled: number;
  rejected: number;
  resubmitted: number;
  /** Its finality record arrived through Kafka meanwhile. */
  alreadyFinal: number;
  unresolved: number;
}

/**
 * The clock-driven side of the state machine, run every SWEEP_INTERVAL_MS:
 * - a HELD payment past its hold deadline is rejected (`hold_expired`), which releases its FX reservation;
 * - a SUBMITTED payment past its notAfter, or a QUEUED one past its queue deadline (plus a grace), is resolved from
 *   the ledger's finality record, fetched from
 *   the validators and verified against their keys. When no validator has one, the identical transaction is
 *   published again: the ledger drops it if the first copy was ordered, or records it rejected (`not_after_passed`)
 *   if not, so a finality record arrives either way. The outcome is never guessed.
 */
export class TimeoutService {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<SweepReport> | null = null;

  constructor(
    private readonly config: SettlementConfig,
    private readonly pool: Pool,
    private readonly repo: PaymentRepository,
    private readonly payments: PaymentService,
    private readonly ledger: LedgerClient,
    private readonly log: Logger,
    private readonly exceptions: { repo: ExceptionRepository; service: ExceptionService },
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweepOnce(), this.config.SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  /** One sweep, unless one is already running (then its report). Errors are logged; the next tick retries. */
  sweepOnce(now = this.clock()): Promise<SweepReport> {
    this.sweeping ??= this.sweep(now)
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'settlement sweep failed; retrying at the next tick');
        return { expired: 0, recallsExpired: 0, settled: 0, rejected: 0, resubmitted: 0, alreadyFinal: 0, unresolved: 0 };
      })
      .finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweep(now: Date): Promise<SweepReport> {
    const expired = await this.expireHolds(now);
    const recallsExpired = await this.expireRecalls(now);
    const resolved = await this.resolveOverdue(now);
    await this.measureStuck(this.clock());
    return { expired, recallsExpired, ...resolved };
  }

  private async expireRecalls(now: Date): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const rows = await this.exceptions.repo.lapsedRecalls(tx, now, SWEEP_BATCH_MAX);
      await enqueueOutbox(tx, await this.exceptions.service.expireRecalls({ tx }, rows, now));
      return rows.length;
    });
  }

  private async expireHolds(now: Date): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const rows = await this.repo.lapsedHolds(tx, now, SWEEP_BATCH_MAX);
      await enqueueOutbox(tx, await this.payments.expireHolds({ tx }, rows, now));
      return rows.length;
    });
  }

  private async resolveOverdue(now: Date): Promise<Omit<SweepReport, 'expired' | 'recallsExpired'>> {
    const report = { settled: 0, rejected: 0, resubmitted: 0, alreadyFinal: 0, unresolved: 0 };
    const notAfterBefore = new Date(now.getTime() - this.config.NOT_AFTER_GRACE_MS);
    const resubmittedBefore = new Date(now.getTime() - this.config.RESUBMIT_INTERVAL_MS);
    const rows = await this.repo.overdue(this.pool, notAfterBefore, resubmittedBefore, SWEEP_BATCH_MAX);
    for (const row of rows) {
      const outcome = await this.resolve(row, resubmittedBefore);
      report[outcome] += 1;
      metrics.timeoutResolutions.labels(outcome).inc();
    }
    if (rows.length > 0) this.log.warn({ overdue: rows.length, ...report }, 'payments past notAfter looked up on the ledger');
    return report;
  }

  /** Asks the validators (no lock held meanwhile), then applies what they proved under the row lock. */
  private async resolve(row: PaymentRow, resubmittedBefore: Date): Promise<keyof Omit<SweepReport, 'expired' | 'recallsExpired'>> {
    const lookup = await this.ledger.finality(row.uetr);
    if (lookup.kind === 'final') {
      // A proof of a conditional payment's own transaction is its reservation: accepted, it is RESERVED, not SETTLED.
      const condition = lookup.transaction.condition;
      const outcome: LedgerOutcome = {
        uetr: row.uetr,
        outcome: lookup.transaction.outcome,
        block: lookup.block,
        ...(condition ? { escrow: { step: 'reserve' as const, txId: lookup.transaction.id, expiresAt: condition.expiresAt } } : {}),
      };
      const applied = await withTransaction(this.pool, async (tx) => {
        const out = await this.payments.applyLedgerOutcomes({ tx }, [outcome], 'validator finality proof, block', {});
        const cancels = await this.exceptions.service.answerQueuedCancels({ tx }, [outcome], {});
        await enqueueOutbox(tx, [...out, ...cancels]);
        return out.length;
      });
      if (applied === 0) return 'alreadyFinal';
      return lookup.transaction.outcome.status === 'accepted' ? 'settled' : 'rejected';
    }
    if (lookup.kind === 'invalid') this.log.error({ uetr: row.uetr, url: lookup.url }, 'a validator served a finality proof that does not verify');
    if (lookup.kind !== 'absent') return 'unresolved';
    return (await this.resubmit(row.uetr, resubmittedBefore)) ? 'resubmitted' : 'unresolved';
  }

  /** Publishes the payment's identical ledger transaction again (same id, postings and notAfter). */
  private async resubmit(uetr: string, resubmittedBefore: Date): Promise<boolean> {
    return withTransaction(this.pool, async (tx) => {
      const [row] = await this.repo.overdue(tx, this.clock(), resubmittedBefore, 1, uetr);
      if (!row || row.not_after === null) return false;
      const message: OutboxMessage = {
        topic: topicName(this.config.KAFKA_TOPIC_PREFIX, Topic.LEDGER_TX),
        payload: this.payments.transferOf(row, row.not_after),
      };
      await enqueueOutbox(tx, [message]);
      await this.repo.markResubmitted(tx, [uetr], this.clock());
      return true;
    });
  }

  private async measureStuck(now: Date): Promise<void> {
    const counts = await this.repo.stuck(
      this.pool,
      now,
      new Date(now.getTime() - this.config.RECEIVED_STUCK_MS),
      new Date(now.getTime() - this.config.NOT_AFTER_GRACE_MS),
    );
    metrics.stuck.labels('RECEIVED').set(counts.received);
    metrics.stuck.labels('HELD').set(counts.held);
    metrics.stuck.labels('SUBMITTED').set(counts.submitted);
  }
}
