import { screeningError } from './screening.errors';
import { parseOrProblem, ListCursorCodec } from '@nostro/platform';
import { CurrencyCode, asCurrency, formatAmount, parseAmount } from '@nostro/shared';
import { hitsQuerySchema, screeningLimitsSchema } from '../http/api.schemas';
import { fieldProblem } from '../http/gateway.errors';
import { ParticipantCache } from '../participants/participant.cache';
import { HitRow, LimitsRow } from './screening.repository';
import { ScreeningService } from './screening.service';

function limitsView(row: LimitsRow) {
  const currency = asCurrency(row.currency);
  const amount = (minor: string | null) => (minor === null ? null : formatAmount(BigInt(minor), currency));
  return {
    participant: row.participant,
    currency: row.currency,
    maxAmount: amount(row.max_amount_minor),
    velocity:
      row.velocity_window_s === null ? null : { count: row.velocity_count, amount: amount(row.velocity_amount_minor), windowSeconds: row.velocity_window_s },
    updatedAt: row.updated_at.toISOString(),
  };
}

function hitView(row: HitRow) {
  return {
    id: row.id,
    uetr: row.uetr,
    participant: row.participant,
    action: row.action,
    reason: row.reason,
    matched: row.matched,
    createdAt: row.created_at.toISOString(),
  };
}

/** Positive minor units of `value` in `currency`, or a field problem at `path`. */
function positiveMinor(value: string, currency: CurrencyCode, path: string): string {
  let minor: bigint;
  try {
    minor = parseAmount(value, currency);
  } catch (error) {
    throw fieldProblem(path, (error as Error).message);
  }
  if (minor <= 0n) throw fieldProblem(path, 'must be positive');
  return minor.toString();
}

/** Operator views of screening: the list in force, reloads, limits and the decisions taken. */
export class ScreeningAdminService {
  constructor(
    private readonly screening: ScreeningService,
    private readonly cache: ParticipantCache,
    private readonly cursors: ListCursorCodec,
  ) {}

  status() {
    return this.screening.status();
  }

  reload() {
    return this.screening.reload();
  }

  async setLimits(participant: string, body: unknown) {
    const l = parseOrProblem(screeningLimitsSchema, body);
    if (!(await this.cache.participant(participant))) throw screeningError('not_found', `no participant ${participant}`);
    const currency = asCurrency(l.currency);
    const row = await this.screening.repo.setLimits({
      participant,
      currency,
      max_amount_minor: l.maxAmount === null ? null : positiveMinor(l.maxAmount, currency, 'maxAmount'),
      velocity_count: l.velocity?.count ?? null,
      velocity_amount_minor: l.velocity?.amount ? positiveMinor(l.velocity.amount, currency, 'velocity.amount') : null,
      velocity_window_s: l.velocity?.windowSeconds ?? null,
    });
    this.cache.invalidate();
    return limitsView(row);
  }

  async limits(participant: string) {
    return { data: (await this.screening.repo.allLimits(participant)).map(limitsView) };
  }

  async hits(query: unknown) {
    const q = parseOrProblem(hitsQuerySchema, query, 'query');
    const after = q.cursor ? this.cursors.decodeTime('screening-hits', q.cursor) : undefined;
    const rows = await this.screening.repo.hits({ participant: q.participant, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(hitView),
      nextCursor: rows.length > q.limit && last ? this.cursors.encodeTime('screening-hits', { at: last.cursor_at, id: last.id }) : null,
    };
  }
}
