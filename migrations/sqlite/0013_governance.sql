-- The governance core (docs/governance.md): baseline profiles with immutable snapshots, their tenant
-- assignments and compare schedules; findings with their history and comments; risk acceptances
-- (finding exceptions) with an append-only decision log; per-workspace SLA and acceptance limits.

CREATE TABLE baseline_profiles (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    -- JSON array of contract keys in scope.
    policy_types        TEXT NOT NULL,
    active_snapshot_id  INTEGER,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT baseline_profiles_name_key UNIQUE (workspace_id, name)
);

-- Immutable once complete or incomplete; superseded is derived (not the profile's active snapshot).
CREATE TABLE baseline_snapshots (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    profile_id          INTEGER NOT NULL REFERENCES baseline_profiles (id) ON DELETE CASCADE,
    source_tenant_id    INTEGER REFERENCES tenants (id) ON DELETE SET NULL,
    status              TEXT NOT NULL CHECK (status IN ('building', 'complete', 'incomplete')),
    identity_hash       TEXT,
    item_count          INTEGER NOT NULL DEFAULT 0,
    -- JSON array of {policy_type, reason}: what the capture could not prove.
    gaps                TEXT NOT NULL DEFAULT '[]',
    run_id              INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    captured_at         TEXT
);
CREATE INDEX baseline_snapshots_profile_idx ON baseline_snapshots (profile_id, id);

-- A baseline policy: no tenant identifiers, only type, name and its settings.
CREATE TABLE baseline_snapshot_items (
    id              INTEGER PRIMARY KEY,
    snapshot_id     INTEGER NOT NULL REFERENCES baseline_snapshots (id) ON DELETE CASCADE,
    policy_type     TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    settings_hash   TEXT NOT NULL,
    -- JSON object: setting key -> value (inventory::settings::settings_map).
    settings        TEXT NOT NULL
);
CREATE INDEX baseline_snapshot_items_snapshot_idx ON baseline_snapshot_items (snapshot_id, policy_type);

CREATE TABLE baseline_assignments (
    profile_id          INTEGER NOT NULL REFERENCES baseline_profiles (id) ON DELETE CASCADE,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (profile_id, tenant_id)
);
CREATE INDEX baseline_assignments_tenant_idx ON baseline_assignments (tenant_id);

-- Weekly compare slots of a profile (UTC): weekdays is a bit set (bit 0 = Monday), minute_of_day 0..1439.
CREATE TABLE baseline_schedules (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    profile_id          INTEGER NOT NULL REFERENCES baseline_profiles (id) ON DELETE CASCADE,
    weekdays            INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    minute_of_day       INTEGER NOT NULL CHECK (minute_of_day BETWEEN 0 AND 1439),
    last_fired_at       TEXT,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX baseline_schedules_profile_idx ON baseline_schedules (profile_id);

CREATE TABLE findings (
    id                      INTEGER PRIMARY KEY,
    workspace_id            INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    finding_type            TEXT NOT NULL CHECK (finding_type IN ('drift')),
    source                  TEXT NOT NULL,
    profile_id              INTEGER REFERENCES baseline_profiles (id) ON DELETE SET NULL,
    subject_type            TEXT NOT NULL,
    subject_display_name    TEXT NOT NULL,
    policy_type             TEXT NOT NULL,
    drift_kind              TEXT NOT NULL CHECK (drift_kind IN ('missing', 'different', 'unexpected')),
    severity                TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status                  TEXT NOT NULL
        CHECK (status IN ('new', 'triaged', 'in_progress', 'reopened', 'resolved', 'closed', 'risk_accepted')),
    fingerprint             TEXT NOT NULL,
    evidence                TEXT NOT NULL DEFAULT '{}',
    evidence_hash           TEXT NOT NULL,
    evidence_fidelity       TEXT NOT NULL DEFAULT 'content',
    first_seen_at           TEXT NOT NULL,
    last_seen_at            TEXT NOT NULL,
    times_seen              INTEGER NOT NULL DEFAULT 1,
    sla_days                INTEGER NOT NULL,
    due_at                  TEXT NOT NULL,
    owner_user_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    assignee_user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    triaged_at              TEXT,
    in_progress_at          TEXT,
    reopened_at             TEXT,
    resolved_at             TEXT,
    resolved_reason         TEXT,
    verified_at             TEXT,
    closed_at               TEXT,
    closed_reason           TEXT,
    closed_by_user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The evidence hash when the risk was accepted; a compare that sees another one re-flags the finding.
    accepted_evidence_hash  TEXT,
    reflagged_at            TEXT,
    last_run_id             INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    CONSTRAINT findings_fingerprint_key UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX findings_workspace_idx ON findings (workspace_id, status, due_at, id);
CREATE INDEX findings_assignee_idx ON findings (workspace_id, assignee_user_id, status, due_at);
CREATE INDEX findings_owner_idx ON findings (workspace_id, owner_user_id, status, due_at);
CREATE INDEX findings_tenant_idx ON findings (tenant_id, status, severity);

-- A finding's history (append-only): transitions, assignments, re-detections, re-flags.
CREATE TABLE finding_events (
    id              INTEGER PRIMARY KEY,
    finding_id      INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    actor_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    from_status     TEXT,
    to_status       TEXT,
    detail          TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL
);
CREATE INDEX finding_events_finding_idx ON finding_events (finding_id, id);

CREATE TABLE finding_comments (
    id              INTEGER PRIMARY KEY,
    finding_id      INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    author_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX finding_comments_finding_idx ON finding_comments (finding_id, id);

CREATE TABLE finding_exceptions (
    id                      INTEGER PRIMARY KEY,
    workspace_id            INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    finding_id              INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    status                  TEXT NOT NULL
        CHECK (status IN ('pending', 'active', 'rejected', 'revoked', 'expired', 'superseded')),
    requested_by_user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_by_user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    request_reason          TEXT NOT NULL,
    decision_reason         TEXT,
    renewal_of_id           INTEGER REFERENCES finding_exceptions (id) ON DELETE SET NULL,
    requested_at            TEXT NOT NULL,
    decided_at              TEXT,
    expires_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
-- At most one pending request and one active acceptance per finding.
CREATE UNIQUE INDEX finding_exceptions_pending_key ON finding_exceptions (finding_id) WHERE status = 'pending';
CREATE UNIQUE INDEX finding_exceptions_active_key ON finding_exceptions (finding_id) WHERE status = 'active';
CREATE INDEX finding_exceptions_workspace_idx ON finding_exceptions (workspace_id, status, expires_at);

-- Append-only: requested, approved, rejected, renewal_requested, renewed, revoked, expired.
CREATE TABLE finding_exception_decisions (
    id              INTEGER PRIMARY KEY,
    exception_id    INTEGER NOT NULL REFERENCES finding_exceptions (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    decision        TEXT NOT NULL,
    actor_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason          TEXT NOT NULL DEFAULT '',
    expires_at      TEXT,
    decided_at      TEXT NOT NULL
);
CREATE INDEX finding_exception_decisions_exception_idx ON finding_exception_decisions (exception_id, id);
CREATE TRIGGER finding_exception_decisions_no_update BEFORE UPDATE ON finding_exception_decisions
BEGIN
    SELECT RAISE(ABORT, 'finding_exception_decisions is append-only');
END;
CREATE TRIGGER finding_exception_decisions_no_delete BEFORE DELETE ON finding_exception_decisions
BEGIN
    SELECT RAISE(ABORT, 'finding_exception_decisions is append-only');
END;

-- Per-workspace overrides of the SLA days by severity and the longest risk acceptance.
CREATE TABLE governance_settings (
    workspace_id        INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    sla_critical_days   INTEGER NOT NULL,
    sla_high_days       INTEGER NOT NULL,
    sla_medium_days     INTEGER NOT NULL,
    sla_low_days        INTEGER NOT NULL,
    max_exception_days  INTEGER NOT NULL,
    updated_at          TEXT NOT NULL
);
