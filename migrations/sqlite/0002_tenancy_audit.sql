-- Workspaces, memberships (with optional tenant narrowing), managed tenants, and the tamper-evident audit log.
ALTER TABLE users ADD COLUMN last_workspace_id INTEGER;

CREATE TABLE workspaces (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    default_locale  TEXT,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT workspaces_slug_key UNIQUE (slug)
);

CREATE TABLE workspace_memberships (
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly', 'customer')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_memberships_user_idx ON workspace_memberships (user_id);

CREATE TABLE tenants (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    display_name        TEXT NOT NULL,
    primary_domain      TEXT NOT NULL,
    entra_tenant_id     TEXT NOT NULL,
    lifecycle           TEXT NOT NULL DEFAULT 'draft' CHECK (lifecycle IN ('draft', 'onboarding', 'active', 'archived')),
    lifecycle_before_archive TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT tenants_entra_tenant_id_key UNIQUE (entra_tenant_id),
    CONSTRAINT tenants_workspace_id_id_key UNIQUE (workspace_id, id)
);
CREATE INDEX tenants_workspace_name_idx ON tenants (workspace_id, display_name);

-- A member with rows here sees only these tenants (customer viewers always have rows).
CREATE TABLE membership_tenants (
    workspace_id    INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    tenant_id       INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id, tenant_id),
    FOREIGN KEY (workspace_id, user_id) REFERENCES workspace_memberships (workspace_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, tenant_id) REFERENCES tenants (workspace_id, id) ON DELETE CASCADE
);

-- Append-only. `hash` = SHA-256 over `prev_hash` and the row's canonical content (see app::audit).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER,
    tenant_id       INTEGER,
    actor_id        INTEGER,
    actor_label     TEXT NOT NULL,
    actor_type      TEXT NOT NULL,
    action          TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT,
    outcome         TEXT NOT NULL,
    summary         TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    ip              TEXT,
    user_agent      TEXT,
    recorded_at     TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id);
