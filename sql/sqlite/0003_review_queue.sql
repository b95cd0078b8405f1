-- 0003_review_queue: human review — the same logical schema as postgres/0003_review_queue.sql.
--
-- One row per decision under human review: an automated REFER enters as kind 'referral' in the
-- transaction that stores the decision; a contested decision enters as kind 'override'. status:
-- pending -> claimed -> decided. Every human action is also appended to audit_log in the same
-- transaction. Differences from PostgreSQL: instants are epoch milliseconds (*_ms), and the row
-- references decisions itself (there is no decision_ids table).
CREATE TABLE review_items (
  decision_id       TEXT    NOT NULL PRIMARY KEY REFERENCES decisions ON DELETE CASCADE,
  kind              TEXT    NOT NULL CHECK (kind IN ('referral', 'override')),
  status            TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'decided')),
  created_at_ms     INTEGER NOT NULL,
  automated_outcome TEXT    NOT NULL
    CHECK (automated_outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REFER', 'REJECT')),
  channel           TEXT    NOT NULL,
  shop_id           TEXT    NOT NULL,
  claimed_by        TEXT,
  claimed_at_ms     INTEGER,
  final_outcome     TEXT    CHECK (final_outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REJECT')),
  decided_by        TEXT,
  decided_at_ms     INTEGER,
  reason            TEXT,
  CHECK (status = 'pending' OR (claimed_by IS NOT NULL AND claimed_at_ms IS NOT NULL)),
  CHECK (status <> 'decided'
         OR (final_outcome IS NOT NULL AND decided_by IS NOT NULL AND decided_at_ms IS NOT NULL
             AND reason IS NOT NULL AND trim(reason) <> ''))
) STRICT;
CREATE INDEX review_items_queue_idx ON review_items (status, created_at_ms);
CREATE INDEX review_items_shop_idx ON review_items (shop_id, status);
