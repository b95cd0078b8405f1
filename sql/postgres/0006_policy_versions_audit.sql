-- 0006_policy_versions_audit: a published version's audit entry is written by the database.
--
-- Until now the publisher inserted the 'publish' row of audit_log itself, in the transaction that
-- inserts into policy_versions. That works for a superuser (`verdict publish` run by an operator) but
-- not for an analyst publishing from the studio with their own login: the roles of 0004 may insert
-- into policy_versions, not into audit_log — rightly, since whoever may write audit_log may write
-- anything there. A SECURITY DEFINER trigger writes the entry instead, with the same actor, subject
-- and details as before (and who published, from session_user, which no client can forge).
-- SQLite has no privileges; its store keeps writing the entry itself (sql/sqlite has no 0006).
CREATE FUNCTION verdict_policy_version_audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO audit_log (actor, action, subject, details)
  VALUES (NEW.author, 'publish', NEW.name || '@' || NEW.version,
          jsonb_build_object('approver', NEW.approver, 'content_hash', NEW.content_hash, 'comment', NEW.comment,
                             'published_by', session_user));
  RETURN NULL;
END
$$;
CREATE TRIGGER policy_versions_audit AFTER INSERT ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION verdict_policy_version_audit();
