import { Pool, PoolClient } from '@nostro/platform';

export interface ParticipantRow {
  id: string;
  name: string;
  currencies: string[];
  webhook_url: string | null;
  status: 'active' | 'suspended';
}

/** Participants and their request-signing keys. */
export class ParticipantsRepository {
  constructor(private readonly pool: Pool) {}

  async insert(tx: PoolClient, p: { id: string; name: string; currencies: string[]; webhookUrl?: string; publicKey: string }): Promise<boolean> {
    const { rowCount } = await tx.query(
      'INSERT INTO participants (id, name, currencies, webhook_url) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [p.id, p.name, p.currencies, p.webhookUrl ?? null],
    );
    if ((rowCount ?? 0) === 0) return false;
    await tx.query('INSERT INTO participant_keys (key_id, participant, public_key) VALUES ($1, $1, $2)', [p.id, p.publicKey]);
    return true;
  }

  async find(id: string): Promise<ParticipantRow | null> {
    const { rows } = await this.pool.query<ParticipantRow>('SELECT id, name, currencies, webhook_url, status FROM participants WHERE id = $1', [id]);
    return rows[0] ?? null;
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
}
