//! Multi-row statements whose text does not depend on the number of rows. On PostgreSQL the rows are
//! bound column by column as arrays and expanded by `UNNEST`: one parse and one small plan per connection,
//! where a `VALUES` list would be a new statement (and a plan over thousands of parameters) for every
//! batch size. On SQLite (in process, nothing is planned twice over a wire) they are a `VALUES` list. Either
//! way the columns are named `column1` … `columnN`, so the statement around them is written once.

use chrono::{DateTime, Utc};
use sqlx::{postgres::PgArguments, query::Query, sqlite::SqliteArguments, Postgres, Sqlite};

/// One column of a [`Rows`]: a value per row.
#[derive(Debug, Clone)]
pub enum Column {
    Int(Vec<i64>),
    OptInt(Vec<Option<i64>>),
    Text(Vec<String>),
    OptText(Vec<Option<String>>),
    Bool(Vec<bool>),
    Time(Vec<DateTime<Utc>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::OptInt(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::OptText(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Time(v) => v.len(),
        }
    }

    fn postgres_array(&self) -> &'static str {
        match self {
            Column::Int(_) | Column::OptInt(_) => "int8[]",
            Column::Text(_) | Column::OptText(_) => "text[]",
            Column::Bool(_) => "bool[]",
            Column::Time(_) => "timestamptz[]",
        }
    }
}

/// Rows for one multi-row statement, column by column (every column as long as the first).
#[derive(Debug, Clone)]
pub struct Rows {
    columns: Vec<Column>,
}

impl Rows {
    /// `None` when the columns differ in length.
    pub fn new(columns: Vec<Column>) -> Option<Self> {
        let len = columns.first().map_or(0, Column::len);
        columns.iter().all(|c| c.len() == len).then_some(Self { columns })
    }

    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn names(&self) -> String {
        (1..=self.columns.len()).map(|i| format!("column{i}")).collect::<Vec<_>>().join(", ")
    }

    /// The rows for a `FROM` clause, named `alias`, with placeholders `$1` … (one per column).
    pub fn postgres_from(&self, alias: &str) -> String {
        let arrays: Vec<String> =
            self.columns.iter().enumerate().map(|(i, c)| format!("${}::{}", i + 1, c.postgres_array())).collect();
        format!("UNNEST({}) AS {alias}({})", arrays.join(", "), self.names())
    }

    /// The rows as a query (for `INSERT INTO t (…) {query}`).
    pub fn postgres_query(&self) -> String {
        format!("SELECT * FROM {}", self.postgres_from("batch"))
    }

    /// Binds the columns, as arrays, for [`Rows::postgres_from`] and [`Rows::postgres_query`].
    pub fn bind_postgres<'q>(&'q self, mut q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        for c in &self.columns {
            q = match c {
                Column::Int(v) => q.bind(v.as_slice()),
                Column::OptInt(v) => q.bind(v.as_slice()),
                Column::Text(v) => q.bind(v.as_slice()),
                Column::OptText(v) => q.bind(v.as_slice()),
                Column::Bool(v) => q.bind(v.as_slice()),
                Column::Time(v) => q.bind(v.as_slice()),
            };
        }
        q
    }

    /// The rows as a `VALUES` list with positional placeholders (`?`, one per value, row by row; the
    /// statement must have no other placeholders), bound by [`Rows::bind_sqlite`]. `INSERT INTO t (…)
    /// VALUES …` takes the list as it is; a `FROM` clause takes it as `(VALUES …) AS alias`. (SQLite reads
    /// `$n` as a parameter name, which costs a lookup per parameter: quadratic in a batch's thousands.)
    pub fn sqlite_values(&self) -> String {
        let row = format!("({})", vec!["?"; self.columns.len()].join(", "));
        let rows = vec![row; self.len()];
        format!("VALUES {}", rows.join(", "))
    }

    /// Binds the values row by row, for [`Rows::sqlite_values`].
    pub fn bind_sqlite<'q>(
        &'q self,
        mut q: Query<'q, Sqlite, SqliteArguments<'q>>,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        for r in 0..self.len() {
            for c in &self.columns {
                q = match c {
                    Column::Int(v) => q.bind(v[r]),
                    Column::OptInt(v) => q.bind(v[r]),
                    Column::Text(v) => q.bind(v[r].as_str()),
                    Column::OptText(v) => q.bind(v[r].as_deref()),
                    Column::Bool(v) => q.bind(v[r]),
                    Column::Time(v) => q.bind(v[r]),
                };
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Rows {
        Rows::new(vec![Column::Int(vec![1, 2]), Column::OptText(vec![Some("a".into()), None])]).unwrap()
    }

    #[test]
    fn sources_name_columns_the_same_way_on_both_engines() {
        assert_eq!(rows().postgres_from("v"), "UNNEST($1::int8[], $2::text[]) AS v(column1, column2)");
        assert_eq!(rows().postgres_query(), "SELECT * FROM UNNEST($1::int8[], $2::text[]) AS batch(column1, column2)");
        assert_eq!(rows().sqlite_values(), "VALUES (?, ?), (?, ?)");
    }

    #[test]
    fn columns_of_different_lengths_are_refused() {
        assert!(Rows::new(vec![Column::Int(vec![1]), Column::Bool(vec![])]).is_none());
        assert!(Rows::new(vec![]).is_some_and(|r| r.is_empty()));
    }
}
