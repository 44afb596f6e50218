import { Pool, PoolClient } from '@nostro/platform';

export interface ParticipantRow {
  id: string;
  name: string;
  currencies: string[];
  webhook_url: string | null;
  status: 'active' | 'suspended';
}

export interface KeyRow {
  key_id: string;
  participant: string;
  public_key: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** Which uniqueness a new key would break. */
export interface KeyConflict {
  conflict: 'key_exists' | 'public_key_in_use';
}

/** Tells every gateway replica that participants or keys changed, so their caches drop stale entries at once. */
export const PARTICIPANTS_CHANGED_CHANNEL = 'gateway_participants_changed';
const LIST_LIMIT_MAX = 1_000;

/** Participants and their request-signing keys. */
export class ParticipantsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * A participant with its first key (key id = participant id). On a conflict nothing is written by this call, but
   * the caller must roll the transaction back: the participant row stays when only its key conflicts.
   */
  async insert(
    tx: PoolClient,
    p: { id: string; name: string; currencies: string[]; webhookUrl?: string; publicKey: string },
  ): Promise<'created' | 'participant_exists' | KeyConflict> {
    const { rowCount } = await tx.query('INSERT INTO participants (id, name, currencies, webhook_url) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      p.id,
      p.name,
      p.currencies,
      p.webhookUrl ?? null,
    ]);
    if ((rowCount ?? 0) === 0) return 'participant_exists';
    const key = await this.insertKey(tx, p.id, p.id, p.publicKey);
    return 'conflict' in key ? key : 'created';
  }

  async find(id: string, db: Pool | PoolClient = this.pool): Promise<ParticipantRow | null> {
    const { rows } = await db.query<ParticipantRow>('SELECT id, name, currencies, webhook_url, status FROM participants WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  /** Several participants in one query, by id (for a batch of status events). */
  async findMany(ids: readonly string[], db: Pool | PoolClient = this.pool): Promise<Map<string, ParticipantRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await db.query<ParticipantRow>('SELECT id, name, currencies, webhook_url, status FROM participants WHERE id = ANY($1::text[])', [
      [...new Set(ids)],
    ]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async list(limit: number, after?: string): Promise<ParticipantRow[]> {
    const { rows } = await this.pool.query<ParticipantRow>(
      'SELECT id, name, currencies, webhook_url, status FROM participants WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2',
      [after ?? null, Math.min(limit, LIST_LIMIT_MAX)],
    );
    return rows;
  }

  /** The active key with this id and the participant it belongs to. */
  async activeKey(keyId: string): Promise<{ participant: string; publicKey: string; status: string } | null> {
    const { rows } = await this.pool.query<{ participant: string; public_key: string; status: string }>(
      `SELECT k.participant, k.public_key, p.status FROM participant_keys k JOIN participants p ON p.id = k.participant
        WHERE k.key_id = $1 AND k.revoked_at IS NULL`,
      [keyId],
    );
    return rows[0] ? { participant: rows[0].participant, publicKey: rows[0].public_key, status: rows[0].status } : null;
  }

  async keys(participant: string): Promise<KeyRow[]> {
    const { rows } = await this.pool.query<KeyRow>(
      'SELECT key_id, participant, public_key, created_at, revoked_at FROM participant_keys WHERE participant = $1 ORDER BY created_at, key_id',
      [participant],
    );
    return rows;
  }

  /**
   * A further key, or which uniqueness it breaks: key ids are global (a signature names its key, not its
   * participant), and a public key belongs to one participant only (revoked keys included).
   */
  async addKey(tx: PoolClient, participant: string, keyId: string, publicKey: string): Promise<KeyRow | KeyConflict> {
    const row = await this.insertKey(tx, participant, keyId, publicKey);
    if (!('conflict' in row)) await this.notifyChanged(tx, participant);
    return row;
  }

  private async insertKey(tx: PoolClient, participant: string, keyId: string, publicKey: string): Promise<KeyRow | KeyConflict> {
    const { rows } = await tx.query<KeyRow>(
      `INSERT INTO participant_keys (key_id, participant, public_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
       RETURNING key_id, participant, public_key, created_at, revoked_at`,
      [keyId, participant, publicKey],
    );
    if (rows[0]) return rows[0];
    const { rows: taken } = await tx.query<{ key_id: string }>('SELECT key_id FROM participant_keys WHERE key_id = $1', [keyId]);
    return { conflict: taken.length > 0 ? 'key_exists' : 'public_key_in_use' };
  }

  async revokeKey(tx: PoolClient, participant: string, keyId: string): Promise<boolean> {
    const { rowCount } = await tx.query('UPDATE participant_keys SET revoked_at = now() WHERE participant = $1 AND key_id = $2 AND revoked_at IS NULL', [
      participant,
      keyId,
    ]);
    if ((rowCount ?? 0) > 0) await this.notifyChanged(tx, participant);
    return (rowCount ?? 0) > 0;
  }

  /**
   * A bank's own key: added unless the participant already has `activeMax` active keys. The participant's row is
   * locked first, so concurrent additions and revocations of one participant's keys take turns.
   */
  async addKeyWithin(tx: PoolClient, participant: string, keyId: string, publicKey: string, activeMax: number): Promise<KeyRow | KeyConflict | 'too_many'> {
    if ((await this.lockActiveKeys(tx, participant, keyId)).active >= activeMax) return 'too_many';
    return this.addKey(tx, participant, keyId, publicKey);
  }

  /** A bank revoking one of its own active keys, never the last one (same lock as {@link addKeyWithin}). */
  async revokeKeyKeepingOne(tx: PoolClient, participant: string, keyId: string): Promise<'revoked' | 'not_found' | 'last_key'> {
    const { active, has } = await this.lockActiveKeys(tx, participant, keyId);
    if (!has) return 'not_found';
    if (active === 1) return 'last_key';
    return (await this.revokeKey(tx, participant, keyId)) ? 'revoked' : 'not_found';
  }

  /**
   * Locks the participant's row, then counts its active keys and says whether `keyId` is one of them (a statement run
   * after the lock: it sees what the previous holder committed).
   */
  private async lockActiveKeys(tx: PoolClient, participant: string, keyId: string): Promise<{ active: number; has: boolean }> {
    await tx.query('SELECT 1 FROM participants WHERE id = $1 FOR UPDATE', [participant]);
    const { rows } = await tx.query<{ active: number; has: boolean }>(
      `SELECT count(*)::int AS active, coalesce(bool_or(key_id = $2), false) AS has FROM participant_keys
        WHERE participant = $1 AND revoked_at IS NULL`,
      [participant, keyId],
    );
    return rows[0] ?? { active: 0, has: false };
  }

  async setStatus(tx: PoolClient, participant: string, status: ParticipantRow['status']): Promise<void> {
    await tx.query('UPDATE participants SET status = $2, updated_at = now() WHERE id = $1', [participant, status]);
    await this.notifyChanged(tx, participant);
  }

  async update(tx: PoolClient, participant: string, patch: { name?: string; webhookUrl?: string | null }): Promise<void> {
    await tx.query(
      `UPDATE participants SET name = COALESCE($2, name), webhook_url = CASE WHEN $3 THEN $4 ELSE webhook_url END, updated_at = now() WHERE id = $1`,
      [participant, patch.name ?? null, patch.webhookUrl !== undefined, patch.webhookUrl ?? null],
    );
    await this.notifyChanged(tx, participant);
  }

  private async notifyChanged(tx: PoolClient, participant: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [PARTICIPANTS_CHANGED_CHANNEL, participant]);
  }
}
