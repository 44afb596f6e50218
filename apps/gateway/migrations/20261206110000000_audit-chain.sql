-- Up Migration
-- The operator audit log becomes tamper-evident (docs/security.md): every entry carries a sequence number, the hash
-- of the entry before it and its own hash, computed by the database under a lock, so no writer can skip or reorder
-- the chain and an edited, inserted or deleted row breaks it at that entry (`npm run nostro-audit -- verify`).
-- It records every state-changing /v1/admin call (written by the gateway before the answer leaves) and every ops
-- console action, with where the call came from.
ALTER TABLE ops_audit_log
  ADD COLUMN remote_addr text,
  ADD COLUMN seq bigint UNIQUE,
  ADD COLUMN prev_hash char(64),
  ADD COLUMN hash char(64);
ALTER TABLE ops_audit_log DROP CONSTRAINT ops_audit_log_check,
  -- Only a call that did something has a known operator for sure: one refused at the edge (malformed JSON, a wrong
  -- media type) or denied never reached the operator check.
  ADD CONSTRAINT ops_audit_log_operator_known CHECK (operator_id IS NOT NULL OR outcome <> 'ok');
ALTER TABLE ops_audit_log DROP CONSTRAINT ops_audit_log_action_check,
  ADD CONSTRAINT ops_audit_log_action_check CHECK (action ~ '^[a-z][a-z_.-]{1,127}$');

-- The text an entry's hash covers: every column but the hash itself, in a fixed order, each one unambiguous
-- (times in UTC to the microsecond, jsonb in its canonical text form, NULL as \N). The verifier rebuilds it.
CREATE FUNCTION ops_audit_log_text(e ops_audit_log) RETURNS text AS $$
  SELECT concat_ws(E'\x1f',
    e.seq::text,
    to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    coalesce(e.operator_id::text, '\N'), coalesce(e.operator_name, '\N'), coalesce(e.operator_role, '\N'),
    e.action, coalesce(e.target, '\N'), e.outcome, coalesce(e.http_status::text, '\N'), e.detail::text,
    coalesce(e.correlation_id, '\N'), coalesce(e.remote_addr, '\N'), e.prev_hash)
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION ops_audit_log_chain() RETURNS trigger AS $$
DECLARE
  last ops_audit_log;
BEGIN
  -- One appender at a time (until its transaction ends): the chain has no forks and no gaps.
  PERFORM pg_advisory_xact_lock(hashtext('ops_audit_log_chain'));
  SELECT * INTO last FROM ops_audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, repeat('0', 64));
  NEW.hash := encode(sha256(convert_to(ops_audit_log_text(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ops_audit_log_chained BEFORE INSERT ON ops_audit_log FOR EACH ROW EXECUTE FUNCTION ops_audit_log_chain();

-- The entries written before the chain existed join it, in id order.
ALTER TABLE ops_audit_log DISABLE TRIGGER ops_audit_log_no_change;
DO $$
DECLARE
  e ops_audit_log;
  prev char(64) := repeat('0', 64);
  n bigint := 0;
BEGIN
  FOR e IN SELECT * FROM ops_audit_log ORDER BY id LOOP
    n := n + 1;
    e.seq := n;
    e.prev_hash := prev;
    e.hash := encode(sha256(convert_to(ops_audit_log_text(e), 'UTF8')), 'hex');
    UPDATE ops_audit_log SET seq = e.seq, prev_hash = e.prev_hash, hash = e.hash WHERE id = e.id;
    prev := e.hash;
  END LOOP;
END $$;
ALTER TABLE ops_audit_log ENABLE TRIGGER ops_audit_log_no_change;
ALTER TABLE ops_audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;

-- Down Migration
ALTER TABLE ops_audit_log DISABLE TRIGGER ops_audit_log_no_change;
DELETE FROM ops_audit_log WHERE action LIKE 'admin.%' OR (operator_id IS NULL AND action <> 'session.sign_in');
ALTER TABLE ops_audit_log ENABLE TRIGGER ops_audit_log_no_change;
DROP TRIGGER ops_audit_log_chained ON ops_audit_log;
DROP FUNCTION ops_audit_log_chain();
DROP FUNCTION ops_audit_log_text(ops_audit_log);
ALTER TABLE ops_audit_log DROP CONSTRAINT ops_audit_log_action_check,
  ADD CONSTRAINT ops_audit_log_action_check CHECK (action ~ '^[a-z][a-z_.]{1,63}$');
ALTER TABLE ops_audit_log DROP CONSTRAINT ops_audit_log_operator_known,
  ADD CONSTRAINT ops_audit_log_check CHECK (operator_id IS NOT NULL OR (action = 'session.sign_in' AND outcome = 'denied'));
ALTER TABLE ops_audit_log DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN seq, DROP COLUMN remote_addr;
