-- Workspace invitations: single-use, expiring links. Only the SHA-256 of the token is stored.
CREATE TABLE workspace_invites (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly', 'customer')),
    -- JSON array of tenant ids of this workspace the member will be narrowed to ([] = all tenants).
    tenant_ids      TEXT NOT NULL DEFAULT '[]',
    token_hash      TEXT NOT NULL,
    invited_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT,
    revoked_at      TEXT,
    created_at      TEXT NOT NULL,
    CONSTRAINT workspace_invites_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX workspace_invites_workspace_idx ON workspace_invites (workspace_id, email);
