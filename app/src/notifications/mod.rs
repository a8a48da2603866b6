//! In-app notifications (BRIEF §3.11 surface C): exactly one terminal notification per operation run, to
//! the member who started it (none for scheduled or system runs; never for queued or running runs), with a
//! "View run" link and whitelisted summary counts. Written by the run's completion paths in
//! `operations::server` through [`server::repo::run_completed`], in the completing transaction; read and marked read by the
//! signed-in user through `api`. The bell lives in `components`, the list page in `pages`.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    operations::{RunOutcome, SummaryCounts},
};

/// The one notification kind so far: a run reached `completed`.
pub const KIND_RUN_COMPLETED: &str = "run.completed";

/// Most notifications one list shows (newest first).
pub const LIST_LIMIT: u32 = 50;

/// Most ids one "mark read" request may name.
pub const MAX_IDS: usize = 200;

/// One notification of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationDto {
    pub id: i64,
    pub kind: String,
    pub workspace_slug: String,
    pub workspace_name: String,
    pub run_id: i64,
    pub run_type: String,
    pub outcome: RunOutcome,
    /// Whitelisted counts ([`crate::operations::SUMMARY_KEYS`]).
    pub summary: SummaryCounts,
    pub created_at: String,
    pub read_at: Option<String>,
}

impl NotificationDto {
    /// The run's detail page.
    pub fn run_href(&self) -> String {
        format!("/admin/workspaces/{}/operations/{}", self.workspace_slug, self.run_id)
    }
}

/// The newest notifications (at most [`LIST_LIMIT`]) and how many are unread in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<NotificationDto>,
    pub unread: i64,
}

/// Which notifications to mark read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRead {
    All,
    Ids(Vec<i64>),
}

impl MarkRead {
    /// `all` (`true`/`1`/`on`) or `ids` (comma-separated positive ids, at most [`MAX_IDS`]). Field codes:
    /// `ids: required` (neither given), `ids: invalid`, `ids: too_many`, `all: invalid`.
    pub fn parse(ids: Option<&str>, all: Option<&str>) -> Result<Self, AppError> {
        match all.map(str::trim).filter(|a| !a.is_empty()) {
            Some("true" | "1" | "on") => return Ok(Self::All),
            Some("false" | "0") | None => {}
            Some(_) => return Err(AppError::validation("all", "invalid")),
        }
        let raw =
            ids.map(str::trim).filter(|i| !i.is_empty()).ok_or_else(|| AppError::validation("ids", "required"))?;
        let parts: Vec<&str> = raw.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.len() > MAX_IDS {
            return Err(AppError::validation("ids", "too_many"));
        }
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p.parse::<i64>() {
                Ok(n) if n >= 1 => out.push(n),
                _ => return Err(AppError::validation("ids", "invalid")),
            }
        }
        if out.is_empty() {
            return Err(AppError::validation("ids", "required"));
        }
        out.sort_unstable();
        out.dedup();
        Ok(Self::Ids(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<MarkRead, AppError>) -> String {
        match r {
            Err(AppError::Validation(e)) => format!("{}:{}", e[0].field, e[0].code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mark_read_requests_are_validated() {
        assert_eq!(MarkRead::parse(None, Some("true")).unwrap(), MarkRead::All);
        assert_eq!(MarkRead::parse(Some("3, 1,3"), None).unwrap(), MarkRead::Ids(vec![1, 3]));
        assert_eq!(code(MarkRead::parse(None, None)), "ids:required");
        assert_eq!(code(MarkRead::parse(Some(" , "), Some("false"))), "ids:required");
        assert_eq!(code(MarkRead::parse(Some("1,x"), None)), "ids:invalid");
        assert_eq!(code(MarkRead::parse(Some("0"), None)), "ids:invalid");
        assert_eq!(code(MarkRead::parse(None, Some("maybe"))), "all:invalid");
        let many = (1..=201).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(code(MarkRead::parse(Some(&many), None)), "ids:too_many");
    }
}
