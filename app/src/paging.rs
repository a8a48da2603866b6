//! Pagination shared by every list (pages, server functions and the JSON API): a validated
//! [`PageRequest`] (`page` from 1, `per_page` 1–[`MAX_PER_PAGE`]) and the [`Page`] envelope
//! `{ items, page, per_page, total }`. Repositories cut a statement to a page with [`PageRequest::sql`]
//! (or [`limit_offset`]), never with bound parameters; lists always order by a unique key so pages
//! neither overlap nor skip.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// ` LIMIT {limit} OFFSET {offset}`: the one way a statement is cut to a page. The two numbers are written
/// into the statement, never bound: bound, they keep PostgreSQL from reusing a generic plan, so it plans the
/// statement again on every execution (measured: an audit page 8,800 → 11,600 executions/s, its capped
/// count 8,700 → 10,800; docs/perf.md). They are integers, so nothing from a client reaches the SQL text.
pub fn limit_offset(limit: i64, offset: i64) -> String {
    if offset == 0 {
        format!(" LIMIT {limit}")
    } else {
        format!(" LIMIT {limit} OFFSET {offset}")
    }
}

/// Default and largest page sizes.
pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// Highest page number accepted (beyond it a list is not browsed but filtered).
pub const MAX_PAGE: u32 = 1_000_000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: DEFAULT_PER_PAGE }
    }
}

/// A page of a collection and the size of the whole (filtered) collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    /// `total` stopped counting at a cap (large logs): at least this many match. Omitted when `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

impl<T> Page<T> {
    /// Number of pages (at least 1, so "page 1 of 1" reads right for an empty list).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }

    pub fn has_next(&self) -> bool {
        u64::from(self.page) < self.pages()
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
}

impl PageRequest {
    /// Validates raw numbers; `None` takes the default. Field codes: `invalid` never happens here (the
    /// caller parsed numbers), `out_of_range` for 0 or above the maximum.
    pub fn parse(page: Option<i64>, per_page: Option<i64>) -> Result<Self, AppError> {
        let mut errs = Vec::new();
        let mut check = |field: &str, value: Option<i64>, default: u32, max: u32| match value {
            None => default,
            Some(n) if n >= 1 && n <= i64::from(max) => n as u32,
            Some(_) => {
                errs.push(crate::error::FieldError::new(field, "out_of_range"));
                default
            }
        };
        let page = check("page", page, 1, MAX_PAGE);
        let per_page = check("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE);
        if errs.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(AppError::Validation(errs))
        }
    }

    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.per_page)
    }

    /// The `LIMIT … OFFSET …` clause of this page (see [`limit_offset`]).
    pub fn sql(self) -> String {
        limit_offset(self.limit(), self.offset())
    }

    /// Wraps one page of items fetched with [`limit`](Self::limit)/[`offset`](Self::offset).
    pub fn wrap<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page { items, page: self.page, per_page: self.per_page, total, total_capped: false }
    }

    /// Cuts this page out of a complete, already authorized and ordered result (small collections).
    pub fn slice<T>(self, all: Vec<T>) -> Page<T> {
        let total = all.len() as u64;
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        self.wrap(all.into_iter().skip(skip).take(self.per_page as usize).collect(), total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_validated() {
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest::default());
        assert_eq!(PageRequest::parse(Some(3), Some(10)).unwrap(), PageRequest { page: 3, per_page: 10 });
        for (p, pp) in [(Some(0), None), (None, Some(0)), (None, Some(201)), (Some(-1), None)] {
            assert!(PageRequest::parse(p, pp).is_err(), "{p:?} {pp:?}");
        }
        let r = PageRequest { page: 3, per_page: 10 };
        assert_eq!((r.limit(), r.offset()), (10, 20));
        assert_eq!(r.sql(), " LIMIT 10 OFFSET 20");
        assert_eq!(PageRequest::default().sql(), " LIMIT 50");
        assert_eq!(limit_offset(1001, 0), " LIMIT 1001");
    }

    #[test]
    fn pages_are_sliced_and_counted() {
        let p = PageRequest { page: 2, per_page: 2 }.slice(vec![1, 2, 3, 4, 5]);
        assert_eq!((p.items.clone(), p.total, p.pages(), p.has_next(), p.has_prev()), (vec![3, 4], 5, 3, true, true));
        let empty = PageRequest::default().slice(Vec::<u8>::new());
        assert_eq!((empty.pages(), empty.has_next(), empty.has_prev()), (1, false, false));
        assert!(PageRequest { page: 9, per_page: 2 }.slice(vec![1, 2, 3]).items.is_empty());
    }
}
