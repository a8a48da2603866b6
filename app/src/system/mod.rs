//! The platform plane (`/system`) for platform operators: the directory of every workspace (status,
//! member and tenant counts) and each workspace's tenants. Only platform operators enter it
//! ([`crate::authz::server::PlatformScope`]); for everyone else it does not exist (404). Every view of the
//! directory is a sensitive read and audited as `system.directory_view`.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// One workspace in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryWorkspace {
    pub slug: String,
    pub name: String,
    pub status: String,
    pub members: i64,
    pub tenants: i64,
}

/// One managed tenant of a workspace, as the directory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DirectoryTenant {
    pub id: i64,
    pub display_name: String,
    pub primary_domain: String,
    pub lifecycle: String,
}

/// A workspace of the directory with its tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryWorkspaceDetail {
    pub workspace: DirectoryWorkspace,
    pub tenants: Vec<DirectoryTenant>,
}
