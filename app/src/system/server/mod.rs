//! The platform plane, server half: the directory service and its SQL (both take a `PlatformScope`).

pub mod repo;
pub mod service;
