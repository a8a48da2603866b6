//! Workspaces: the chooser, the remembered last workspace and the workspace dashboard. A workspace is the
//! isolation boundary; membership (with a role) is the only role-bearing truth.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// One of the caller's workspaces, for the chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WorkspaceSummary {
    pub slug: String,
    pub name: String,
    pub role: String,
}

/// The chooser's data: the caller's active workspaces and the one they used last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyWorkspaces {
    pub workspaces: Vec<WorkspaceSummary>,
    pub last: Option<String>,
}

impl MyWorkspaces {
    /// Where `/admin` should go: the remembered workspace if still valid, else the only one, else none.
    pub fn auto_select(&self) -> Option<&str> {
        let remembered = self.last.as_deref().filter(|l| self.workspaces.iter().any(|w| w.slug == *l));
        remembered.or(match self.workspaces.as_slice() {
            [only] => Some(only.slug.as_str()),
            _ => None,
        })
    }
}

/// A workspace as its member sees it: identity, role, held capabilities and tenant counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceOverview {
    pub slug: String,
    pub name: String,
    pub role: String,
    pub capabilities: Vec<String>,
    pub tenants_total: i64,
    pub tenants_active: i64,
    pub tenants_archived: i64,
}

impl WorkspaceOverview {
    pub fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(slug: &str) -> WorkspaceSummary {
        WorkspaceSummary { slug: slug.into(), name: slug.into(), role: "owner".into() }
    }

    #[test]
    fn auto_select_prefers_remembered_then_single() {
        let two = MyWorkspaces { workspaces: vec![ws("a"), ws("b")], last: Some("b".into()) };
        assert_eq!(two.auto_select(), Some("b"));
        let stale = MyWorkspaces { workspaces: vec![ws("a"), ws("b")], last: Some("gone".into()) };
        assert_eq!(stale.auto_select(), None);
        let one = MyWorkspaces { workspaces: vec![ws("a")], last: None };
        assert_eq!(one.auto_select(), Some("a"));
        assert_eq!(MyWorkspaces { workspaces: vec![], last: None }.auto_select(), None);
    }
}
