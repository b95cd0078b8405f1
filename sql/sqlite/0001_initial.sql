-- 0001_initial: the embedded decision store — the same logical schema as postgres/0001_initial.sql.
--
-- Applied by the SQLite store when it opens a file (and by `verdict migrate --sqlite`) in one
-- transaction, recorded in schema_migrations with its SHA-256. Never edit once applied; add 0002_….
--
-- Differences from PostgreSQL, each forced by SQLite:
--   * no partitions, so decision_id is the primary key of `decisions` itself and there is no
--     decision_ids table;
--   * instants are Unix epoch milliseconds (UTC) in INTEGER columns named *_ms, since SQLite has no
--     timestamp type; strftime('%Y-%m', received_at_ms / 1000, 'unixepoch') gives the month;
--   * JSON is TEXT checked with json_valid(), and is returned byte for byte as written.
-- Tables are STRICT so a value of the wrong type is an error, as it would be in PostgreSQL.

CREATE TABLE decisions (
  decision_id     TEXT    NOT NULL PRIMARY KEY,
  received_at_ms  INTEGER NOT NULL,
  idempotency_key TEXT,                 -- NULL when the client sent none
  application_id  TEXT    NOT NULL,
  channel         TEXT    NOT NULL,
  shop_id         TEXT    NOT NULL,
  outcome         TEXT    NOT NULL
    CHECK (outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REFER', 'REJECT')),
  policy_name     TEXT    NOT NULL,
  policy_version  INTEGER NOT NULL,
  policy_hash     TEXT    NOT NULL,
  elapsed_ms      INTEGER NOT NULL,
  customer_key    TEXT    NOT NULL,     -- keyed hash of the applicant's identifiers, never the identifiers
  case_json       TEXT    NOT NULL CHECK (json_valid(case_json)),
  decision_json   TEXT    NOT NULL CHECK (json_valid(decision_json))
) STRICT;

CREATE INDEX decisions_customer_key_idx ON decisions (customer_key, received_at_ms);
CREATE INDEX decisions_idempotency_key_idx ON decisions (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX decisions_application_id_idx ON decisions (application_id);
CREATE INDEX decisions_received_at_idx ON decisions (received_at_ms, channel, outcome);

-- The first decision made for an idempotency key; a later decision with the same key is stored but
-- does not take the key over (see the PostgreSQL schema).
CREATE TABLE idempotency_keys (
  idempotency_key TEXT NOT NULL PRIMARY KEY,
  decision_id     TEXT NOT NULL REFERENCES decisions
) STRICT;

CREATE TABLE provider_calls (
  decision_id TEXT    NOT NULL REFERENCES decisions ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  provider    TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  latency_ms  INTEGER NOT NULL,
  cached      INTEGER NOT NULL CHECK (cached IN (0, 1)),
  error       TEXT,                     -- NULL when the call succeeded
  PRIMARY KEY (decision_id, seq)
) STRICT;

-- Published policy versions: immutable, four-eyes.
CREATE TABLE policy_versions (
  name            TEXT    NOT NULL,
  version         INTEGER NOT NULL CHECK (version > 0),
  content_hash    TEXT    NOT NULL,
  document        TEXT    NOT NULL CHECK (json_valid(document)),
  author          TEXT    NOT NULL CHECK (trim(author) <> ''),
  approver        TEXT    NOT NULL CHECK (trim(approver) <> ''),
  comment         TEXT    NOT NULL CHECK (trim(comment) <> ''),
  published_at_ms INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  PRIMARY KEY (name, version),
  CONSTRAINT policy_versions_four_eyes CHECK (lower(trim(approver)) <> lower(trim(author)))
) STRICT;
CREATE INDEX policy_versions_published_at_idx ON policy_versions (name, published_at_ms);
CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
  BEGIN SELECT RAISE(ABORT, 'policy_versions is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
  BEGIN SELECT RAISE(ABORT, 'policy_versions is append-only: DELETE is not allowed'); END;

-- Every human action, append-only. AUTOINCREMENT so an id is never reused, even after the last row
-- of a file copied elsewhere.
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  subject TEXT    NOT NULL,
  details TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details))
) STRICT;
CREATE INDEX audit_log_subject_idx ON audit_log (subject, at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed'); END;
