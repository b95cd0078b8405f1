-- 0004_approvals: four-eyes approval of policy changes, and the roles of the people who make them
-- (issue 5).
--
-- A draft is submitted for approval (approval_requests); a second person with the approver role
-- approves or rejects it with a comment; an approved request is then published (the version goes to
-- policy_versions and to the policy topic) and the request is marked published with that version.
-- Fraud quick actions (kind 'fast_track': a small blocklist or threshold change) may be published
-- before anyone approved them when approval_settings.fast_track_after_the_fact is on; their approval
-- then comes after the fact ("approval pending after the fact" until it does).
--
-- Identity: every analyst connects with their own database login, and that login is who they are.
-- The database, not the client, fills in author / decided_by / published_by from session_user and
-- checks the role with pg_has_role, so no client can act as someone else or skip a rule. session_user
-- rather than current_user: the checks run in SECURITY DEFINER functions (current_user is then the
-- owner), and a member of a group role could SET ROLE to it (current_user would become the group).
--
-- Roles are cluster-wide NOLOGIN group roles, created here when missing; a DBA grants them to logins:
--   GRANT verdict_analyst TO alice;   GRANT verdict_approver TO bob;
--   verdict_analyst     submits drafts, publishes approved requests
--   verdict_approver    approves and rejects (never their own request: four_eyes below)
--   verdict_fraud       submits and publishes fast-track quick actions
--   verdict_compliance  reads everything, switches publishing before approval on or off
-- Every action is appended to audit_log (0001) by the triggers below, in the same transaction.

DO $$
DECLARE
  wanted text;
BEGIN
  FOREACH wanted IN ARRAY ARRAY['verdict_analyst', 'verdict_approver', 'verdict_fraud', 'verdict_compliance'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = wanted) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- another database of this cluster created it at the same moment
      END;
    END IF;
  END LOOP;
END
$$;

-- One row: whether fast-track requests may be published before they are approved.
CREATE TABLE approval_settings (
  singleton                 boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  fast_track_after_the_fact boolean NOT NULL DEFAULT false
);
INSERT INTO approval_settings DEFAULT VALUES;

CREATE TABLE approval_requests (
  id                bigserial   PRIMARY KEY,
  policy_name       text        NOT NULL CHECK (btrim(policy_name) <> ''),
  base_version      integer     NOT NULL CHECK (base_version >= 0),  -- the live version it changes; 0: none yet
  document          jsonb       NOT NULL,
  content_hash      text        NOT NULL CHECK (content_hash LIKE 'sha256:%'),
  kind              text        NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard', 'fast_track')),
  author            text        NOT NULL DEFAULT session_user,
  comment           text        NOT NULL CHECK (btrim(comment) <> ''),
  submitted_at      timestamptz NOT NULL DEFAULT now(),
  status            text        NOT NULL DEFAULT 'awaiting_approval'
    CHECK (status IN ('awaiting_approval', 'approved', 'rejected', 'published')),
  -- The approver's verdict. For a fast-track request published first it may come after publication.
  decision          text        CHECK (decision IN ('approved', 'rejected')),
  decided_by        text,
  decided_at        timestamptz,
  decision_comment  text,
  published_by      text,
  published_at      timestamptz,
  published_version integer     CHECK (published_version > 0),
  CONSTRAINT approval_requests_four_eyes CHECK (lower(btrim(decided_by)) <> lower(btrim(author))),
  CONSTRAINT approval_requests_decision_complete CHECK (
    (decision IS NULL AND decided_by IS NULL AND decided_at IS NULL AND decision_comment IS NULL) OR
    (decision IS NOT NULL AND decided_by IS NOT NULL AND decided_at IS NOT NULL AND btrim(decision_comment) <> '')),
  CONSTRAINT approval_requests_publication_complete CHECK (
    (status = 'published') = (published_by IS NOT NULL AND published_at IS NOT NULL AND published_version IS NOT NULL)),
  CONSTRAINT approval_requests_status_matches_decision CHECK (
    (status = 'awaiting_approval' AND decision IS NULL) OR
    (status = 'approved' AND decision = 'approved') OR
    (status = 'rejected' AND decision = 'rejected') OR
    (status = 'published' AND (decision = 'approved' OR kind = 'fast_track')))
);
CREATE INDEX approval_requests_status_idx ON approval_requests (status, submitted_at);
CREATE INDEX approval_requests_policy_idx ON approval_requests (policy_name, published_version);

CREATE FUNCTION verdict_require_role(role_name text, doing text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_has_role(session_user, role_name, 'MEMBER') THEN
    RAISE EXCEPTION '% may not %: that needs the role %', session_user, doing, role_name
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

-- Who is acting, what they may do, and which transitions exist. Identity columns are overwritten with
-- session_user whatever the client sent.
CREATE FUNCTION verdict_approval_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
  after_the_fact boolean;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.kind = 'fast_track' THEN
      PERFORM verdict_require_role('verdict_fraud', 'submit a fast-track change');
    ELSE
      PERFORM verdict_require_role('verdict_analyst', 'submit a draft for approval');
    END IF;
    NEW.author := session_user;
    NEW.submitted_at := now();
    IF NEW.status <> 'awaiting_approval' OR NEW.decision IS NOT NULL OR NEW.published_at IS NOT NULL THEN
      RAISE EXCEPTION 'a new approval request must be awaiting approval' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;

  IF (NEW.policy_name, NEW.base_version, NEW.document, NEW.content_hash, NEW.kind, NEW.author, NEW.comment,
      NEW.submitted_at) IS DISTINCT FROM
     (OLD.policy_name, OLD.base_version, OLD.document, OLD.content_hash, OLD.kind, OLD.author, OLD.comment,
      OLD.submitted_at) THEN
    RAISE EXCEPTION 'approval request %: what was submitted cannot be changed; submit a new request', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;

  -- A decision, once taken, stands.
  IF OLD.decision IS NOT NULL AND (NEW.decision, NEW.decided_by, NEW.decided_at, NEW.decision_comment) IS DISTINCT FROM
                                  (OLD.decision, OLD.decided_by, OLD.decided_at, OLD.decision_comment) THEN
    RAISE EXCEPTION 'approval request % was already % by %', OLD.id, OLD.decision, OLD.decided_by
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.decision IS NULL AND NEW.decision IS NOT NULL THEN
    PERFORM verdict_require_role('verdict_approver', 'approve or reject a policy change');
    IF lower(btrim(session_user)) = lower(btrim(OLD.author)) THEN
      RAISE EXCEPTION 'four eyes: % submitted approval request % and cannot approve or reject it; another approver must',
        session_user, OLD.id USING ERRCODE = 'check_violation';
    END IF;
    NEW.decided_by := session_user;
    NEW.decided_at := now();
  END IF;

  -- Publication, once recorded, stands too.
  IF OLD.published_at IS NOT NULL AND (NEW.published_by, NEW.published_at, NEW.published_version) IS DISTINCT FROM
                                      (OLD.published_by, OLD.published_at, OLD.published_version) THEN
    RAISE EXCEPTION 'approval request % was already published as version %', OLD.id, OLD.published_version
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.published_at IS NULL AND NEW.status = 'published' THEN
    IF OLD.status = 'approved' THEN
      PERFORM verdict_require_role('verdict_analyst', 'publish an approved policy change');
    ELSIF OLD.status = 'awaiting_approval' AND OLD.kind = 'fast_track' THEN
      SELECT fast_track_after_the_fact INTO after_the_fact FROM approval_settings;
      IF NOT coalesce(after_the_fact, false) THEN
        RAISE EXCEPTION 'approval request % is not approved yet, and publishing fast-track changes before approval is switched off',
          OLD.id USING ERRCODE = 'check_violation';
      END IF;
      PERFORM verdict_require_role('verdict_fraud', 'publish a fast-track change before approval');
    ELSE
      RAISE EXCEPTION 'approval request % is %, not approved: it cannot be published', OLD.id, OLD.status
        USING ERRCODE = 'check_violation';
    END IF;
    NEW.published_by := session_user;
    NEW.published_at := now();
  END IF;

  -- A fast-track request decided after publication stays published; its decision is what changes.
  IF OLD.status = 'published' AND NEW.decision IS NOT NULL THEN
    NEW.status := 'published';
  END IF;
  IF OLD.status <> NEW.status AND NOT (
       (OLD.status = 'awaiting_approval' AND NEW.status IN ('approved', 'rejected', 'published')) OR
       (OLD.status = 'approved' AND NEW.status = 'published')) THEN
    RAISE EXCEPTION 'approval request %: % cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION verdict_approval_audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
  subject text := 'policy/' || NEW.policy_name || '/approval/' || NEW.id;
  facts jsonb := jsonb_build_object('request', NEW.id, 'policy_name', NEW.policy_name, 'base_version', NEW.base_version,
                                    'content_hash', NEW.content_hash, 'kind', NEW.kind);
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (actor, action, subject, details)
    VALUES (NEW.author, 'approval.requested', subject, facts || jsonb_build_object('comment', NEW.comment));
    RETURN NULL;
  END IF;
  IF OLD.decision IS NULL AND NEW.decision IS NOT NULL THEN
    INSERT INTO audit_log (actor, action, subject, details)
    VALUES (NEW.decided_by, 'approval.' || NEW.decision || CASE WHEN OLD.published_at IS NOT NULL THEN '_after_the_fact' ELSE '' END,
            subject, facts || jsonb_build_object('comment', NEW.decision_comment, 'author', NEW.author));
  END IF;
  IF OLD.published_at IS NULL AND NEW.published_at IS NOT NULL THEN
    INSERT INTO audit_log (actor, action, subject, details)
    VALUES (NEW.published_by, CASE WHEN NEW.decision IS NULL THEN 'policy.published_before_approval' ELSE 'policy.published' END,
            subject, facts || jsonb_build_object('version', NEW.published_version, 'author', NEW.author,
                                                 'approver', NEW.decided_by));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER approval_requests_guard BEFORE INSERT OR UPDATE ON approval_requests
  FOR EACH ROW EXECUTE FUNCTION verdict_approval_guard();
CREATE TRIGGER approval_requests_audit AFTER INSERT OR UPDATE ON approval_requests
  FOR EACH ROW EXECUTE FUNCTION verdict_approval_audit();
CREATE TRIGGER approval_requests_no_delete BEFORE DELETE ON approval_requests
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_change();
CREATE TRIGGER approval_requests_no_truncate BEFORE TRUNCATE ON approval_requests
  FOR EACH STATEMENT EXECUTE FUNCTION verdict_reject_change();

CREATE FUNCTION verdict_settings_guard() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM verdict_require_role('verdict_compliance', 'change the approval settings');
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (session_user, 'approval.settings_changed', 'approval_settings',
          jsonb_build_object('fast_track_after_the_fact', NEW.fast_track_after_the_fact));
  RETURN NEW;
END
$$;
CREATE TRIGGER approval_settings_guard BEFORE UPDATE ON approval_settings
  FOR EACH ROW EXECUTE FUNCTION verdict_settings_guard();
CREATE TRIGGER approval_settings_no_delete BEFORE DELETE ON approval_settings
  FOR EACH ROW EXECUTE FUNCTION verdict_reject_change();

-- What each role may touch; the triggers above decide which rows and transitions.
-- Everyone reads everything (the studio's history, simulation, charts and audit views), including
-- tables later migrations add.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO verdict_analyst, verdict_approver, verdict_fraud, verdict_compliance;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT ON TABLES TO verdict_analyst, verdict_approver, verdict_fraud, verdict_compliance;
GRANT INSERT ON approval_requests TO verdict_analyst, verdict_fraud;
GRANT USAGE ON SEQUENCE approval_requests_id_seq TO verdict_analyst, verdict_fraud;
GRANT UPDATE (status, decision, decided_by, decided_at, decision_comment, published_by, published_at, published_version)
  ON approval_requests TO verdict_analyst, verdict_approver, verdict_fraud;
GRANT INSERT ON policy_versions TO verdict_analyst, verdict_fraud;
GRANT UPDATE (fast_track_after_the_fact) ON approval_settings TO verdict_compliance;
