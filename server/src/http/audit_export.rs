//! Audit log export as plain HTTP downloads (never localized): `GET /admin/workspaces/{workspace}/audit/
//! export.csv` and `….json`, with the audit page's filters as query parameters. Session-authenticated
//! like the pages: no session → 401, not a member → 404, lacking `audit.export` → 403, bad filters → 422
//! (plain text). At most `EXPORT_CAP` rows, newest first; a cut result says so in `X-Audit-Truncated`.
//! The service records every export as `audit.export`.

use axum::{
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use app::{
    audit::{server::service, AuditEntry, AuditFilter, RawAuditFilter},
    auth::server::{Actor, RequestMeta},
    authz::server::{enter, FromEntered, WorkspaceScope},
    error::AppError,
    state::AppState,
};

/// CSV columns, in order (the JSON export uses the same names).
pub const CSV_COLUMNS: [&str; 16] = [
    "id",
    "recorded_at",
    "tenant_id",
    "actor_id",
    "actor_type",
    "actor_label",
    "action",
    "resource_type",
    "resource_id",
    "outcome",
    "summary",
    "metadata",
    "ip",
    "user_agent",
    "prev_hash",
    "hash",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF (quotes doubled). A text value
/// starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so spreadsheets do not run it as a formula.
pub fn csv_field(value: &str) -> String {
    let neutralized =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if neutralized.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutralized.replace('"', "\"\""))
    } else {
        neutralized
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The CSV document: a header row, then one row per entry.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = csv_line(&CSV_COLUMNS.map(String::from));
    let opt_i = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for e in entries {
        out.push_str(&csv_line(&[
            e.id.to_string(),
            e.recorded_at.clone(),
            opt_i(e.tenant_id),
            opt_i(e.actor_id),
            e.actor_type.clone(),
            e.actor_label.clone(),
            e.action.clone(),
            e.resource_type.clone(),
            e.resource_id.clone().unwrap_or_default(),
            e.outcome.clone(),
            e.summary.clone(),
            e.metadata.clone(),
            e.ip.clone().unwrap_or_default(),
            e.user_agent.clone().unwrap_or_default(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ]));
    }
    out
}

fn plain_error(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match e {
        AppError::Validation(errs) => {
            let fields: Vec<String> = errs.iter().map(|f| format!("{}: {}", f.field, f.code)).collect();
            format!("{}\n{}\n", e.code(), fields.join("\n"))
        }
        _ => format!("{}\n", e.code()),
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

async fn export(state: AppState, slug: String, pairs: Vec<(String, String)>, req: Request, format: Format) -> Response {
    let (parts, _) = req.into_parts();
    let Some(actor) = Actor::from_request(&parts) else {
        return plain_error(&AppError::Unauthenticated);
    };
    let meta = RequestMeta::from_parts(Some(&parts));
    let work = async {
        // The one way in (404 rules); `service::export` requires `audit.export` (403).
        let scope = WorkspaceScope::from_entered(enter(&state.db, &actor, &slug, None).await?)?;
        let raw = RawAuditFilter { limit: None, ..RawAuditFilter::from_pairs(&pairs) };
        let (filter, _) = AuditFilter::parse(&raw)?;
        let name = match format {
            Format::Csv => "csv",
            Format::Json => "json",
        };
        let export = service::export(&state.db, &scope, filter.clone(), name).await?;
        Ok::<_, AppError>((scope.slug().to_string(), filter, export))
    };
    let (slug, filter, export) = match meta.scope(work).await {
        Ok(v) => v,
        Err(e) => return plain_error(&e),
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let (content_type, ext, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv", to_csv(&export.entries)),
        Format::Json => {
            let doc = serde_json::json!({
                "workspace": slug,
                "exported_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "filters": filter.to_json(),
                "truncated": export.truncated,
                "entries": export.entries,
            });
            ("application/json", "json", doc.to_string())
        }
    };
    let disposition = format!("attachment; filename=\"audit-{slug}-{stamp}.{ext}\"");
    let mut res = (StatusCode::OK, body).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-audit-rows", HeaderValue::from(export.entries.len()));
    headers.insert("x-audit-truncated", HeaderValue::from_static(if export.truncated { "true" } else { "false" }));
    res
}

/// Query pairs, or `None` when the query string cannot be decoded (→ 400).
type Pairs = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

/// `GET /admin/workspaces/{workspace}/audit/export.csv`
pub async fn export_csv(State(state): State<AppState>, Path(slug): Path<String>, q: Pairs, req: Request) -> Response {
    match q {
        Ok(Query(pairs)) => export(state, slug, pairs, req, Format::Csv).await,
        Err(_) => plain_error(&AppError::BadRequest),
    }
}

/// `GET /admin/workspaces/{workspace}/audit/export.json`
pub async fn export_json(State(state): State<AppState>, Path(slug): Path<String>, q: Pairs, req: Request) -> Response {
    match q {
        Ok(Query(pairs)) => export(state, slug, pairs, req, Format::Json).await,
        Err(_) => plain_error(&AppError::BadRequest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralized() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@sum"), "'@sum");
        assert_eq!(csv_field(""), "");
        let csv = to_csv(&[]);
        assert_eq!(csv, format!("{}\r\n", CSV_COLUMNS.join(",")));
    }
}
