import { Pool } from '@nostro/platform';
import { OperatorRole } from '@nostro/shared';

export class OperatorsRepository {
  constructor(private readonly pool: Pool) {}

  async insert(o: { id: string; name: string; role: OperatorRole; tokenHash: string }): Promise<void> {
    await this.pool.query('INSERT INTO operators (id, name, role, token_hash) VALUES ($1, $2, $3, $4)', [o.id, o.name, o.role, o.tokenHash]);
  }

  /** Ensures the bootstrap admin exists for this token hash (idempotent). */
  async ensureBootstrapAdmin(id: string, tokenHash: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO operators (id, name, role, token_hash) VALUES ($1, 'bootstrap-admin', 'admin', $2) ON CONFLICT (token_hash) DO NOTHING`,
      [id, tokenHash],
    );
  }

  async byTokenHash(tokenHash: string): Promise<{ id: string; name: string; role: OperatorRole } | null> {
    const { rows } = await this.pool.query<{ id: string; name: string; role: OperatorRole }>(
      'SELECT id, name, role FROM operators WHERE token_hash = $1 AND revoked_at IS NULL',
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /** An operator still active, by id (an approved call runs as the operator who asked for it). */
  async activeById(id: string): Promise<{ id: string; name: string; role: OperatorRole } | null> {
    const { rows } = await this.pool.query<{ id: string; name: string; role: OperatorRole }>(
      'SELECT id, name, role FROM operators WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return rows[0] ?? null;
  }

  async list(): Promise<{ id: string; name: string; role: OperatorRole; created_at: Date; revoked_at: Date | null }[]> {
    const { rows } = await this.pool.query<{ id: string; name: string; role: OperatorRole; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, name, role, created_at, revoked_at FROM operators ORDER BY created_at, id LIMIT 1000',
    );
    return rows;
  }

  /** How many admins may act now (not revoked). */
  async activeAdminCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM operators WHERE role = 'admin' AND revoked_at IS NULL");
    return Number(rows[0].n);
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE operators SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return (rowCount ?? 0) > 0;
  }
}
