-- 0004_approvals: four-eyes approval of policy changes and the users' roles — the same logical schema
-- as postgres/0004_approvals.sql, for the embedded store.
--
-- Differences from PostgreSQL, each forced by SQLite:
--   * no logins: the studio or CLI acts as the user named in its configuration, and writes that name
--     into author / decided_by / published_by / changed_by itself. The roles of each user are rows
--     of user_roles (PostgreSQL: group roles granted to logins). Whoever can write the file can edit
--     that table, so the embedded store is for a single desk; production uses PostgreSQL;
--   * RAISE takes a fixed message, so the store checks first and names the people involved; the
--     triggers below are the backstop that holds whatever the client;
--   * instants are epoch milliseconds in *_ms columns, JSON is TEXT checked with json_valid().

CREATE TABLE user_roles (
  user_name     TEXT    NOT NULL CHECK (trim(user_name) <> ''),
  role          TEXT    NOT NULL CHECK (role IN ('analyst', 'approver', 'fraud', 'compliance')),
  granted_by    TEXT    NOT NULL,
  granted_at_ms INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
  PRIMARY KEY (user_name, role)
) STRICT;
CREATE TRIGGER user_roles_audit AFTER INSERT ON user_roles
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.granted_by, 'role.granted', 'user/' || NEW.user_name, json_object('role', NEW.role));
END;
CREATE TRIGGER user_roles_revoke_audit AFTER DELETE ON user_roles
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES ('(embedded store: no identity)', 'role.revoked', 'user/' || OLD.user_name, json_object('role', OLD.role));
END;

CREATE TABLE approval_settings (
  singleton                 INTEGER NOT NULL PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
  fast_track_after_the_fact INTEGER NOT NULL DEFAULT 0 CHECK (fast_track_after_the_fact IN (0, 1)),
  changed_by                TEXT
) STRICT;
INSERT INTO approval_settings DEFAULT VALUES;
CREATE TRIGGER approval_settings_guard BEFORE UPDATE ON approval_settings
  WHEN NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.changed_by AND role = 'compliance')
BEGIN
  SELECT RAISE(ABORT, 'changing the approval settings needs the role compliance');
END;
CREATE TRIGGER approval_settings_audit AFTER UPDATE ON approval_settings
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.changed_by, 'approval.settings_changed', 'approval_settings',
          json_object('fast_track_after_the_fact', json(CASE NEW.fast_track_after_the_fact WHEN 1 THEN 'true' ELSE 'false' END)));
END;
CREATE TRIGGER approval_settings_no_delete BEFORE DELETE ON approval_settings
BEGIN
  SELECT RAISE(ABORT, 'approval_settings has one row: DELETE is not allowed');
END;

CREATE TABLE approval_requests (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  policy_name          TEXT    NOT NULL CHECK (trim(policy_name) <> ''),
  base_version         INTEGER NOT NULL CHECK (base_version >= 0),
  document             TEXT    NOT NULL CHECK (json_valid(document)),
  content_hash         TEXT    NOT NULL CHECK (content_hash LIKE 'sha256:%'),
  kind                 TEXT    NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard', 'fast_track')),
  author               TEXT    NOT NULL CHECK (trim(author) <> ''),
  comment              TEXT    NOT NULL CHECK (trim(comment) <> ''),
  submitted_at_ms      INTEGER NOT NULL,
  status               TEXT    NOT NULL DEFAULT 'awaiting_approval'
    CHECK (status IN ('awaiting_approval', 'approved', 'rejected', 'published')),
  decision             TEXT    CHECK (decision IN ('approved', 'rejected')),
  decided_by           TEXT,
  decided_at_ms        INTEGER,
  decision_comment     TEXT,
  published_by         TEXT,
  published_at_ms      INTEGER,
  published_version    INTEGER CHECK (published_version > 0),
  CONSTRAINT approval_requests_four_eyes CHECK (lower(trim(decided_by)) <> lower(trim(author))),
  CONSTRAINT approval_requests_decision_complete CHECK (
    (decision IS NULL AND decided_by IS NULL AND decided_at_ms IS NULL AND decision_comment IS NULL) OR
    (decision IS NOT NULL AND decided_by IS NOT NULL AND decided_at_ms IS NOT NULL AND trim(decision_comment) <> '')),
  CONSTRAINT approval_requests_publication_complete CHECK (
    (status = 'published') = (published_by IS NOT NULL AND published_at_ms IS NOT NULL AND published_version IS NOT NULL)),
  CONSTRAINT approval_requests_status_matches_decision CHECK (
    (status = 'awaiting_approval' AND decision IS NULL) OR
    (status = 'approved' AND decision = 'approved') OR
    (status = 'rejected' AND decision = 'rejected') OR
    (status = 'published' AND (decision = 'approved' OR kind = 'fast_track')))
) STRICT;
CREATE INDEX approval_requests_status_idx ON approval_requests (status, submitted_at_ms);
CREATE INDEX approval_requests_policy_idx ON approval_requests (policy_name, published_version);

CREATE TRIGGER approval_requests_insert_guard BEFORE INSERT ON approval_requests
BEGIN
  SELECT RAISE(ABORT, 'submitting a draft for approval needs the role analyst')
  WHERE NEW.kind = 'standard'
    AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.author AND role = 'analyst');
  SELECT RAISE(ABORT, 'submitting a fast-track change needs the role fraud')
  WHERE NEW.kind = 'fast_track'
    AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.author AND role = 'fraud');
  SELECT RAISE(ABORT, 'a new approval request must be awaiting approval')
  WHERE NEW.status <> 'awaiting_approval' OR NEW.decision IS NOT NULL OR NEW.published_at_ms IS NOT NULL;
END;

CREATE TRIGGER approval_requests_update_guard BEFORE UPDATE ON approval_requests
BEGIN
  SELECT RAISE(ABORT, 'what was submitted for approval cannot be changed; submit a new request')
  WHERE NEW.policy_name IS NOT OLD.policy_name OR NEW.base_version IS NOT OLD.base_version
     OR NEW.document IS NOT OLD.document OR NEW.content_hash IS NOT OLD.content_hash OR NEW.kind IS NOT OLD.kind
     OR NEW.author IS NOT OLD.author OR NEW.comment IS NOT OLD.comment OR NEW.submitted_at_ms IS NOT OLD.submitted_at_ms;
  SELECT RAISE(ABORT, 'the approval request was already decided; a decision stands')
  WHERE OLD.decision IS NOT NULL
    AND (NEW.decision IS NOT OLD.decision OR NEW.decided_by IS NOT OLD.decided_by
         OR NEW.decided_at_ms IS NOT OLD.decided_at_ms OR NEW.decision_comment IS NOT OLD.decision_comment);
  SELECT RAISE(ABORT, 'approving or rejecting a policy change needs the role approver')
  WHERE OLD.decision IS NULL AND NEW.decision IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.decided_by AND role = 'approver');
  SELECT RAISE(ABORT, 'the approval request was already published')
  WHERE OLD.published_at_ms IS NOT NULL
    AND (NEW.published_by IS NOT OLD.published_by OR NEW.published_at_ms IS NOT OLD.published_at_ms
         OR NEW.published_version IS NOT OLD.published_version);
  SELECT RAISE(ABORT, 'publishing an approved policy change needs the role analyst')
  WHERE OLD.published_at_ms IS NULL AND NEW.status = 'published' AND OLD.status = 'approved'
    AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.published_by AND role = 'analyst');
  SELECT RAISE(ABORT, 'publishing a fast-track change before approval is switched off')
  WHERE OLD.published_at_ms IS NULL AND NEW.status = 'published' AND OLD.status = 'awaiting_approval'
    AND OLD.kind = 'fast_track' AND NOT (SELECT fast_track_after_the_fact FROM approval_settings);
  SELECT RAISE(ABORT, 'publishing a fast-track change before approval needs the role fraud')
  WHERE OLD.published_at_ms IS NULL AND NEW.status = 'published' AND OLD.status = 'awaiting_approval'
    AND OLD.kind = 'fast_track'
    AND NOT EXISTS (SELECT 1 FROM user_roles WHERE user_name = NEW.published_by AND role = 'fraud');
  SELECT RAISE(ABORT, 'only an approved request, or a fast-track one, can be published')
  WHERE OLD.published_at_ms IS NULL AND NEW.status = 'published'
    AND NOT (OLD.status = 'approved' OR (OLD.status = 'awaiting_approval' AND OLD.kind = 'fast_track'));
  SELECT RAISE(ABORT, 'this change of approval status is not allowed')
  WHERE OLD.status <> NEW.status
    AND NOT ((OLD.status = 'awaiting_approval' AND NEW.status IN ('approved', 'rejected', 'published'))
             OR (OLD.status = 'approved' AND NEW.status = 'published'));
END;

CREATE TRIGGER approval_requests_insert_audit AFTER INSERT ON approval_requests
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.author, 'approval.requested', 'policy/' || NEW.policy_name || '/approval/' || NEW.id,
          json_object('request', NEW.id, 'policy_name', NEW.policy_name, 'base_version', NEW.base_version,
                      'content_hash', NEW.content_hash, 'kind', NEW.kind, 'comment', NEW.comment));
END;
CREATE TRIGGER approval_requests_decision_audit AFTER UPDATE ON approval_requests
  WHEN OLD.decision IS NULL AND NEW.decision IS NOT NULL
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.decided_by,
          'approval.' || NEW.decision || CASE WHEN OLD.published_at_ms IS NOT NULL THEN '_after_the_fact' ELSE '' END,
          'policy/' || NEW.policy_name || '/approval/' || NEW.id,
          json_object('request', NEW.id, 'policy_name', NEW.policy_name, 'base_version', NEW.base_version,
                      'content_hash', NEW.content_hash, 'kind', NEW.kind, 'comment', NEW.decision_comment,
                      'author', NEW.author));
END;
CREATE TRIGGER approval_requests_publication_audit AFTER UPDATE ON approval_requests
  WHEN OLD.published_at_ms IS NULL AND NEW.published_at_ms IS NOT NULL
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.published_by,
          CASE WHEN NEW.decision IS NULL THEN 'policy.published_before_approval' ELSE 'policy.published' END,
          'policy/' || NEW.policy_name || '/approval/' || NEW.id,
          json_object('request', NEW.id, 'policy_name', NEW.policy_name, 'base_version', NEW.base_version,
                      'content_hash', NEW.content_hash, 'kind', NEW.kind, 'version', NEW.published_version,
                      'author', NEW.author, 'approver', NEW.decided_by));
END;
CREATE TRIGGER approval_requests_no_delete BEFORE DELETE ON approval_requests
BEGIN
  SELECT RAISE(ABORT, 'approval_requests is append-only: DELETE is not allowed');
END;
