-- The audit log is append-only and policy versions are immutable: the database refuses what no product
-- path does (UPDATE or DELETE of either table), so tampering needs a schema change first. Nothing deletes
-- tenants, workspaces or policies either, whose ON DELETE CASCADE would reach policy_versions and now fail.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- TRUNCATE fires no row triggers (SQLite has no TRUNCATE).
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- policy_versions_immutable (0008) refuses UPDATE; this refuses DELETE and TRUNCATE with the same function.
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable();
CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
    FOR EACH STATEMENT EXECUTE FUNCTION policy_versions_immutable();

-- Each row links to exactly one predecessor: a second row claiming the same predecessor is a fork.
CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash);

-- The signed checkpoint of the chain's head: the last row's id and hash, with a MAC over them under the
-- server key, so truncating the tail of the log is detected. One row; moved forward, never removed.
CREATE TABLE audit_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_id     BIGINT NOT NULL,
    last_hash   TEXT NOT NULL,
    mac         TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE FUNCTION audit_head_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_head cannot be deleted';
END;
$$;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_no_delete();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_no_delete();
