-- The audit log is append-only and policy versions are immutable: the database refuses what no product
-- path does (UPDATE or DELETE of either table), so tampering needs a schema change first. Nothing deletes
-- tenants, workspaces or policies either, whose ON DELETE CASCADE would reach policy_versions and now fail.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- policy_versions_immutable (0008) refuses UPDATE; this refuses DELETE.
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'policy_versions are immutable');
END;

-- Each row links to exactly one predecessor: a second row claiming the same predecessor is a fork.
CREATE UNIQUE INDEX audit_log_prev_hash_key ON audit_log (prev_hash);

-- The signed checkpoint of the chain's head: the last row's id and hash, with a MAC over them under the
-- server key, so truncating the tail of the log is detected. One row; moved forward, never removed.
CREATE TABLE audit_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_id     INTEGER NOT NULL,
    last_hash   TEXT NOT NULL,
    mac         TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit_head cannot be deleted');
END;
