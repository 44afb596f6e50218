import { Pool, PoolClient, CURSOR_AT_SQL, TimeKeyset } from '@nostro/platform';
import { PaymentStatus, SignedQuote, isFinalStatus } from '@nostro/shared';
import { PaymentRequest } from '../http/api.schemas';
import { PartyColumns } from '../customer-data/customer-data.repository';
import { SealedParties } from '../customer-data/customer-data.service';

/**
 * Timeline order: by time, then (for entries of the same instant) in the order the steps happen, then by the recall
 * or return they belong to.
 */
export const TIMELINE_ORDER_SQL = `at, array_position(ARRAY['RECEIVED','HELD','SUBMITTED','QUEUED','RESERVED','SETTLED','REJECTED','CANCELLED','RECALL_REQUESTED','RECALL_REJECTED',
  'RECALL_EXPIRED','RECALL_ACCEPTED','RETURN_RECEIVED','RETURN_SETTLED','RETURN_REJECTED','RETURNED'], status), ref`;

/** A payment as stored; its customer data sealed (open it with CustomerData.open, for those allowed to see it). */
export interface PaymentRow extends PartyColumns {
  uetr: string;
  participant: string;
  creditor_participant: string;
  quote: SignedQuote;
  end_to_end_id: string;
  status: string;
  reason: string | null;
  block_height: bigint | null;
  block_hash: string | null;
  /** While QUEUED: the block time at which the ledger rejects it with queue_timeout (kept once it left the queue). */
  queued_until: Date | null;
  /** A conditional payment's hash-lock (API.md "Conditional payments"): SHA-256 hex and deadline; null otherwise. */
  condition_hash: string | null;
  condition_expires_at: Date | null;
  /** While RESERVED: the block time at which the escrow goes back to the debtor (kept once it left escrow). */
  reserved_until: Date | null;
  /** The ledger transaction that decided its last status when it is not the payment's own (a fulfilment, an expiry). */
  ledger_tx_id: string | null;
  created_at: Date;
}

export interface TimelineRow {
  uetr: string;
  status: string;
  reason: string | null;
  at: Date;
}

/** A status settlement reports for a payment. */
export interface StatusEvent {
  /** The settlement event's id: the source of the webhooks it causes. */
  id: string;
  uetr: string;
  status: string;
  reason?: string;
  at: Date;
  block?: { height: number; hash: string };
  /** QUEUED: the block time (Unix ms) at which the ledger times it out. */
  queuedUntil?: number;
  /** RESERVED: the block time (Unix ms) at which the escrow goes back to the debtor. */
  reservedUntil?: number;
  /** The ledger transaction that decided this status (its proof is the status's proof): a fulfilment's, an expiry's. */
  ledgerTxId?: string;
}

/** What a status event changes of a payment, and whom it concerns: all that applying it reads. */
export type PaymentState = Pick<
  PaymentRow,
  'uetr' | 'participant' | 'creditor_participant' | 'status' | 'reason' | 'block_height' | 'block_hash' | 'queued_until' | 'reserved_until' | 'ledger_tx_id'
>;
const STATE_COLUMNS = 'uetr, participant, creditor_participant, status, reason, block_height, block_hash, queued_until, reserved_until, ledger_tx_id';

/**
 * An event that changed the read model, with the payment right after it: the whole payment and its timeline by then
 * when the caller asked for them (its webhooks carry both), otherwise only the payment's state (most events notify
 * nobody, and their payments' quotes and parties need not be read).
 */
export type AppliedStatus =
  { event: StatusEvent; payment: PaymentRow; timeline: TimelineRow[] } | { event: StatusEvent; payment: PaymentState; timeline: null };

/** Which applied events need their timeline (their webhooks carry it): answers their uetrs. */
export type TimelineWanted = (applied: readonly { event: StatusEvent; payment: PaymentState }[]) => Promise<ReadonlySet<string>>;

/** Every column of a payment but its quote, which the caller of an insertion holds already. */
const RETURNED_ON_INSERT = `uetr, participant, creditor_participant, quote_id, end_to_end_id, debtor, creditor, remittance_info, status, reason,
  block_height, block_hash, created_at, updated_at, source_currency, total_debit_minor, parties, pii_dek, pii_kek_id, pii_erased_at, queued_until,
  condition_hash, condition_expires_at, reserved_until, ledger_tx_id`;

const everyTimeline: TimelineWanted = async (applied) => new Set(applied.map((a) => a.event.uetr));

/** A payment the gateway accepts (or rejects itself, after screening). */
export interface NewPayment {
  uetr: string;
  participant: string;
  quote: SignedQuote;
  request: PaymentRequest;
  /** The request's debtor, creditor and remittance information, sealed by the payment's own data key. */
  sealed: SealedParties;
  at: Date;
  totalDebitMinor: bigint;
  rejected?: { reason: string };
}

/** The gateway's payments read model: what banks see. */
export class PaymentsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records an accepted payment and its first timeline entry (`RECEIVED`). A payment the gateway itself rejects
   * (screening) is recorded with its final status in the same statement, so no reader sees it half-made.
   */
  async insert(tx: PoolClient, p: NewPayment): Promise<PaymentRow> {
    const [row] = await this.insertMany(tx, [p]);
    return row;
  }

  /**
   * {@link insert} for many payments in one statement (one round trip), whatever their number (batches): the rows and
   * their timeline entries. Rows in input order.
   */
  async insertMany(tx: PoolClient, list: readonly NewPayment[]): Promise<PaymentRow[]> {
    if (list.length === 0) return [];
    const timeline = list.flatMap((p) => [
      { uetr: p.uetr, status: 'RECEIVED', reason: null as string | null, at: p.at },
      ...(p.rejected ? [{ uetr: p.uetr, status: 'REJECTED', reason: p.rejected.reason as string | null, at: p.at }] : []),
    ]);
    const { rows } = await tx.query<Omit<PaymentRow, 'quote'>>(
      `WITH inserted AS (
       INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, end_to_end_id, parties, pii_dek, pii_kek_id, status, reason,
                             created_at, source_currency, total_debit_minor, condition_hash, condition_expires_at)
       SELECT t.uetr, t.participant, t.creditor_participant, t.quote_id, q.quote, t.end_to_end_id, t.parties, t.pii_dek, t.pii_kek_id, t.status,
              t.reason, t.created_at, t.source_currency, t.total_debit_minor, t.condition_hash, t.condition_expires_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $6::text[], $7::bytea[], $8::bytea[], $9::text[], $10::text[], $11::text[],
                     $12::timestamptz[], $13::text[], $14::bigint[], $19::text[], $20::timestamptz[]) WITH ORDINALITY
                AS t(uetr, participant, creditor_participant, quote_id, end_to_end_id, parties, pii_dek, pii_kek_id, status, reason, created_at,
                     source_currency, total_debit_minor, condition_hash, condition_expires_at, n)
         JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS q(quote, n) ON q.n = t.n
       RETURNING ${RETURNED_ON_INSERT}
       ), entries AS (
         INSERT INTO payment_timeline (uetr, status, reason, at) SELECT * FROM unnest($15::uuid[], $16::text[], $17::text[], $18::timestamptz[])
       )
       SELECT * FROM inserted`,
      [
        list.map((p) => p.uetr),
        list.map((p) => p.participant),
        list.map((p) => p.quote.creditorParticipant),
        list.map((p) => p.quote.id),
        // The quotes as one JSON array: one parameter, not an array literal escaping each quote's JSON.
        JSON.stringify(list.map((p) => p.quote)),
        list.map((p) => p.request.endToEndId),
        list.map((p) => p.sealed.parties),
        list.map((p) => p.sealed.pii_dek),
        list.map((p) => p.sealed.pii_kek_id),
        list.map((p) => (p.rejected ? 'REJECTED' : 'RECEIVED')),
        list.map((p) => p.rejected?.reason ?? null),
        list.map((p) => p.at),
        list.map((p) => p.quote.sourceCurrency),
        list.map((p) => p.totalDebitMinor.toString()),
        timeline.map((t) => t.uetr),
        timeline.map((t) => t.status),
        timeline.map((t) => t.reason),
        timeline.map((t) => t.at),
        list.map((p) => p.request.condition?.hash ?? null),
        list.map((p) => (p.request.condition ? new Date(p.request.condition.expiresAt) : null)),
      ],
    );
    const byUetr = new Map(rows.map((r) => [r.uetr, r]));
    return list.map((p) => ({ ...(byUetr.get(p.uetr) as Omit<PaymentRow, 'quote'>), quote: p.quote }));
  }

  /** The payments among `uetrs` whose debtor is `participant` (a retried batch finds what it already accepted). */
  async findMany(uetrs: readonly string[], participant: string, db: Pool | PoolClient = this.pool): Promise<Map<string, PaymentRow>> {
    if (uetrs.length === 0) return new Map();
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE uetr = ANY($1::uuid[]) AND participant = $2', [uetrs, participant]);
    return new Map(rows.map((r) => [r.uetr, r]));
  }

  /** The payment whoever its participants are: for event processing, never for answering a bank. */
  async findAny(uetr: string, db: Pool | PoolClient = this.pool): Promise<PaymentRow | null> {
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE uetr = $1', [uetr]);
    return rows[0] ?? null;
  }

  /** The payment if `participant` is its debtor (or, with `asCreditor`, its creditor); others see nothing. */
  async find(uetr: string, participant: string, asCreditor = false, db: Pool | PoolClient = this.pool): Promise<PaymentRow | null> {
    const column = asCreditor ? 'creditor_participant' : 'participant';
    const { rows } = await db.query<PaymentRow>(`SELECT * FROM payments WHERE uetr = $1 AND ${column} = $2`, [uetr, participant]);
    return rows[0] ?? null;
  }

  async timelines(uetrs: string[], db: Pool | PoolClient = this.pool): Promise<Map<string, TimelineRow[]>> {
    const { rows } = await db.query<TimelineRow>(
      `SELECT uetr, status, reason, at FROM payment_timeline WHERE uetr = ANY($1::uuid[]) ORDER BY ${TIMELINE_ORDER_SQL}`,
      [uetrs],
    );
    const out = new Map<string, TimelineRow[]>();
    for (const row of rows) out.set(row.uetr, [...(out.get(row.uetr) ?? []), row]);
    return out;
  }

  /** One page of a participant's payments (or incoming payments), oldest first, after the keyset position. */
  async list(
    q: {
      participant: string;
      asCreditor: boolean;
      status?: string;
      since?: string;
      limit: number;
      after?: TimeKeyset;
    },
    db: Pool | PoolClient = this.pool,
  ): Promise<(PaymentRow & { cursor_at: string })[]> {
    const column = q.asCreditor ? 'creditor_participant' : 'participant';
    const { rows } = await db.query<PaymentRow & { cursor_at: string }>(
      `SELECT *, ${CURSOR_AT_SQL('created_at')} AS cursor_at FROM payments WHERE ${column} = $1
          AND ($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
          AND ($4::timestamptz IS NULL OR (created_at, uetr) > ($4::timestamptz, $5::uuid))
        ORDER BY created_at, uetr LIMIT $6`,
      [q.participant, q.status ?? null, q.since ?? null, q.after?.at ?? null, q.after?.id ?? null, q.limit],
    );
    return rows;
  }

  /**
   * Applies settlement's status events in order, as if one by one, in a few statements whatever their number: each
   * event adds its timeline entry once (an entry already there means the event was applied before), and a payment
   * takes the status of its events in order until one of them is final (SETTLED only gives way to RETURNED). Answers the events applied, each with the
   * payment as it stood right after it and the timeline entries it had by then (what its webhooks carry). Timelines
   * are read only for the payments `wanted` names: most events cause no webhook, and reading every timeline of a
   * batch was one of the gateway database's largest costs under load.
   */
  async applyStatuses(tx: PoolClient, events: readonly StatusEvent[], wanted: TimelineWanted = everyTimeline): Promise<AppliedStatus[]> {
    if (events.length === 0) return [];
    const uetrs = [...new Set(events.map((e) => e.uetr))];
    const before = await this.lockStates(uetrs, tx);
    const { rows: added } = await tx.query<{ uetr: string; status: string }>(
      `INSERT INTO payment_timeline (uetr, status, reason, at)
       SELECT e.uetr, e.status, e.reason, e.at FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS e(uetr, status, reason, at, n)
        WHERE EXISTS (SELECT 1 FROM payments p WHERE p.uetr = e.uetr) ORDER BY e.n
       ON CONFLICT DO NOTHING RETURNING uetr::text, status`,
      [events.map((e) => e.uetr), events.map((e) => e.status), events.map((e) => e.reason ?? null), events.map((e) => e.at)],
    );
    const fresh = new Set(added.map((r) => `${r.uetr} ${r.status}`));
    const current = new Map([...before].map(([uetr, row]) => [uetr, { ...row }]));
    const applied: { event: StatusEvent; payment: PaymentState; timeline: TimelineRow[] | null }[] = [];
    const laterEntries = new Map<string, Set<string>>();
    for (const e of events) {
      const key = `${e.uetr} ${e.status}`;
      if (!fresh.delete(key)) continue;
      const row = current.get(e.uetr);
      if (!row) continue;
      // Nothing leaves a final status; a SETTLED payment only becomes RETURNED (its returns came back in full).
      if (!isFinalStatus(row.status as PaymentStatus) && (row.status !== 'SETTLED' || e.status === 'RETURNED')) {
        row.status = e.status;
        row.reason = e.reason ?? null;
        if (e.block) {
          row.block_height = BigInt(e.block.height);
          row.block_hash = e.block.hash;
        }
        if (e.queuedUntil !== undefined) row.queued_until = new Date(e.queuedUntil);
        if (e.reservedUntil !== undefined) row.reserved_until = new Date(e.reservedUntil);
        if (e.ledgerTxId !== undefined) row.ledger_tx_id = e.ledgerTxId;
      }
      applied.push({ event: e, payment: { ...row }, timeline: null });
      laterEntries.set(e.uetr, new Set([...(laterEntries.get(e.uetr) ?? []), e.status]));
    }
    // Each wanted event's timeline: what was there before the batch, plus the entries of this batch up to it.
    const want = applied.length > 0 ? await wanted(applied) : new Set<string>();
    const [timelines, whole] =
      want.size > 0
        ? await Promise.all([this.timelines([...want], tx), this.findAnyMany([...want], tx)])
        : [new Map<string, TimelineRow[]>(), new Map<string, PaymentRow>()];
    const seen = new Map<string, Set<string>>();
    for (const a of applied) {
      const upTo = new Set([...(seen.get(a.event.uetr) ?? []), a.event.status]);
      seen.set(a.event.uetr, upTo);
      if (!want.has(a.event.uetr)) continue;
      const ofBatch = laterEntries.get(a.event.uetr) ?? new Set<string>();
      a.timeline = (timelines.get(a.event.uetr) ?? []).filter((t) => !ofBatch.has(t.status) || upTo.has(t.status));
      const row = whole.get(a.event.uetr);
      if (row) a.payment = { ...row, ...a.payment };
    }
    const changed = [...current.values()].filter((row) => {
      const was = before.get(row.uetr);
      return (
        was &&
        (was.status !== row.status ||
          was.reason !== row.reason ||
          was.block_hash !== row.block_hash ||
          was.queued_until?.getTime() !== row.queued_until?.getTime() ||
          was.reserved_until?.getTime() !== row.reserved_until?.getTime() ||
          was.ledger_tx_id !== row.ledger_tx_id)
      );
    });
    if (changed.length > 0) {
      await tx.query(
        `UPDATE payments p SET status = c.status, reason = c.reason, block_height = c.height, block_hash = c.hash, queued_until = c.queued_until,
               reserved_until = c.reserved_until, ledger_tx_id = c.ledger_tx_id, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[])
                AS c(uetr, status, reason, height, hash, queued_until, reserved_until, ledger_tx_id)
          WHERE p.uetr = c.uetr`,
        [
          changed.map((r) => r.uetr),
          changed.map((r) => r.status),
          changed.map((r) => r.reason),
          changed.map((r) => r.block_height?.toString() ?? null),
          changed.map((r) => r.block_hash),
          changed.map((r) => r.queued_until),
          changed.map((r) => r.reserved_until),
          changed.map((r) => r.ledger_tx_id),
        ],
      );
    }
    return applied as AppliedStatus[];
  }

  /** The state of payments that events change, locked for this transaction (one consumer per partition applies them). */
  private async lockStates(uetrs: readonly string[], tx: PoolClient): Promise<Map<string, PaymentState>> {
    return this.lockMany<PaymentState>(uetrs, tx, STATE_COLUMNS);
  }

  /** Payments by uetr whoever their participants are: for event processing, never for answering a bank. */
  async findAnyMany(uetrs: readonly string[], db: Pool | PoolClient = this.pool): Promise<Map<string, PaymentRow>> {
    return this.lockMany<PaymentRow>(uetrs, db, '*');
  }

  /** `columns` of the payments among `uetrs` by uetr, locked in uetr order (concurrent lockers cannot deadlock). */
  private async lockMany<T extends { uetr: string }>(uetrs: readonly string[], db: Pool | PoolClient, columns: string): Promise<Map<string, T>> {
    if (uetrs.length === 0) return new Map();
    const { rows } = await db.query<T>(`SELECT ${columns} FROM payments WHERE uetr = ANY($1::uuid[]) ORDER BY uetr FOR UPDATE`, [uetrs]);
    return new Map(rows.map((r) => [r.uetr, r]));
  }
}
