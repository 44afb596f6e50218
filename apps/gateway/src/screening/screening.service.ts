import { screeningError } from './screening.errors';
import { Logger, PoolClient, counter } from '@nostro/platform';
import { SignedQuote, asCurrency, formatAmount, parseAmount } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { GatewayConfig } from '../config';
import { SanctionsList, SanctionsMatch, loadSanctionsFile } from './sanctions-list';
import { LimitsRow, ScreeningRepository } from './screening.repository';

const decisions = counter('gateway_screening_decisions_total', 'Screening decisions that stopped or held a payment', ['action', 'kind']);

/** The parties of a payment as the bank sent them. */
export interface Parties {
  debtor: { name: string; account: string };
  creditor: { name: string; account: string };
}

export interface SanctionsDecision {
  action: 'reject' | 'hold';
  /** The reason code the payment carries (`sanctions_hit`, `sanctions_possible_match`). */
  reason: string;
  match: SanctionsMatch;
}

export interface ListStatus {
  configured: boolean;
  file: string | null;
  entries: number;
  version: string | null;
  sha256: string | null;
  loadedAt: string | null;
}

/**
 * Screening at intake (DOMAIN.md step 2): the parties against the sanctions list, the payment against the
 * debtor's amount and velocity limits. A sanctions hit rejects, a possible match holds for an operator; a limit
 * exceeded is `422 limit_exceeded`. Every decision is recorded with its reason for operators.
 */
export class ScreeningService {
  private list: SanctionsList | null;
  private loadedAt: Date | null;

  constructor(
    private readonly config: GatewayConfig,
    readonly repo: ScreeningRepository,
    private readonly log: Logger,
  ) {
    this.list = config.sanctionsList;
    this.loadedAt = config.sanctionsList ? new Date() : null;
    if (!this.list) log.warn('no SANCTIONS_LIST_FILE: payments are not screened against a sanctions list');
  }

  status(): ListStatus {
    return {
      configured: this.config.SANCTIONS_LIST_FILE !== undefined,
      file: this.config.SANCTIONS_LIST_FILE ?? null,
      entries: this.list?.entryCount ?? 0,
      version: this.list?.version ?? null,
      sha256: this.list?.sha256 ?? null,
      loadedAt: this.loadedAt?.toISOString() ?? null,
    };
  }

  /** Reads the list file again; a file that does not load leaves the current list in force. */
  reload(): ListStatus {
    const file = this.config.SANCTIONS_LIST_FILE;
    if (!file) throw screeningError('screening_list_invalid', 'no SANCTIONS_LIST_FILE is configured');
    try {
      this.list = loadSanctionsFile(file);
      this.loadedAt = new Date();
    } catch (error) {
      this.log.error({ err: error }, 'sanctions list reload failed; the previous list stays in force');
      throw screeningError('screening_list_invalid', `${(error as Error).message}; the previous list stays in force`);
    }
    this.log.info({ entries: this.list.entryCount, version: this.list.version, sha256: this.list.sha256 }, 'sanctions list loaded');
    return this.status();
  }

  /** The strongest sanctions match among both parties' names and accounts: reject beats hold. */
  screenParties(parties: Parties): SanctionsDecision | null {
    const list = this.list;
    if (!list) return null;
    const matches = [
      list.matchIdentifier(parties.debtor.account, 'debtor.account'),
      list.matchIdentifier(parties.creditor.account, 'creditor.account'),
      list.matchName(parties.debtor.name, 'debtor.name'),
      list.matchName(parties.creditor.name, 'creditor.name'),
    ].filter((m): m is SanctionsMatch => m !== null);
    const match = matches.find((m) => m.action === 'reject') ?? matches[0];
    if (!match) return null;
    decisions.labels(match.action, match.kind).inc();
    return { action: match.action, reason: match.action === 'reject' ? 'sanctions_hit' : 'sanctions_possible_match', match };
  }

  async recordSanctions(tx: PoolClient, participant: string, uetr: string, decision: SanctionsDecision): Promise<void> {
    const { match } = decision;
    const reason = `${decision.reason}: ${match.field} matches list entry ${match.entryId} (${match.kind})`;
    await this.repo.recordHit({ id: randomUUID(), uetr, participant, action: decision.action, reason, matched: { ...match } }, tx);
  }

  limits(participant: string, currency: string): Promise<LimitsRow | null> {
    return this.repo.limits(participant, currency);
  }

  /** `422 limit_exceeded` when one payment is above the per-payment limit (recorded for operators). */
  async checkAmount(participant: string, limits: LimitsRow, quote: SignedQuote): Promise<void> {
    if (limits.max_amount_minor === null) return;
    const currency = asCurrency(quote.sourceCurrency);
    const debit = parseAmount(quote.totalDebit, currency);
    const max = BigInt(limits.max_amount_minor);
    if (debit <= max) return;
    await this.refuseLimit(
      participant,
      `total debit ${quote.totalDebit} ${currency} is above the per-payment limit ${formatAmount(max, currency)} ${currency}`,
    );
  }

  /** Inside the intake transaction, after {@link ScreeningRepository.lockParticipant}: count and amount over the window. */
  async checkVelocity(tx: PoolClient, participant: string, limits: LimitsRow, quote: SignedQuote): Promise<void> {
    if (limits.velocity_window_s === null || (limits.velocity_count === null && limits.velocity_amount_minor === null)) return;
    const currency = asCurrency(quote.sourceCurrency);
    const window = limits.velocity_window_s;
    const seen = await this.repo.velocity(tx, participant, currency, window);
    if (limits.velocity_count !== null && seen.count + 1 > limits.velocity_count) {
      await this.refuseLimit(participant, `more than ${limits.velocity_count} ${currency} payments in ${window} s`);
    }
    const debit = parseAmount(quote.totalDebit, currency);
    if (limits.velocity_amount_minor !== null && seen.sumMinor + debit > BigInt(limits.velocity_amount_minor)) {
      const max = formatAmount(BigInt(limits.velocity_amount_minor), currency);
      await this.refuseLimit(participant, `more than ${max} ${currency} in ${window} s (already ${formatAmount(seen.sumMinor, currency)})`);
    }
  }

  private async refuseLimit(participant: string, detail: string): Promise<never> {
    decisions.labels('reject', 'limit').inc();
    await this.repo.recordHit({ id: randomUUID(), uetr: null, participant, action: 'reject', reason: `limit_exceeded: ${detail}`, matched: {} });
    throw screeningError('limit_exceeded', detail);
  }
}
