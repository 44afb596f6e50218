import { Logger, PoolClient } from '@nostro/platform';
import { DeskBalance, PaymentStatusEvent, ReleaseReason, SettlementEvent, availableMinor, formatAmount, asCurrency } from '@nostro/shared';
import { DeskSnapshot, LedgerClient } from './ledger.client';
import { QuoteError } from './quote.errors';
import { quoteMetrics } from './quote.metrics';
import { Position, QuoteRepository, SWEEP_BATCH_MAX } from './quote.repository';

export interface LiquidityOptions {
  refreshMs: number;
  sweepIntervalMs: number;
  reservationMaxMs: number;
}

/** The payment statuses {@link LiquidityService.onPaymentEvents} acts on; every other event leaves reservations alone. */
const RESERVATION_STATUSES: ReadonlySet<string> = new Set(['QUEUED', 'SETTLED', 'RESERVED', 'REJECTED', 'CANCELLED']);

/** A quote that passed its expiry by less than this is left to a consume that may still be finishing. */
export const EXPIRY_GRACE_MS = 2_000;
/** Reads of the desk for one positions view before it answers with what it has. */
const POSITION_READS_MAX = 5;
/** Sweeps repeat while a batch comes back full, up to this many rounds per tick. */
const SWEEP_ROUNDS_MAX = 20;

export interface PositionView {
  currency: string;
  /** Major-unit strings; null when liquidity is not checked. */
  balance: string | null;
  reserved: string;
  available: string | null;
}

/**
 * FXDESK's liquidity as fx-quote sees it: the desk's balances as of a final block (read from the validators) and the
 * reservations held by quotes. Without LEDGER_URLS it only keeps the reservations and bounds nothing ("unchecked").
 */
export class LiquidityService {
  private snapshot: DeskSnapshot | null = null;
  private refreshing: Promise<DeskSnapshot | null> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly snapshotMaxAgeMs: number;

  constructor(
    private readonly ledger: LedgerClient | null,
    private readonly repo: QuoteRepository,
    private readonly options: LiquidityOptions,
    private readonly log: Logger,
  ) {
    this.snapshotMaxAgeMs = Math.max(10 * options.refreshMs, 10_000);
  }

  get checked(): boolean {
    return this.ledger !== null;
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<unknown>, what: string): void => {
      const timer = setInterval(() => void fn().catch((error: unknown) => this.log.warn({ err: error }, `${what} failed`)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    if (this.ledger) every(this.options.refreshMs, () => this.refresh(), 'FXDESK balance refresh');
    every(this.options.sweepIntervalMs, () => this.sweep(Date.now()), 'reservation sweep');
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /**
   * The desk snapshot to bound quotes with: the background one, or a new read when `fresh` (before any refusal) or
   * when the background one is missing or too old. Null when liquidity is unchecked.
   */
  async desk(fresh: boolean): Promise<DeskSnapshot | null> {
    if (!this.ledger) return null;
    const current = this.snapshot;
    if (!fresh && current && Date.now() - current.readAt <= this.snapshotMaxAgeMs) return current;
    const read = await this.refresh();
    if (!read) {
      quoteMetrics.refused.labels('ledger_unavailable').inc();
      throw new QuoteError('ledger_unavailable', 'no ledger validator answered; FXDESK liquidity is unknown');
    }
    return read;
  }

  /** Reads FXDESK's balances (one read at a time), then releases settled reservations the ledger now shows as spent. */
  refresh(): Promise<DeskSnapshot | null> {
    this.refreshing ??= this.readAndRelease().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readAndRelease(): Promise<DeskSnapshot | null> {
    const read = await this.ledger?.deskSnapshot();
    if (!read) return null;
    if (!this.snapshot || read.height >= this.snapshot.height) this.snapshot = read;
    await this.repeat(() => this.repo.releaseSettled(read.height), ReleaseReason.SETTLED);
    return read;
  }

  /** Releases expired unused quotes, abandoned uses and (when unchecked) settled ones. */
  async sweep(now: number): Promise<void> {
    const expired = await this.repeat(() => this.repo.releaseExpired(new Date(now - EXPIRY_GRACE_MS)), ReleaseReason.EXPIRED);
    quoteMetrics.expired.inc(expired);
    const abandoned = await this.repeat(() => this.repo.releaseAbandoned(new Date(now - this.options.reservationMaxMs)), ReleaseReason.ABANDONED);
    if (abandoned > 0) this.log.warn({ abandoned }, 'used quotes whose payment never became final stopped holding FX liquidity');
    // Unchecked: no balance view to wait for, and none to fence.
    if (!this.ledger) await this.repeat(() => this.repo.releaseSettled(Number.MAX_SAFE_INTEGER, false), ReleaseReason.SETTLED);
  }

  private async repeat(step: () => Promise<number>, reason: ReleaseReason): Promise<number> {
    let total = 0;
    for (let round = 0; round < SWEEP_ROUNDS_MAX; round++) {
      const n = await step();
      total += n;
      if (n < SWEEP_BATCH_MAX) break;
    }
    if (total > 0) quoteMetrics.released.labels(reason).inc(total);
    return total;
  }

  /**
   * settlement.events, in the consumer's transaction: a SETTLED payment's reservation holds on (settled) until the
   * desk balance read shows its block; a REJECTED payment's reservation is released at once; a QUEUED payment's
   * holds until it is final (the abandoned sweep waits for its queue deadline).
   */
  /** Whether {@link onPaymentEvents} acts on a settlement event: a payment status that moves a reservation. */
  static concerns(event: SettlementEvent): boolean {
    return event.kind === 'payment.status' && RESERVATION_STATUSES.has(event.status);
  }

  async onPaymentEvents(tx: PoolClient, events: readonly PaymentStatusEvent[]): Promise<void> {
    const queued = events.filter((e) => e.status === 'QUEUED' && e.queuedUntil !== undefined);
    await this.repo.markQueued(
      tx,
      queued.map((e) => e.uetr),
      queued.map((e) => e.queuedUntil as number),
    );
    // A RESERVED payment's FX left the desk for escrow in its reservation's block: for the desk it is spent, as when
    // settled (an expiry gives it back to the desk on the ledger, and the desk balance shows it).
    const settled = events.filter((e) => e.status === 'SETTLED' || e.status === 'RESERVED');
    const rejected = events.filter((e) => e.status === 'REJECTED').map((e) => e.uetr);
    const cancelled = events.filter((e) => e.status === 'CANCELLED').map((e) => e.uetr);
    // A SETTLED event names its block; without one, the next block after what we know is a safe stand-in.
    const fallbackHeight = (this.snapshot?.height ?? 0) + 1;
    await this.repo.markSettled(
      tx,
      settled.map((e) => e.uetr),
      settled.map((e) => e.block?.height ?? fallbackHeight),
    );
    const released = await this.repo.releaseRejected(tx, rejected);
    if (released > 0) quoteMetrics.released.labels(ReleaseReason.REJECTED).inc(released);
    // A cancelled payment never reached the ledger: its reservation goes back like a rejected one's (the quote stays used).
    const freed = await this.repo.releaseRejected(tx, cancelled, 'cancelled');
    if (freed > 0) quoteMetrics.released.labels(ReleaseReason.CANCELLED).inc(freed);
  }

  async positions(currencies: readonly string[]): Promise<{ height: number | null; checked: boolean; positions: PositionView[] }> {
    let desk = this.ledger ? await this.desk(true) : null;
    let held = await this.repo.positions();
    // A reservation released meanwhile (another refresh) against a newer ledger view than this one would show its money
    // neither spent nor reserved: read the desk again until it is at least as new as every release it is shown with.
    const newestRelease = () => Math.max(0, ...currencies.map((c) => held.get(c)?.releasedHeight ?? 0));
    for (let attempt = 0; attempt < POSITION_READS_MAX && desk !== null && newestRelease() > desk.height; attempt++) {
      desk = await this.desk(true);
      held = await this.repo.positions();
    }
    const positions = currencies.map((currency) => view(currency, desk?.balances.get(currency), held.get(currency), this.checked));
    return { height: desk?.height ?? null, checked: this.checked, positions };
  }
}

function view(currency: string, desk: DeskBalance | undefined, position: Position | undefined, checked: boolean): PositionView {
  const ccy = asCurrency(currency);
  const reserved = position?.reservedMinor ?? 0n;
  const available = checked ? availableMinor(desk, reserved) : null;
  return {
    currency,
    balance: checked ? formatAmount(desk?.balanceMinor ?? 0n, ccy) : null,
    reserved: formatAmount(reserved, ccy),
    available: available === null ? null : formatAmount(available, ccy),
  };
}
