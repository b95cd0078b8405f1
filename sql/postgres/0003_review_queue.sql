-- 0003_review_queue: human review (issue 6) — referred decisions become work for a person, and a
-- person can override an automated decision that the customer contests (GDPR art. 22).
--
-- One row per decision under human review. An automated REFER enters as kind 'referral', in the same
-- transaction that stores the decision; a contested decision enters as kind 'override' when a
-- reviewer overrides it. status: pending -> claimed (claimed_by, claimed_at) -> decided (final_outcome,
-- decided_by, decided_at, reason). The automated outcome stays in decisions.outcome (and is copied
-- here); the final outcome is final_outcome. Every human action on a row is also appended to
-- audit_log by the same transaction.
CREATE TABLE review_items (
  decision_id       uuid        PRIMARY KEY REFERENCES decision_ids ON DELETE CASCADE,
  kind              text        NOT NULL CHECK (kind IN ('referral', 'override')),
  status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'decided')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  automated_outcome text        NOT NULL
    CHECK (automated_outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REFER', 'REJECT')),
  channel           text        NOT NULL,
  shop_id           text        NOT NULL,
  claimed_by        text,
  claimed_at        timestamptz,
  final_outcome     text        CHECK (final_outcome IN ('ACCEPT', 'ACCEPT_SIM_ONLY', 'REJECT')),
  decided_by        text,
  decided_at        timestamptz,
  reason            text,
  -- A claimed or decided item names who holds or held it; a decided one has its outcome and a reason.
  CONSTRAINT review_items_claim CHECK (status = 'pending' OR (claimed_by IS NOT NULL AND claimed_at IS NOT NULL)),
  CONSTRAINT review_items_decision CHECK (
    status <> 'decided'
    OR (final_outcome IS NOT NULL AND decided_by IS NOT NULL AND decided_at IS NOT NULL
        AND reason IS NOT NULL AND btrim(reason) <> ''))
);
-- The queue view: open work oldest first, filtered by status, channel or shop.
CREATE INDEX review_items_queue_idx ON review_items (status, created_at);
CREATE INDEX review_items_shop_idx ON review_items (shop_id, status);
