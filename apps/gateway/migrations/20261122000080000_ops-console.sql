-- Up Migration
-- The operations console (docs/ops-console.md): sign-in sessions, the audit log of operator actions, the indexes
-- its lists and live overview read with, and the notification that makes its payment views live.

-- A signed-in operator. The cookie holds a random secret; only its SHA-256 is stored, and the operator token is
-- kept sealed (AES-256-GCM) under a key derived from that secret, so neither is readable from the database alone.
CREATE TABLE ops_sessions (
  id_hash char(64) PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES operators (id),
  sealed_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- absolute end; an idle session ends earlier (OPS_SESSION_IDLE_MS)
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX ops_sessions_expires_at ON ops_sessions (expires_at);
CREATE INDEX ops_sessions_operator ON ops_sessions (operator_id);

-- Every operator action taken through the console, allowed or not: who, what, on what, when, and how it ended.
CREATE TABLE ops_audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- null only for a sign-in with an unknown token
  operator_id uuid,
  operator_name text,
  operator_role text CHECK (operator_role IN ('viewer', 'approver', 'admin')),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{1,63}$'),
  target text,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'refused', 'denied', 'failed')),
  http_status integer CHECK (http_status BETWEEN 100 AND 599),
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  correlation_id text,
  CHECK (operator_id IS NOT NULL OR (action = 'session.sign_in' AND outcome = 'denied'))
);
CREATE INDEX ops_audit_log_operator ON ops_audit_log (operator_id, id);
CREATE INDEX ops_audit_log_target ON ops_audit_log (target, id) WHERE target IS NOT NULL;

CREATE FUNCTION ops_audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ops_audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ops_audit_log_no_change BEFORE UPDATE OR DELETE ON ops_audit_log
  FOR EACH ROW EXECUTE FUNCTION ops_audit_log_append_only();

-- Lists across all participants, newest first with keyset pagination, and the filters the console offers.
CREATE INDEX ops_payments_created ON payments (created_at, uetr);
CREATE INDEX ops_payments_status ON payments (status, created_at, uetr);
CREATE INDEX ops_payments_end_to_end_id ON payments (end_to_end_id);
-- The overview's windows (status transitions per minute, settlement latency) read recent timeline rows only.
CREATE INDEX ops_payment_timeline_at ON payment_timeline (at, status, uetr);
-- A participant's page lists the operator requests about it (deposits, limits, suspensions, decisions).
CREATE INDEX ops_admin_requests_participant ON admin_requests (participant, created_at);

-- Each new timeline entry wakes the console's live stream (at most one listener per gateway process), which then
-- reads the payment; the payload is only the UETR and the status reached.
CREATE FUNCTION ops_payment_timeline_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('ops_payment_changes', NEW.uetr::text || ' ' || NEW.status);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ops_payment_timeline_changed AFTER INSERT ON payment_timeline
  FOR EACH ROW EXECUTE FUNCTION ops_payment_timeline_notify();

-- Down Migration
DROP TRIGGER ops_payment_timeline_changed ON payment_timeline;
DROP FUNCTION ops_payment_timeline_notify();
DROP INDEX ops_admin_requests_participant;
DROP INDEX ops_payment_timeline_at;
DROP INDEX ops_payments_end_to_end_id;
DROP INDEX ops_payments_status;
DROP INDEX ops_payments_created;
DROP TRIGGER ops_audit_log_no_change ON ops_audit_log;
DROP FUNCTION ops_audit_log_append_only();
DROP TABLE ops_audit_log;
DROP TABLE ops_sessions;
