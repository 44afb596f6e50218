import { idempotencyError } from './idempotency.errors';
import { Pool, PoolClient, ProblemError, problemBody } from '@nostro/platform';
import { sha256Hex } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { IdempotencyRepository, StoredAnswer } from './idempotency.repository';

/** A response to send, and whether a repeat of the request should get it back (final answers only). */
export interface HttpResult {
  status: number;
  body: unknown;
  replayed?: boolean;
  /** False for a provisional answer (e.g. 202 "still waiting for the ledger"): a repeat runs the request again. */
  store?: boolean;
  /** True when the work already stored the response in its own transaction (see {@link IdempotentWork}). */
  stored?: boolean;
  /** What a repeat gets instead of `body`, when `body` holds a secret shown once (a new operator's token). */
  replayBody?: unknown;
}

/**
 * Stores a request's response inside the caller's transaction. `key` names the idempotency key it completes (absent
 * for a request sent without one), so that the answers of many requests recorded in one transaction can be stored in
 * one statement ({@link IdempotencyService.completeMany}) instead of calling each.
 */
export interface Completion {
  (tx: PoolClient, status: number, body: unknown): Promise<void>;
  readonly key?: { scope: string; key: string };
}

/**
 * The work behind an idempotent request. `resourceId` is reserved for this key and is the same on every retry that
 * takes over an abandoned attempt; `complete` stores the response inside the work's own transaction, so the state
 * change and the stored answer commit together. `resumed` is true only for such a takeover: otherwise the resource id
 * is new and nothing can exist under it yet, so the work need not look.
 */
export type IdempotentWork = (resourceId: string, complete: Completion, resumed: boolean) => Promise<HttpResult>;

export type IdempotencyStart = { kind: 'fresh'; resourceId: string; resumed: boolean } | { kind: 'replay'; status: number; body: unknown };

/** How long a request holds its key before a retry may take it over (a crashed attempt's lease). */
const LEASE_MS = 30_000;
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * API.md "Idempotency", kept in Postgres (Redis may lose everything): same key + same body → the stored response;
 * different body → 409 idempotency_conflict; while the first is in flight → 409 idempotency_in_progress.
 * A request that died half-way is resumed by the retry with the same reserved resource id, so it can never
 * create a second payment.
 */
export class IdempotencyService {
  constructor(
    private readonly pool: Pool,
    private readonly repo: IdempotencyRepository,
  ) {}

  static validateKey(key: string | undefined, required: boolean): string | null {
    if (key === undefined || key === '') {
      if (required) throw idempotencyError('idempotency_key_required', 'this request needs an Idempotency-Key header');
      return null;
    }
    if (!KEY_PATTERN.test(key)) {
      throw idempotencyError('validation_failed', 'Idempotency-Key must be 1-255 of A-Z a-z 0-9 . _ : -', [
        { path: 'header.idempotency-key', message: 'invalid characters or length' },
      ]);
    }
    return key;
  }

  /** The fingerprint of a request: method, path and the exact body bytes (what the bank signed). */
  static requestHash(method: string, path: string, rawBody: Buffer | undefined): string {
    return sha256Hex(Buffer.concat([Buffer.from(`${method} ${path}\n`), rawBody ?? Buffer.alloc(0)]));
  }

  /**
   * Runs `work` at most once per (scope, key): a repeat gets the stored answer, a different request under the same
   * key `409 idempotency_conflict`, a concurrent repeat `409 idempotency_in_progress`. Without a key, runs it.
   * Client errors (4xx) are final answers and stored; unexpected failures release the key for an immediate retry.
   */
  async run(scope: string, key: string | null, requestHash: string, work: IdempotentWork): Promise<HttpResult> {
    if (key === null) return work(randomUUID(), async () => undefined, false);
    const start = await this.start(scope, key, requestHash);
    if (start.kind === 'replay') return { status: start.status, body: start.body, replayed: true };
    try {
      const complete: Completion = Object.assign((tx: PoolClient, status: number, body: unknown) => this.complete(tx, scope, key, status, body), {
        key: { scope, key },
      });
      const result = await work(start.resourceId, complete, start.resumed);
      if (result.stored) return result;
      if (result.store === false) await this.release(scope, key);
      else await this.complete(this.pool, scope, key, result.status, result.replayBody ?? result.body);
      return result;
    } catch (error) {
      if (error instanceof ProblemError && error.status < 500) {
        await this.complete(this.pool, scope, key, error.status, problemBody(error));
        throw error;
      }
      await this.release(scope, key).catch(() => undefined);
      throw error;
    }
  }

  async start(participant: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    const resourceId = randomUUID();
    if (await this.repo.claim(participant, key, requestHash, resourceId, LEASE_MS / 1000)) return { kind: 'fresh', resourceId, resumed: false };
    return this.existing(participant, key, requestHash);
  }

  private async existing(participant: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    const row = await this.repo.find(participant, key);
    if (!row) return this.start(participant, key, requestHash);
    if (row.request_hash !== requestHash) throw idempotencyError('idempotency_conflict', 'this Idempotency-Key was used with a different request');
    if (row.state === 'done') return { kind: 'replay', status: row.response_status as number, body: row.response_body };
    const resourceId = await this.repo.takeOver(participant, key, LEASE_MS / 1000);
    if (resourceId) return { kind: 'fresh', resourceId, resumed: true };
    throw idempotencyError('idempotency_in_progress', 'a request with this Idempotency-Key is still being processed', undefined, { 'retry-after': '1' });
  }

  /** Stores the final response, in the caller's transaction when the response reflects a state change. */
  complete(db: Pool | PoolClient, participant: string, key: string, status: number, body: unknown): Promise<void> {
    return this.repo.complete(db, participant, key, status, body);
  }

  /**
   * Stores the responses of many requests in the caller's transaction: those whose {@link Completion} names its key in
   * one statement, any other by calling it.
   */
  async completeMany(tx: PoolClient, answers: readonly { complete: Completion; status: number; body: unknown }[]): Promise<void> {
    const keyed: StoredAnswer[] = [];
    for (const { complete, status, body } of answers) {
      if (complete.key) keyed.push({ ...complete.key, status, body });
      else await complete(tx, status, body);
    }
    await this.repo.completeMany(tx, keyed);
  }

  /** Lets an immediate retry take the key over after an unexpected failure (5xx). */
  release(participant: string, key: string): Promise<void> {
    return this.repo.release(participant, key);
  }
}
