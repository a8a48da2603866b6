-- Operation runs: the truth layer for every long-running or remote action (docs/operations.md).
-- JSON columns are TEXT; times are written by the application (UTC).
CREATE TABLE operation_runs (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id           INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    run_type            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
    outcome             TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'partially_succeeded', 'failed', 'cancelled', 'blocked')),
    initiator_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    initiator_kind      TEXT NOT NULL CHECK (initiator_kind IN ('human', 'scheduled', 'system')),
    idempotency_key     TEXT NOT NULL,
    context             TEXT NOT NULL DEFAULT '{}',
    summary             TEXT NOT NULL DEFAULT '{}',
    progress_done       INTEGER NOT NULL DEFAULT 0,
    progress_total      INTEGER,
    failure             TEXT,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    heartbeat_at        TEXT,
    completed_at        TEXT,
    cancel_requested_at TEXT,
    claimed_by          TEXT,
    CHECK ((status = 'completed') = (outcome <> 'pending'))
);
-- At most one active run per identity (tenant-less runs count as tenant 0).
CREATE UNIQUE INDEX operation_runs_active_key ON operation_runs
    (workspace_id, COALESCE(tenant_id, 0), run_type, idempotency_key) WHERE status IN ('queued', 'running');
CREATE INDEX operation_runs_queue_idx ON operation_runs (created_at, id) WHERE status = 'queued';
CREATE INDEX operation_runs_workspace_idx ON operation_runs (workspace_id, id);
