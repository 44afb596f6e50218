import { ConfigError, Logger, PiiCipher, PiiKeyError, counter } from '@nostro/platform';
import { problem } from '../http/gateway.errors';
import { CustomerDataRepository, PartyColumns } from './customer-data.repository';

export interface Party {
  name: string;
  account: string;
}

/** What identifies the people behind a payment: sealed at rest, opened for those allowed to see it. */
export interface Parties {
  debtor: Party;
  creditor: Party;
  remittanceInfo?: string;
}

/** A payment's customer data as a reader gets it: the parties, or when they were erased (crypto-shredding). */
export type OpenedParties = Parties | { erasedAt: Date };

/** The sealed columns of a new payment row. */
export interface SealedParties {
  parties: Buffer;
  pii_dek: Buffer;
  pii_kek_id: string;
}

/**
 * Where a stored document (a webhook payload) had a payment's parties: `{ "$parties": "<uetr>" }` stands in their place
 * and {@link CustomerData.fill} puts them back when the document is read, so the parties exist once, sealed, in the
 * payments table, and erasing them there erases them everywhere.
 */
export const PARTIES_PLACEHOLDER = '$parties' as const;

/**
 * A free text of a payment sealed by the payment's own data key (a recall's comment): `pii1:<uetr>:<base64>`. It names
 * its payment, so whoever holds a document with it (settlement, a webhook payload) can store and pass it on unread,
 * and {@link CustomerData.fill} opens it wherever it is; erased with the payment's data key, it reads {@link ERASED_TEXT}.
 */
const SEALED_TEXT = /^pii1:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([A-Za-z0-9_-]+)$/;
export const ERASED_TEXT = '[erased]';
const textRecord = (uetr: string): string => `${uetr}#text`;
/** Objects as JSON has them (not a Date, a Buffer or a class instance, which a walk would take apart). */
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const BATCH = 500;
const BUSY_MS = 1_000;
const IDLE_MS = 60_000;

const rewrapped = counter('nostro_customer_data_rewrapped_total', 'Data keys re-wrapped by the current key-encryption key (rotation)');
const erasedTotal = counter('nostro_customer_data_erased_total', 'Payments whose customer data was erased (data key destroyed)');
const openFailures = counter('nostro_customer_data_open_failures_total', 'Reads of customer data that did not decrypt (a missing or wrong KEK)');

/** The view fields of a payment's customer data. */
export interface PartiesFields {
  debtor?: Party | { erased: true };
  creditor?: Party | { erased: true };
  remittanceInfo?: string;
  /** Set when the customer data was erased (crypto-shredding); the parties then read `{ erased: true }`. */
  customerDataErasedAt?: string;
}

/** The view fields of opened parties: the parties, or `{ erased: true }` for each and when. */
export function partiesFields(opened: OpenedParties): PartiesFields {
  if ('erasedAt' in opened) return { debtor: { erased: true }, creditor: { erased: true }, customerDataErasedAt: opened.erasedAt.toISOString() };
  return { debtor: opened.debtor, creditor: opened.creditor, ...(opened.remittanceInfo ? { remittanceInfo: opened.remittanceInfo } : {}) };
}

/**
 * Customer data at rest (API.md "Operator controls", docs/security.md): seals a payment's parties with its own data
 * key, opens them for readers, keeps every data key wrapped by the current KEK (rotation), seals rows written before
 * encryption, and erases (crypto-shreds) a participant's old customer data.
 */
export class CustomerData {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Where the re-wrap pass stands (uetr order); null: at the start of a pass. */
  private rewrapAfter: string | null = null;
  private rewrapFound = 0;
  private legacyDone = false;

  constructor(
    private readonly cipher: PiiCipher,
    private readonly repo: CustomerDataRepository,
    private readonly log: Logger,
    private readonly retentionDays: number,
  ) {}

  /**
   * Before anything is written: each KEK this gateway holds must be the key its id was first used with (a check value
   * only that key opens), and every KEK some data key may still be wrapped by must be held. Otherwise it refuses to
   * start (ConfigError), rather than wrap data keys the other replicas cannot open or answer 503 on every read.
   */
  async checkKeys(): Promise<void> {
    const stored = new Map((await this.repo.keks()).map((k) => [k.kek_id, k]));
    const missing = [...stored.values()].filter((k) => k.retired_at === null && !this.cipher.kekIds.includes(k.kek_id)).map((k) => k.kek_id);
    if (missing.length > 0) {
      throw new ConfigError(
        `data keys may still be wrapped by the key-encryption key(s) ${missing.join(', ')}, which this gateway is not given; ` +
          'give them in PII_KEK_PREVIOUS until the re-wrap after a rotation has finished (docs/security.md, "Rotating PII_KEK").',
      );
    }
    for (const id of this.cipher.kekIds) {
      const row = stored.get(id);
      const check = row ? row.check_value : id === this.cipher.current.id ? await this.repo.recordKek(id, this.cipher.checkValue()) : null;
      if (check && !this.cipher.matchesCheck(id, check)) {
        throw new ConfigError(
          `the key-encryption key "${id}" is not the key this database's customer data was sealed with (its check value does not open); ` +
            'refusing to start rather than write data the other gateways cannot read. Give the right key, or a new key under a new id.',
        );
      }
    }
    await this.repo.unretire(this.cipher.current.id);
    this.log.info({ kek: this.cipher.current.id, previous: this.cipher.kekIds.slice(1) }, 'customer data: key-encryption keys checked');
  }

  /** The sealed columns of a new payment's parties: a fresh data key of its own, wrapped by the current KEK. */
  seal(uetr: string, parties: Parties): SealedParties {
    const dk = this.cipher.newDataKey(uetr);
    const plain: Parties = {
      debtor: parties.debtor,
      creditor: parties.creditor,
      ...(parties.remittanceInfo ? { remittanceInfo: parties.remittanceInfo } : {}),
    };
    return { parties: PiiCipher.seal(dk.key, Buffer.from(JSON.stringify(plain)), uetr), pii_dek: dk.wrapped, pii_kek_id: dk.kekId };
  }

  /**
   * A free text of the payment (a recall's comment) sealed by the payment's data key, as `pii1:<uetr>:<base64>`; the
   * text as given for a payment written before encryption at rest (it has no data key yet), or one already erased.
   */
  sealText(row: PartyColumns, text: string): string {
    if (!row.pii_dek || !row.pii_kek_id) return row.pii_erased_at ? ERASED_TEXT : text;
    const key = this.cipher.unwrap(row.pii_dek, row.pii_kek_id, row.uetr);
    return `pii1:${row.uetr}:${PiiCipher.seal(key, Buffer.from(text, 'utf8'), textRecord(row.uetr)).toString('base64url')}`;
  }

  private openText(row: PartyColumns | undefined, sealed: string): string {
    const m = SEALED_TEXT.exec(sealed);
    if (!m || !row) return ERASED_TEXT;
    if (row.pii_erased_at || !row.pii_dek || !row.pii_kek_id) return ERASED_TEXT;
    try {
      const key = this.cipher.unwrap(row.pii_dek, row.pii_kek_id, row.uetr);
      return PiiCipher.open(key, Buffer.from(m[2], 'base64url'), textRecord(row.uetr)).toString('utf8');
    } catch (error) {
      if (!(error instanceof PiiKeyError)) throw error;
      openFailures.inc();
      this.log.error({ uetr: row.uetr, err: error.message }, 'customer data does not open');
      throw problem('service_unavailable', 'the customer data of this payment cannot be decrypted here; operators have been alerted');
    }
  }

  /** A payment's parties for someone allowed to see them; `503 service_unavailable` if this gateway lacks the key. */
  open(row: PartyColumns): OpenedParties {
    if (row.pii_erased_at) return { erasedAt: row.pii_erased_at };
    if (!row.parties || !row.pii_dek || !row.pii_kek_id) {
      // Written before encryption at rest; sealed by the background pass soon.
      return {
        debtor: row.debtor ?? { name: '', account: '' },
        creditor: row.creditor ?? { name: '', account: '' },
        ...(row.remittance_info ? { remittanceInfo: row.remittance_info } : {}),
      };
    }
    try {
      const key = this.cipher.unwrap(row.pii_dek, row.pii_kek_id, row.uetr);
      return JSON.parse(PiiCipher.open(key, row.parties, row.uetr).toString('utf8')) as Parties;
    } catch (error) {
      if (!(error instanceof PiiKeyError)) throw error;
      openFailures.inc();
      this.log.error({ uetr: row.uetr, kek: row.pii_kek_id, err: error.message }, 'customer data does not open');
      throw problem('service_unavailable', 'the customer data of this payment cannot be decrypted here; operators have been alerted');
    }
  }

  /**
   * Opens what a document holds of customer data for a reader allowed to see it: each `{ "$parties": uetr }`
   * placeholder becomes the payment's parties, each sealed text (`pii1:…`) its clear text; erased ones read erased.
   */
  async fill<T>(doc: T): Promise<T> {
    const uetrs = new Set<string>();
    const find = (v: unknown): void => {
      if (typeof v === 'string') {
        const m = SEALED_TEXT.exec(v);
        if (m) uetrs.add(m[1]);
      } else if (Array.isArray(v)) v.forEach(find);
      else if (isPlainObject(v)) {
        for (const [k, x] of Object.entries(v)) {
          if (k === PARTIES_PLACEHOLDER && typeof x === 'string') uetrs.add(x);
          else find(x);
        }
      }
    };
    find(doc);
    if (uetrs.size === 0) return doc;
    const rows = await this.repo.partiesOf([...uetrs]);
    const put = (v: unknown): unknown => {
      if (typeof v === 'string') {
        const m = SEALED_TEXT.exec(v);
        return m ? this.openText(rows.get(m[1]), v) : v;
      }
      if (Array.isArray(v)) return v.map(put);
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === PARTIES_PLACEHOLDER && typeof x === 'string') {
          const row = rows.get(x);
          Object.assign(out, row ? partiesFields(this.open(row)) : {});
        } else out[k] = put(x);
      }
      return out;
    };
    return put(doc) as T;
  }

  /** Runs {@link maintain} in the background: often while there is work, every minute otherwise. */
  start(): void {
    const tick = async (): Promise<void> => {
      let busy = false;
      try {
        busy = await this.maintain();
      } catch (error) {
        this.log.warn({ err: error }, 'customer data: maintenance failed; retrying');
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void tick(), busy ? BUSY_MS : IDLE_MS);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(() => void tick(), BUSY_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * One step of the background work, safe on every replica at once (rows are locked, SKIP LOCKED): seals a batch of
   * rows written before encryption, re-wraps a batch of data keys wrapped by an older KEK, and once a whole pass finds
   * none, retires the older KEKs. Answers whether there may be more to do.
   */
  async maintain(): Promise<boolean> {
    let busy = false;
    if (!this.legacyDone) {
      const sealed = await this.repo.sealLegacyBatch(BATCH, (rows) =>
        rows.map((r) => {
          const s = this.seal(r.uetr, {
            debtor: r.debtor as Party,
            creditor: r.creditor as Party,
            ...(r.remittance_info ? { remittanceInfo: r.remittance_info } : {}),
          });
          return { uetr: r.uetr, parties: s.parties, dek: s.pii_dek, kekId: s.pii_kek_id };
        }),
      );
      if (sealed > 0) this.log.info({ sealed }, 'customer data: sealed rows written before encryption at rest');
      this.legacyDone = sealed < BATCH;
      busy ||= !this.legacyDone;
    }
    // Only the older keys this gateway is given (PII_KEK_PREVIOUS): a replica not yet rolled to a new current key
    // would otherwise find nothing wrapped by it at the start of a rotation and retire the new key.
    const older = (await this.repo.keks())
      .filter((k) => k.retired_at === null && k.kek_id !== this.cipher.current.id && this.cipher.kekIds.includes(k.kek_id))
      .map((k) => k.kek_id);
    if (older.length > 0) {
      const step = await this.repo.rewrapBatch(this.cipher.current.id, this.rewrapAfter, BATCH, (rows) =>
        rows.map((r) => ({ uetr: r.uetr, ...this.cipher.rewrap(r.pii_dek, r.pii_kek_id, r.uetr) })),
      );
      this.rewrapFound += step.count;
      rewrapped.inc(step.count);
      if (step.count > 0) this.log.info({ rewrapped: step.count, to: this.cipher.current.id }, 'customer data: data keys re-wrapped');
      this.rewrapAfter = step.last;
      if (step.last === null) {
        // A whole pass: if it found nothing, no data key is wrapped by the older KEKs any more.
        if (this.rewrapFound === 0) {
          await this.repo.retire(older);
          this.log.info({ retired: older }, 'customer data: older key-encryption keys no longer wrap any data key');
        }
        this.rewrapFound = 0;
      }
      busy = true;
    }
    return busy;
  }

  /** `GET /v1/admin/customer-data`: which KEK wraps how many data keys, what is erased, what is still clear. */
  async status() {
    const [keks, counts] = await Promise.all([this.repo.keks(), this.repo.counts()]);
    return {
      currentKekId: this.cipher.current.id,
      retentionDays: this.retentionDays,
      keks: keks.map((k) => ({
        kekId: k.kek_id,
        current: k.kek_id === this.cipher.current.id,
        held: this.cipher.kekIds.includes(k.kek_id),
        dataKeys: (counts.byKek.get(k.kek_id) ?? 0n).toString(),
        ...(k.retired_at ? { retiredAt: k.retired_at.toISOString() } : {}),
      })),
      erased: counts.erased.toString(),
      notYetSealed: counts.clear.toString(),
    };
  }

  /**
   * Crypto-shredding (`POST /v1/admin/participants/{id}/erase-customer-data`, dual-controlled): destroys the data keys
   * of the participant's final payments, sent or received, created before `before` and before the retention period.
   */
  async erase(participant: string, before: Date | undefined, now = new Date()) {
    const limit = new Date(now.getTime() - this.retentionDays * 86_400_000);
    const cutoff = before && before < limit ? before : limit;
    let erased = 0;
    for (;;) {
      const n = await this.repo.eraseBatch(participant, cutoff, BATCH);
      erased += n;
      erasedTotal.inc(n);
      if (n < BATCH) break;
    }
    this.log.info({ participant, before: cutoff.toISOString(), erased }, 'customer data: erased');
    return { participant, erasedBefore: cutoff.toISOString(), retentionDays: this.retentionDays, erased };
  }
}
