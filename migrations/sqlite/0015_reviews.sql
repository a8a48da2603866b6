-- Reviews (docs/reviews.md): evidence snapshots (what was true, per dimension), tenant reviews composed
-- from one snapshot (sections written once), review packs (signed ZIP files in the pack store), customer
-- acknowledgements of published reviews, and per-workspace entitlement overrides.

CREATE TABLE evidence_snapshots (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    run_id              INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status              TEXT NOT NULL CHECK (status IN ('generating', 'active', 'superseded', 'expired', 'failed')),
    completeness        TEXT CHECK (completeness IN ('complete', 'partial', 'missing', 'stale')),
    fingerprint         TEXT,
    previous_fingerprint TEXT,
    -- JSON: {dimension_count, missing_dimensions, stale_dimensions, finding_count, accepted_risk_count, operation_count}
    summary             TEXT NOT NULL DEFAULT '{}',
    created_at          TEXT NOT NULL,
    generated_at        TEXT,
    expires_at          TEXT
);
-- One active snapshot per tenant.
CREATE UNIQUE INDEX evidence_snapshots_active_key ON evidence_snapshots (tenant_id) WHERE status = 'active';
CREATE INDEX evidence_snapshots_tenant_idx ON evidence_snapshots (workspace_id, tenant_id, id);

-- Written once with the snapshot (no updates).
CREATE TABLE evidence_snapshot_items (
    snapshot_id     INTEGER NOT NULL REFERENCES evidence_snapshots (id) ON DELETE CASCADE,
    dimension_key   TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('complete', 'partial', 'missing', 'stale')),
    required        INTEGER NOT NULL,
    sort_order      INTEGER NOT NULL,
    source_fingerprint TEXT NOT NULL,
    measured_at     TEXT NOT NULL,
    freshness_at    TEXT,
    -- JSON: what the dimension measured (counts, lists); never secrets.
    payload         TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, dimension_key)
);

CREATE TABLE tenant_reviews (
    id                      INTEGER PRIMARY KEY,
    workspace_id            INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id               INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    snapshot_id             INTEGER NOT NULL REFERENCES evidence_snapshots (id),
    run_id                  INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    status                  TEXT NOT NULL
        CHECK (status IN ('composing', 'draft', 'ready', 'published', 'superseded', 'archived', 'failed')),
    completeness            TEXT CHECK (completeness IN ('complete', 'partial', 'missing', 'stale')),
    fingerprint             TEXT,
    -- JSON array of publish blocker codes.
    blockers                TEXT NOT NULL DEFAULT '[]',
    -- JSON: what the customer workspace card shows (reviews::CardSummary), written by the compose run.
    card                    TEXT,
    created_by_user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    published_by_user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    superseded_by_review_id INTEGER REFERENCES tenant_reviews (id) ON DELETE SET NULL,
    created_at              TEXT NOT NULL,
    composed_at             TEXT,
    published_at            TEXT,
    archived_at             TEXT,
    updated_at              TEXT NOT NULL
);
-- One published review per tenant (a newer publication supersedes the older in the same transaction).
CREATE UNIQUE INDEX tenant_reviews_published_key ON tenant_reviews (tenant_id) WHERE status = 'published';
CREATE INDEX tenant_reviews_tenant_idx ON tenant_reviews (workspace_id, tenant_id, id);

-- Sections of a review, written once by the compose run.
CREATE TABLE tenant_review_sections (
    review_id       INTEGER NOT NULL REFERENCES tenant_reviews (id) ON DELETE CASCADE,
    section_key     TEXT NOT NULL,
    sort_order      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('complete', 'partial', 'missing', 'stale')),
    payload         TEXT NOT NULL,
    PRIMARY KEY (review_id, section_key)
);

CREATE TABLE review_packs (
    id                  INTEGER PRIMARY KEY,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    review_id           INTEGER NOT NULL REFERENCES tenant_reviews (id) ON DELETE CASCADE,
    snapshot_id         INTEGER NOT NULL REFERENCES evidence_snapshots (id),
    run_id              INTEGER REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_by_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'ready', 'failed', 'expired')),
    language            TEXT NOT NULL CHECK (language IN ('en', 'de')),
    include_pii         INTEGER NOT NULL,
    -- sha256 over the inputs (review fingerprint, language, include_pii, format).
    fingerprint         TEXT NOT NULL,
    file_key            TEXT,
    file_size           INTEGER,
    sha256              TEXT,
    -- JSON: {pii, secrets, pseudonyms, secrets_redacted, files}
    summary             TEXT NOT NULL DEFAULT '{}',
    created_at          TEXT NOT NULL,
    generated_at        TEXT,
    expires_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
-- Identical inputs share one live pack.
CREATE UNIQUE INDEX review_packs_fingerprint_key ON review_packs (tenant_id, fingerprint)
    WHERE status IN ('queued', 'generating', 'ready');
CREATE INDEX review_packs_review_idx ON review_packs (review_id, id);
CREATE INDEX review_packs_expiry_idx ON review_packs (status, expires_at);

-- A customer's acknowledgement of one published review (one per review).
CREATE TABLE review_acknowledgements (
    review_id           INTEGER PRIMARY KEY REFERENCES tenant_reviews (id) ON DELETE CASCADE,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id           INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id             INTEGER REFERENCES users (id) ON DELETE SET NULL,
    acknowledged_at     TEXT NOT NULL
);
CREATE INDEX review_acknowledgements_tenant_idx ON review_acknowledgements (tenant_id, review_id);

-- Plan profile (code-owned id; NULL = the default plan) and overrides, each with its mandatory reason.
CREATE TABLE workspace_entitlements (
    workspace_id                    INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    plan_id                         TEXT,
    managed_tenant_limit            INTEGER CHECK (managed_tenant_limit IS NULL OR managed_tenant_limit >= 0),
    managed_tenant_limit_reason     TEXT,
    review_pack_generation          INTEGER,
    review_pack_generation_reason   TEXT,
    updated_by_user_id              INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at                      TEXT NOT NULL
);

CREATE TRIGGER evidence_snapshot_items_no_update BEFORE UPDATE ON evidence_snapshot_items
BEGIN
    SELECT RAISE(ABORT, 'evidence_snapshot_items are written once');
END;
CREATE TRIGGER tenant_review_sections_no_update BEFORE UPDATE ON tenant_review_sections
BEGIN
    SELECT RAISE(ABORT, 'tenant_review_sections are written once');
END;
