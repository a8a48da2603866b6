//! The one dynamic-filter helper: a `WHERE` clause built at run time from typed conditions, every value a
//! numbered placeholder (`$1` … `$n`), never text from a client. Equality, one `LIKE` escaper (prefix and
//! substring), the narrowing of a member to their visible tenants (ids bound, not inlined), raw conditions
//! with one placeholder, and paging. [`Binds`] binds the values to any query on either engine.

use sqlx::{
    postgres::PgArguments,
    query::{Query, QueryAs, QueryScalar},
    sqlite::SqliteArguments,
    Postgres, Sqlite,
};

use crate::paging::limit_offset;

/// A value bound to a placeholder of a [`Filter`] (callers never build one: the filter's methods do).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
}

/// A query that takes positional values: implemented for every query shape of both engines.
pub trait Binds<'q>: Sized {
    #[doc(hidden)]
    fn bind_value(self, value: &'q Value) -> Self;
}

macro_rules! impl_binds {
    ($(<$($gen:tt),*> $ty:ty;)*) => {$(
        impl<$($gen),*> Binds<'q> for $ty {
            fn bind_value(self, value: &'q Value) -> Self {
                match value {
                    Value::Int(v) => self.bind(*v),
                    Value::Text(v) => self.bind(v.as_str()),
                    Value::Time(v) => self.bind(*v),
                }
            }
        }
    )*};
}
impl_binds! {
    <'q> Query<'q, Sqlite, SqliteArguments<'q>>;
    <'q> Query<'q, Postgres, PgArguments>;
    <'q, O> QueryAs<'q, Sqlite, O, SqliteArguments<'q>>;
    <'q, O> QueryAs<'q, Postgres, O, PgArguments>;
    <'q, O> QueryScalar<'q, Sqlite, O, SqliteArguments<'q>>;
    <'q, O> QueryScalar<'q, Postgres, O, PgArguments>;
}

/// Escapes `LIKE` wildcards (`_`, `%`) and the escape character `\` itself: the one escaper. Use with
/// `ESCAPE '\'` (which [`Filter`] writes).
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '_' | '%' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `WHERE` clause with its values. Conditions are joined with `AND`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    sql: String,
    values: Vec<Value>,
    /// Narrowed to nothing: no row can match.
    empty: bool,
}

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }

    fn and(&mut self) {
        self.sql.push_str(if self.sql.is_empty() { " WHERE " } else { " AND " });
    }

    fn placeholder(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// `column = value`.
    pub fn eq(mut self, column: &str, value: i64) -> Self {
        self.and();
        let p = self.placeholder(Value::Int(value));
        self.sql.push_str(&format!("{column} = {p}"));
        self
    }

    /// `column = 'text'`.
    pub fn eq_text(mut self, column: &str, value: impl Into<String>) -> Self {
        self.and();
        let p = self.placeholder(Value::Text(value.into()));
        self.sql.push_str(&format!("{column} = {p}"));
        self
    }

    /// `column LIKE 'prefix%'` (wildcards in `prefix` match themselves).
    pub fn starts_with(mut self, column: &str, prefix: &str) -> Self {
        self.and();
        let p = self.placeholder(Value::Text(format!("{}%", like_escape(prefix))));
        self.sql.push_str(&format!("{column} LIKE {p} ESCAPE '\\'"));
        self
    }

    /// `column LIKE '%part%'` (wildcards in `part` match themselves).
    pub fn contains(mut self, column: &str, part: &str) -> Self {
        self.and();
        let p = self.placeholder(Value::Text(format!("%{}%", like_escape(part))));
        self.sql.push_str(&format!("{column} LIKE {p} ESCAPE '\\'"));
        self
    }

    /// A member narrowed to `visible` tenants sees only rows whose `column` is one of them (`None`: not
    /// narrowed, nothing added; an empty list: nothing matches). The ids are bound, not inlined.
    pub fn visible(mut self, column: &str, visible: Option<&[i64]>) -> Self {
        match visible {
            None => {}
            Some([]) => self.empty = true,
            Some(ids) => {
                self.and();
                let list: Vec<String> = ids.iter().map(|id| self.placeholder(Value::Int(*id))).collect();
                self.sql.push_str(&format!("{column} IN ({})", list.join(", ")));
            }
        }
        self
    }

    /// A condition with `?` standing for each of `values`' placeholders, in order (for the few conditions
    /// the helpers above do not name, e.g. sub-selects); `?` must not appear in it otherwise.
    pub fn raw(mut self, condition: &str, values: Vec<RawValue>) -> Self {
        self.and();
        let mut out = String::with_capacity(condition.len() + 8);
        let mut values = values.into_iter();
        for c in condition.chars() {
            if c == '?' {
                // A condition with more `?` than values is a programming error; it binds NULL-like text
                // rather than shifting every later placeholder.
                debug_assert!(values.len() > 0, "Filter::raw: more placeholders than values");
                let v = values.next().map_or(Value::Text(String::new()), RawValue::into_value);
                let p = self.placeholder(v);
                out.push_str(&p);
            } else {
                out.push(c);
            }
        }
        self.sql.push_str(&out);
        self
    }

    /// True when the narrowing leaves nothing to match (callers skip the query).
    pub fn matches_nothing(&self) -> bool {
        self.empty
    }

    /// The clause (`" WHERE …"`, or empty), to follow `FROM table`.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// `{select}{where} ORDER BY {order} LIMIT … OFFSET …`: one page.
    pub fn page(&self, select: &str, order: &str, limit: i64, offset: i64) -> String {
        format!("{select}{} ORDER BY {order}{}", self.sql, limit_offset(limit, offset))
    }

    /// Binds the values, in order, to a query of either engine.
    pub fn bind<'q, Q: Binds<'q>>(&'q self, q: Q) -> Q {
        let mut q = q;
        for v in &self.values {
            q = q.bind_value(v);
        }
        q
    }

    /// The values, for keys of caches over statements (`Debug` text).
    pub fn key(&self) -> String {
        format!("{}{:?}", self.sql, self.values)
    }
}

/// A value for [`Filter::raw`].
#[derive(Debug, Clone)]
pub enum RawValue {
    Int(i64),
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
}

impl RawValue {
    fn into_value(self) -> Value {
        match self {
            RawValue::Int(v) => Value::Int(v),
            RawValue::Text(v) => Value::Text(v),
            RawValue::Time(v) => Value::Time(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_placeholders_in_order() {
        let f = Filter::new()
            .eq("workspace_id", 7)
            .visible("tenant_id", Some(&[3, 4]))
            .starts_with("action", "api_token.")
            .raw(
                "id < COALESCE((SELECT id FROM t WHERE at >= ?), ?)",
                vec![RawValue::Text("x".into()), RawValue::Int(9)],
            );
        assert_eq!(
            f.sql(),
            " WHERE workspace_id = $1 AND tenant_id IN ($2, $3) AND action LIKE $4 ESCAPE '\\' \
             AND id < COALESCE((SELECT id FROM t WHERE at >= $5), $6)"
        );
        assert_eq!(f.values[3], Value::Text("api\\_token.%".into()));
        assert!(!f.matches_nothing());
    }

    #[test]
    fn narrowing_to_nothing_matches_nothing_and_no_narrowing_adds_nothing() {
        assert!(Filter::new().eq("workspace_id", 1).visible("id", Some(&[])).matches_nothing());
        assert_eq!(Filter::new().visible("id", None).sql(), "");
    }

    #[test]
    fn the_escaper_escapes_wildcards_and_itself() {
        assert_eq!(like_escape("a_b%c\\"), "a\\_b\\%c\\\\");
        assert_eq!(Filter::new().contains("name", "50%").values[0], Value::Text("%50\\%%".into()));
    }
}
