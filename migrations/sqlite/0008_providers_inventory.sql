-- Provider connections (one per managed tenant), their encrypted credentials, the inventory of policies
-- with immutable versions, and per-type inventory coverage (docs/inventory.md, docs/connections.md).
CREATE TABLE provider_connections (
    id                      INTEGER PRIMARY KEY,
    workspace_id            INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider                TEXT NOT NULL DEFAULT 'microsoft' CHECK (provider IN ('microsoft')),
    connection_type         TEXT NOT NULL CHECK (connection_type IN ('platform', 'dedicated')),
    client_id               TEXT,
    consent_status          TEXT NOT NULL DEFAULT 'unknown'
        CHECK (consent_status IN ('unknown', 'required', 'granted', 'failed', 'revoked')),
    verification_status     TEXT NOT NULL DEFAULT 'unknown'
        CHECK (verification_status IN ('unknown', 'pending', 'healthy', 'degraded', 'blocked', 'error')),
    scopes_granted          TEXT NOT NULL DEFAULT '[]',
    last_health_check_at    TEXT,
    last_error_reason_code  TEXT,
    last_error_message      TEXT,
    is_enabled              INTEGER NOT NULL DEFAULT 1,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    CONSTRAINT provider_connections_tenant_key UNIQUE (tenant_id, provider)
);
CREATE INDEX provider_connections_workspace_idx ON provider_connections (workspace_id, tenant_id);

-- A dedicated connection's client secret, sealed with AEAD (ChaCha20-Poly1305) under the configured key;
-- the connection id is the associated data, so a sealed secret cannot be moved to another connection.
CREATE TABLE provider_credentials (
    connection_id   INTEGER PRIMARY KEY REFERENCES provider_connections (id) ON DELETE CASCADE,
    key_id          TEXT NOT NULL,
    sealed          TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Every inventoried object of a managed tenant (policies and foundations such as scope tags).
CREATE TABLE policies (
    id                          INTEGER PRIMARY KEY,
    workspace_id                INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id                   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    policy_type                 TEXT NOT NULL,
    external_id                 TEXT NOT NULL,
    odata_type                  TEXT,
    display_name                TEXT NOT NULL,
    platform                    TEXT,
    content_hash                TEXT NOT NULL,
    -- lastModifiedDateTime|version as the cheap listing showed them: an unchanged marker skips the full fetch.
    source_marker               TEXT,
    latest_version_id           INTEGER,
    version_count               INTEGER NOT NULL DEFAULT 0,
    ignored_at                  TEXT,
    missing_from_provider_at    TEXT,
    first_seen_at               TEXT NOT NULL,
    last_seen_at                TEXT NOT NULL,
    last_seen_run_id            INTEGER,
    CONSTRAINT policies_external_key UNIQUE (tenant_id, policy_type, external_id)
);
CREATE INDEX policies_tenant_name_idx ON policies (tenant_id, display_name, id);

-- Immutable: inserted by the inventory sync only (one row per distinct normalized content).
CREATE TABLE policy_versions (
    id                  INTEGER PRIMARY KEY,
    policy_id           INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version_no          INTEGER NOT NULL,
    policy_type         TEXT NOT NULL,
    captured_at         TEXT NOT NULL,
    run_id              INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    content_hash        TEXT NOT NULL,
    snapshot            TEXT NOT NULL,
    assignments         TEXT NOT NULL DEFAULT '[]',
    scope_tags          TEXT NOT NULL DEFAULT '[]',
    secret_fingerprints TEXT NOT NULL DEFAULT '{}',
    redaction_version   INTEGER NOT NULL,
    protected_change    INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT policy_versions_number_key UNIQUE (policy_id, version_no)
);
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'policy_versions are immutable');
END;

-- Data freshness per (tenant, type): the last sync that fetched the type completely, or why it could not.
CREATE TABLE inventory_coverage (
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    policy_type     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
    item_count      INTEGER NOT NULL DEFAULT 0,
    reason_code     TEXT,
    run_id          INTEGER,
    synced_at       TEXT,
    attempted_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, policy_type)
);
