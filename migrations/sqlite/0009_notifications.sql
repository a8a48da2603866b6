-- In-app notifications (docs/operations.md "Notifications"): exactly one `run.completed` notification per
-- operation run, to its human initiator. UNIQUE (run_id, kind) makes a second insert a no-op, so racing
-- completion paths cannot notify twice. `summary` is a JSON object of whitelisted numeric counts.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    run_id          INTEGER NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('run.completed')),
    outcome         TEXT NOT NULL CHECK (outcome IN ('succeeded', 'partially_succeeded', 'failed', 'cancelled', 'blocked')),
    run_type        TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    read_at         TEXT,
    CONSTRAINT notifications_run_kind_key UNIQUE (run_id, kind)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
