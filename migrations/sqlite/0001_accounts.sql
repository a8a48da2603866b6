-- Accounts and sign-in throttling. Sessions live in tower_sessions (created by the session store).
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    locale              TEXT,
    is_platform_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    ip          TEXT NOT NULL,
    failed_at   TEXT NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, failed_at);
