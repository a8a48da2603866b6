//! Operation runs, server half: SQL ([`repo`]), the member-facing service ([`service`]) and the system's
//! workers ([`worker`]) and the periodic scheduler ([`scheduler`]).

pub mod repo;
pub mod scheduler;
pub mod service;
pub mod worker;

/// A running run whose heartbeat is older than this is stale (list filter `stale`; the reconciler takes
/// its own `max_age`).
pub const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(5);
