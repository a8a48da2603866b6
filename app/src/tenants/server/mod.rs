//! Managed tenants, server half: rules (service) and SQL (repo). Every function takes a scope.

pub mod repo;
pub mod service;
