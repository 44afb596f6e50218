import { Logger } from '@nostro/platform';
import { Kafka, Producer } from 'kafkajs';
import { Gauge, register } from 'prom-client';
import { BlockPipeline } from './block.pipeline';
import { LedgerConfig } from './config';
import { CutMarkerPublisher } from './cut-marker.publisher';
import { FinalityService } from './finality.service';
import { LedgerStreamConsumer } from './ledger-stream.consumer';
import { LedgerRepository } from './ledger.repository';

const halted =
  (register.getSingleMetric('ledger_halted') as Gauge | undefined) ??
  new Gauge({ name: 'ledger_halted', help: '1 when this validator stopped applying blocks (divergence)' });

const FINALITY_SWEEP_MS = 500;

/**
 * One validator's chain, assembled from its parts: the stream consumer reads the ordered ledger stream into the
 * block pipeline, which cuts, applies, signs and stores blocks; the cut-marker publisher proposes closing a block
 * that has waited; a sweep finalises what a missed quorum check left behind. This class owns what they share: the
 * halt switch (a validator that diverged, whose stream is unusable or whose state broke a ledger invariant stops
 * applying blocks, loudly), start and stop, and the status the HTTP API and readiness report.
 */
export class ChainService {
  private readonly pipeline: BlockPipeline;
  private readonly stream: LedgerStreamConsumer;
  private readonly markers: CutMarkerPublisher;
  private haltReason: string | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    config: LedgerConfig,
    repo: LedgerRepository,
    kafka: Kafka,
    producer: Producer,
    private readonly finality: FinalityService,
    private readonly log: Logger,
  ) {
    this.pipeline = new BlockPipeline(config, repo, finality, () => this.haltReason !== null, log);
    this.stream = new LedgerStreamConsumer(config, repo, kafka, this.pipeline, this, log, () => this.markers.arm());
    const mayPropose = () => this.stream.isConnected() && this.haltReason === null && this.stream.isCaughtUp();
    this.markers = new CutMarkerPublisher(config, producer, this.pipeline, mayPropose, log);
  }

  get tipHeight(): number {
    return this.pipeline.committed.height;
  }

  get nextOffset(): bigint {
    return this.pipeline.committed.nextOffset;
  }

  isRunning(): boolean {
    return this.stream.isConnected() && this.haltReason === null;
  }

  haltedBecause(): string | null {
    return this.haltReason;
  }

  /** Stops applying blocks (divergence from the quorum, an unusable stream, a broken invariant): loud, never silent. */
  halt(reason: string): void {
    if (this.haltReason) return;
    this.haltReason = reason;
    halted.set(1);
    this.log.fatal({ reason }, 'VALIDATOR HALTED: it stops applying blocks until an operator intervenes (docs/ledger.md, "Divergence")');
    this.stream.stopFetching();
  }

  start(): void {
    this.stream.start();
    this.markers.start();
    this.sweepTimer = setInterval(() => void this.sweepFinality(), FINALITY_SWEEP_MS);
  }

  async stop(): Promise<void> {
    const disconnected = this.stream.stop();
    this.markers.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await disconnected;
  }

  /** Finalises what a missed quorum check left behind (see FinalityService.sweep); never overlaps itself. */
  private async sweepFinality(): Promise<void> {
    if (!this.stream.isConnected() || this.haltReason || this.sweeping) return;
    this.sweeping = true;
    try {
      await this.finality.sweep();
    } catch (error) {
      this.log.warn({ err: error }, 'finality sweep failed; retrying');
    } finally {
      this.sweeping = false;
    }
  }
}
