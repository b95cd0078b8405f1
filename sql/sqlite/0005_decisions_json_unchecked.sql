-- verdict: foreign_keys off
-- 0005_decisions_json_unchecked: decisions without the json_valid() CHECKs on case_json and
-- decision_json.
--
-- Why: those two checks parsed both documents of every decision again on insert — after the
-- aggregates stopped reading the JSON (the store counts from the record itself), they were ~70% of
-- the SQLite instructions per stored decision (callgrind of tests/bench/bench_decision_path). The
-- documents are written by the daemon's own encoder (domain/codec_text.cpp), whose output the unit
-- tests parse back; PostgreSQL keeps them as jsonb, which still validates.
--
-- SQLite cannot drop a constraint, so the table is rebuilt (https://sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): a new table, the rows copied, the old one dropped,
-- the new one renamed, its indexes made again. The first line above makes the migration runner
-- switch foreign keys off around this migration — dropping `decisions` with them on would delete the
-- provider calls, idempotency keys and review items that reference it — and run
-- PRAGMA foreign_key_check before it commits. On a large file this copies every decision once: run it
-- (`verdict migrate --sqlite FILE`) with the daemon stopped, and the disk space of the table free.

CREATE TABLE decisions_0005 (
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
  case_json       TEXT    NOT NULL,     -- JSON, written by the daemon's encoder (not re-checked here)
  decision_json   TEXT    NOT NULL      -- JSON, likewise
) STRICT;

INSERT INTO decisions_0005 (decision_id, received_at_ms, idempotency_key, application_id, channel, shop_id, outcome,
                            policy_name, policy_version, policy_hash, elapsed_ms, customer_key, case_json, decision_json)
SELECT decision_id, received_at_ms, idempotency_key, application_id, channel, shop_id, outcome,
       policy_name, policy_version, policy_hash, elapsed_ms, customer_key, case_json, decision_json
FROM decisions;

DROP TABLE decisions;
ALTER TABLE decisions_0005 RENAME TO decisions;

CREATE INDEX decisions_customer_key_idx ON decisions (customer_key, received_at_ms);
CREATE INDEX decisions_idempotency_key_idx ON decisions (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX decisions_application_id_idx ON decisions (application_id);
CREATE INDEX decisions_received_at_idx ON decisions (received_at_ms, channel, outcome);
