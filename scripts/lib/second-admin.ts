// The local stack's second admin, for DUAL_CONTROL=on (docs/security.md "Dual control"): every deposit, withdrawal,
// limit, key and operator one admin asks for waits for a different admin, and creating that admin is itself such a
// call, which nobody could approve. So the stack writes it into the gateway's operators table the way the gateway
// writes its bootstrap admin from BOOTSTRAP_ADMIN_TOKEN_FILE (the token's SHA-256 only, idempotent, not audited),
// and keeps its token beside the first one. Local and test stacks only: production creates its operators otherwise.
import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { POSTGRES } from './infra';

export const SECOND_ADMIN_NAME = 'second-admin';

/** The token in `file`, written first (32 random bytes, base64url, mode 0600) when the file is missing. */
export function ensureTokenFile(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Makes the token's operator an admin of the gateway whose database is `database` (migrated: the gateway is ready).
 * Answers `revoked` when an operator revoked it since: it stays revoked (delete the token file and start again).
 */
export async function ensureSecondAdmin(database: string, token: string): Promise<'created' | 'exists' | 'revoked'> {
  const tokenHash = crypto.createHash('sha256').update(token).digest('hex');
  const client = new pg.Client({ ...POSTGRES, database });
  await client.connect();
  try {
    const added = await client.query(
      `INSERT INTO operators (id, name, role, token_hash) VALUES ($1, $2, 'admin', $3) ON CONFLICT (token_hash) DO NOTHING RETURNING id`,
      [crypto.randomUUID(), SECOND_ADMIN_NAME, tokenHash],
    );
    if (added.rowCount === 1) return 'created';
    const { rows } = await client.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM operators WHERE token_hash = $1', [tokenHash]);
    return rows[0]?.revoked_at ? 'revoked' : 'exists';
  } finally {
    await client.end();
  }
}
