-- Personal API tokens: one user, one workspace, a name, an optional expiry. Only the SHA-256 of the secret
-- is stored (hex), with a short non-secret prefix for display. A token survives its owner's loss of
-- membership (using it then answers 404, like any non-member); it is deleted with its user or workspace.
CREATE TABLE api_tokens (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    prefix              TEXT NOT NULL,
    token_hash          TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT,
    last_used_at        TEXT,
    -- When `api_token.use` was last written to the audit log (at most once per minute per token).
    last_use_audited_at TEXT,
    revoked_at          TEXT,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id);
