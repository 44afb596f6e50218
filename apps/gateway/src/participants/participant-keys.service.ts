import { Pool, parseOrProblem, withTransaction } from '@nostro/platform';
import { assertValidPublicKey, base64UrlDecode } from '@nostro/shared';
import { GatewayConfig } from '../config';
import { addKeySchema } from '../http/api.schemas';
import { fieldProblem } from '../http/gateway.errors';
import { HttpResult, IdempotencyService } from '../idempotency/idempotency.service';
import { NETWORK_KEY_ID } from '../webhooks/webhook.dispatcher';
import { ParticipantCache } from './participant.cache';
import { participantsError } from './participants.errors';
import { KeyConflict, KeyRow, ParticipantsRepository } from './participants.repository';

/** Active keys a bank may hold through `POST /v1/keys/participant` (rotation needs two; an operator is not bound by it). */
export const BANK_ACTIVE_KEYS_MAX = 10;

export interface NewKey {
  keyId: string;
  publicKey: string;
}

export function keyView(k: KeyRow) {
  return {
    keyId: k.key_id,
    participant: k.participant,
    publicKey: k.public_key,
    createdAt: k.created_at.toISOString(),
    revokedAt: k.revoked_at?.toISOString() ?? null,
  };
}

/**
 * Participants' request-signing keys, added and revoked by an operator (`/v1/admin/participants/{id}/keys`) or by the
 * bank itself (`/v1/keys/participant`), under the same rules: a strict Ed25519 public key, key ids unique across
 * participants and never one of the network's own, a public key belonging to one participant only. A change is
 * announced with NOTIFY in its transaction (every replica drops its key cache) and dropped here at once.
 */
export class ParticipantKeysService {
  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: Pool,
    private readonly participants: ParticipantsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly cache: ParticipantCache,
  ) {}

  /** A new key's body, checked before anything is written. */
  parseNewKey(body: unknown): NewKey {
    const k = parseOrProblem(addKeySchema, body);
    assertPublicKey(k.publicKey, 'publicKey');
    this.assertKeyIdFree(k.keyId, 'keyId');
    return k;
  }

  /** An operator adding a key to an existing participant. */
  async add(participant: string, key: NewKey): Promise<KeyRow> {
    const row = await withTransaction(this.pool, (tx) => this.participants.addKey(tx, participant, key.keyId, key.publicKey));
    if ('conflict' in row) throw keyConflict(row, key.keyId);
    this.cache.invalidate();
    return row;
  }

  /** `POST /v1/keys/participant`: the signing bank adds a key of its own (Idempotency-Key honoured). */
  async addOwn(participant: string, body: unknown, idempotencyKey: string | null, rawBody: Buffer | undefined): Promise<HttpResult> {
    const hash = IdempotencyService.requestHash('POST', '/v1/keys/participant', rawBody);
    return this.idempotency.run(participant, idempotencyKey, hash, async () => {
      const key = this.parseNewKey(body);
      const row = await withTransaction(this.pool, (tx) => this.participants.addKeyWithin(tx, participant, key.keyId, key.publicKey, BANK_ACTIVE_KEYS_MAX));
      if (row === 'too_many') {
        throw participantsError('limit_exceeded', `at most ${BANK_ACTIVE_KEYS_MAX} active keys: revoke one before adding another`);
      }
      if ('conflict' in row) throw keyConflict(row, key.keyId);
      this.cache.invalidate();
      return { status: 201, body: keyView(row) };
    });
  }

  /**
   * `DELETE /v1/keys/participant/{keyId}`: the signing bank revokes one of its active keys, never its last one. A key
   * of another participant, unknown or already revoked is `404`. Requests signed with it are `401 key_unknown` from the
   * answer on: here at once, on the other replicas as soon as they hear the notification.
   */
  async revokeOwn(participant: string, keyId: string): Promise<void> {
    const outcome = await withTransaction(this.pool, (tx) => this.participants.revokeKeyKeepingOne(tx, participant, keyId));
    if (outcome === 'not_found') throw participantsError('not_found', `you have no active key ${keyId}`);
    if (outcome === 'last_key') throw participantsError('last_key', `${keyId} is your last active key: add another one first (POST /v1/keys/participant)`);
    this.cache.invalidate();
  }

  /** `nostro` (the network's webhook key) and the validators' ids name the network's own keys, never a participant's. */
  assertKeyIdFree(keyId: string, path: string): void {
    const reserved = new Set([NETWORK_KEY_ID, ...this.config.VALIDATOR_PUBLIC_KEYS.map((v) => v.id)].map((id) => id.toLowerCase()));
    if (reserved.has(keyId.toLowerCase())) {
      throw participantsError('key_id_reserved', `key id ${keyId} names one of the network's own keys (GET /v1/keys)`, [{ path, message: 'reserved key id' }]);
    }
  }
}

export function keyConflict(c: KeyConflict, keyId: string) {
  return c.conflict === 'key_exists'
    ? participantsError('key_exists', `key id ${keyId} is taken (key ids are unique across participants)`, [{ path: 'keyId', message: 'taken' }])
    : participantsError('public_key_in_use', 'this public key is already registered (a public key belongs to one participant only, revoked keys included)', [
        { path: 'publicKey', message: 'already registered' },
      ]);
}

/** Strict RFC 8032 rules (canonical, not small order, prime-order subgroup), checked once when a key is added. */
export function assertPublicKey(publicKey: string, path: string): void {
  try {
    assertValidPublicKey(base64UrlDecode(publicKey));
  } catch (error) {
    throw fieldProblem(path, (error as Error).message, `${path} is not an acceptable Ed25519 public key`);
  }
}
