import { createHash } from 'node:crypto';
import { AUDIT_GENESIS_HASH, AuditChainRow, auditEntryText, verifyAuditChain } from './audit-chain';

function chain(n: number): AuditChainRow[] {
  const rows: AuditChainRow[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const row: AuditChainRow = {
      id: String(100 + i),
      seq: String(i),
      at: `2026-12-06T10:00:0${i}.000001Z`,
      operator_id: i === 2 ? null : '4204557b-afc4-4fc6-b994-b35f6a8af543',
      operator_name: i === 2 ? null : 'alice',
      operator_role: i === 2 ? null : 'admin',
      action: 'admin.participants.deposits.post',
      target: 'BANKUS33',
      outcome: i === 2 ? 'denied' : 'ok',
      http_status: i === 2 ? '401' : '201',
      detail: '{"body": {"amount": "10.00"}}',
      correlation_id: null,
      remote_addr: '127.0.0.1',
      prev_hash: prev,
      hash: '',
    };
    row.hash = createHash('sha256').update(auditEntryText(row)).digest('hex');
    prev = row.hash;
    rows.push(row);
  }
  return rows;
}

describe('verifyAuditChain', () => {
  it('accepts an intact chain, from its start or from any entry', () => {
    const rows = chain(5);
    expect(verifyAuditChain(rows)).toBeNull();
    expect(verifyAuditChain(rows.slice(2), { seq: rows[1].seq, hash: rows[1].hash })).toBeNull();
  });

  it('names the first entry whose content was edited', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], detail: '{"body": {"amount": "1000000.00"}}' };
    expect(verifyAuditChain(rows)).toEqual({ seq: '3', id: '103', reason: 'hash_mismatch' });
  });

  it('names a rewritten hash by the break it leaves in the next entry, and a deleted entry by the gap', () => {
    const rows = chain(5);
    const forged = { ...rows[2], outcome: 'refused' };
    forged.hash = createHash('sha256').update(auditEntryText(forged)).digest('hex');
    expect(verifyAuditChain([rows[0], rows[1], forged, rows[3], rows[4]])).toEqual({ seq: '4', id: '104', reason: 'prev_hash_mismatch' });
    expect(verifyAuditChain([rows[0], rows[1], rows[3], rows[4]])).toEqual({ seq: '4', id: '104', reason: 'sequence_gap' });
  });
});
