-- 0001_initial: the decision store (issue 3) — decisions, provider calls, policy versions, audit log.
--
-- Applied by `verdict migrate` (and by verdictd at start when configured) in one transaction and
-- recorded in schema_migrations with its SHA-256, so it runs once per database. Never edit this file
-- once it has been applied anywhere: the runner refuses a changed checksum. Add 0002_….sql instead.
--
-- Times are timestamptz (UTC instants). Months, and so partitions, are UTC months.

-- Every decision id, exactly once.
--
-- `decisions` is partitioned by month on received_at, and PostgreSQL requires the primary key (and
-- every unique index) of a partitioned table to contain the partition key. (decision_id,
-- received_at) alone would let one decision id be stored twice under two timestamps, e.g. when a
-- replayed record and its original disagree on the millisecond. This small unpartitioned table is
-- where decision_id is unique: the store inserts here first with ON CONFLICT DO NOTHING and writes
-- the decision row only for ids that were new, which is what makes a batch write idempotent. It also
-- maps an id to its instant, so a lookup by id touches one partition.
CREATE TABLE decision_ids (
  decision_id uuid        PRIMARY KEY,
  received_at timestamptz NOT NULL
);

CREATE TABLE decisions (
  decision_id     uuid        NOT NULL REFERENCES decision_ids,
  received_at     timestamptz NOT NULL,
  idempotency_key text,                 -- NULL when the client sent none
  application_id  text        NOT NULL,
  channel         text        NOT NULL,
  shop_id         text        NOT NULL,
  outcome         text        NOT NULL
    CHECK (outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REFER', 'REJECT')),
  policy_name     text        NOT NULL,
  policy_version  integer     NOT NULL,
  policy_hash     text        NOT NULL,
  elapsed_ms      integer     NOT NULL,
  -- A keyed hash of the applicant's identifiers (never the identifiers): finds an applicant's earlier
  -- decisions without the store holding a searchable BSN, IBAN or e-mail address.
  customer_key    text        NOT NULL,
  -- What was decided on ({"application", "providers", "velocity"}) and what was answered: enough to
  -- replay the decision against the policy version named above.
  case_json       jsonb       NOT NULL,
  decision_json   jsonb       NOT NULL,
  PRIMARY KEY (decision_id, received_at)
) PARTITION BY RANGE (received_at);

-- Monthly partitions (decisions_YYYY_MM) are created by the store before it first writes into a
-- month, so nobody has to remember to create next month's. This one catches whatever arrives for a
-- month without a partition (a concurrent creation failing, a bulk load); retention drops monthly
-- partitions, so it should stay empty.
CREATE TABLE decisions_default PARTITION OF decisions DEFAULT;

-- Indexes on the parent are created on every partition, present and future.
CREATE INDEX decisions_customer_key_idx ON decisions (customer_key, received_at);
CREATE INDEX decisions_idempotency_key_idx ON decisions (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX decisions_application_id_idx ON decisions (application_id);
-- The acceptance charts group a time range by channel, outcome and policy.
CREATE INDEX decisions_received_at_idx ON decisions (received_at, channel, outcome);

-- An idempotency key answers with the first decision made for it. Unique here rather than on
-- `decisions` for the same partitioning reason as decision_ids; and a second decision racing in with
-- the same key (two replicas, one retried request) is still stored — it was answered to a shop — it
-- just does not take the key over. Keys are as the daemon passes them (it scopes them per client).
CREATE TABLE idempotency_keys (
  idempotency_key text PRIMARY KEY,
  decision_id     uuid NOT NULL REFERENCES decision_ids
);

-- The provider calls a decision made, in the order recorded. Keyed by decision_ids so that a call
-- never exists without its decision; retention deletes them with the decision id (ON DELETE CASCADE)
-- after dropping the month's partition.
CREATE TABLE provider_calls (
  decision_id uuid     NOT NULL REFERENCES decision_ids ON DELETE CASCADE,
  seq         smallint NOT NULL,
  provider    text     NOT NULL,
  status      text     NOT NULL,
  latency_ms  integer  NOT NULL,
  cached      boolean  NOT NULL,
  error       text,                     -- NULL when the call succeeded
  PRIMARY KEY (decision_id, seq)
);

-- Tables that only ever grow: published policy versions are immutable and the audit log is evidence.
-- A trigger rather than REVOKE, because the owner and superusers bypass privileges but not triggers.
CREATE FUNCTION verdict_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;

-- Every published policy version, four-eyes: the approver is a second analyst, never the author.
CREATE TABLE policy_versions (
  name         text        NOT NULL,
  version      integer     NOT NULL CHECK (version > 0),
  content_hash text        NOT NULL,    -- "sha256:…" over the canonical document
  document     jsonb       NOT NULL,
  author       text        NOT NULL CHECK (btrim(author) <> ''),
  approver     text        NOT NULL CHECK (btrim(approver) <> ''),
  comment      text        NOT NULL CHECK (btrim(comment) <> ''),
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version),
  CONSTRAINT policy_versions_four_eyes CHECK (lower(btrim(approver)) <> lower(btrim(author)))
);
CREATE INDEX policy_versions_published_at_idx ON policy_versions (name, published_at);
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_change();
CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_change();

-- Every human action (approve, publish, override, block an IBAN …), append-only.
CREATE TABLE audit_log (
  id      bigserial   PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text        NOT NULL,
  action  text        NOT NULL,
  subject text        NOT NULL,
  details jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_change();
