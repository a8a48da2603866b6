-- Indexes for reading the audit log of one workspace newest first (keyset by id) with the common filters.
-- (workspace_id, id) from 0002 already serves the unfiltered list: a b-tree is scanned backwards for id DESC.
CREATE INDEX audit_log_workspace_tenant_idx ON audit_log (workspace_id, tenant_id, id);
CREATE INDEX audit_log_workspace_action_idx ON audit_log (workspace_id, action, id);
CREATE INDEX audit_log_workspace_actor_idx ON audit_log (workspace_id, actor_id, id);
-- Date filters: one seek finds the first entry at or after an instant (recorded_at grows with id).
CREATE INDEX audit_log_recorded_idx ON audit_log (recorded_at, id);
