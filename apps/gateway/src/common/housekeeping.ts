import { Logger } from '@nostro/platform';
import { CLEANUPS, Cleanup, HousekeepingRepository } from './housekeeping.repository';

const INTERVAL_MS = 60_000;
/** Rows deleted per statement, so a cleanup never holds locks for long. */
/** Bounded, periodic deletion of what the gateway no longer needs. Safe to run on every replica at once. */
export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: HousekeepingRepository,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async runOnce(): Promise<void> {
    for (const cleanup of Object.keys(CLEANUPS) as Cleanup[]) {
      try {
        const deleted = await this.repo.deleteBatch(cleanup);
        if (deleted > 0) this.log.info({ deleted }, `housekeeping: ${cleanup}`);
      } catch (error) {
        this.log.warn({ err: error }, `housekeeping failed: ${cleanup}`);
      }
    }
  }
}
