//! Review packs as plain HTTP (never localized):
//!
//! - `GET /admin/review-packs/{pack}/download?expires=…&signature=…`: the signed, expiring link that
//!   `pack_download_link` issued to one user. Authenticated like the API (bearer token or session; none →
//!   401); a signature that is missing, forged, issued to another user or expired → 403 "Invalid
//!   signature." before anything else is looked at; then the reader is entered into the pack's workspace
//!   and tenant again (not a member, hidden tenant, pack not ready or expired → 404; lacking
//!   `review_packs.download` → 403). The response is `application/zip` named
//!   `review-pack-{tenant_external_id}-{YYYY-MM-DD}.zip` with `X-Review-Pack-SHA256`; every download is
//!   audited (`review_pack.download`).
//! - `POST /admin/review-packs/verify` (multipart field `pack`, at most [`MAX_UPLOAD_BYTES`]): checks an
//!   uploaded pack (every file's SHA-256 against the manifest, the Ed25519 signature, whether the signing
//!   key is this installation's) and redirects (303) to the verify page with the result signed by the
//!   installation, so a result cannot be forged by editing the URL. Needs a signed-in user.

use axum::{
    extract::{Multipart, Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine};
use serde::Deserialize;

use app::{
    auth::server::{Actor, RequestMeta},
    authz::server::{enter, FromEntered, WorkspaceScope},
    error::AppError,
    reviews::{
        server::{pack, repo, service},
        VerifyView,
    },
    state::AppState,
};

use crate::api::v1::extract::Caller;

/// Largest pack the verify page accepts.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
pub const VERIFY_PATH: &str = "/admin/review-packs/verify";

fn plain(status: StatusCode, body: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{body}\n")).into_response()
}

fn plain_error(e: &AppError) -> Response {
    plain(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.code())
}

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

/// `GET /admin/review-packs/{pack}/download`
pub async fn download(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(pack_id): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Response {
    let invalid = || plain(StatusCode::FORBIDDEN, "Invalid signature.");
    let Ok(pack_id) = pack_id.parse::<i64>() else { return plain_error(&AppError::NotFound) };
    let Ok(Query(q)) = query else { return invalid() };
    let (Some(expires), Some(signature)) = (q.expires, q.signature) else { return invalid() };
    let now = chrono::Utc::now();
    if !service::link_valid(&state.keys, pack_id, actor.user_id(), expires, &signature, now) {
        return invalid();
    }
    let (parts, _) = req.into_parts();
    let meta = RequestMeta::from_parts(Some(&parts));
    let store = state.packs.clone();
    let work = async {
        let slug = repo::pack_workspace_slug(&state.db, pack_id).await?.ok_or(AppError::NotFound)?;
        let scope = WorkspaceScope::from_entered(enter(&state.db, &actor, &slug, None).await?)?;
        service::download(&state.db, store.as_ref(), &scope, pack_id).await
    };
    let file = match meta.scope(work).await {
        Ok(f) => f,
        Err(e) => return plain_error(&e),
    };
    let mut res = (StatusCode::OK, file.bytes).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&file.sha256) {
        headers.insert("x-review-pack-sha256", v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /admin/review-packs/verify`
pub async fn verify_upload(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if Actor::from_request(&parts).is_none() {
        return plain_error(&AppError::Unauthenticated);
    }
    let req = Request::from_parts(parts, body);
    let Ok(mut form) = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, &state).await else {
        return plain_error(&AppError::BadRequest);
    };
    let mut upload: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("pack") => {
                let name = field.file_name().unwrap_or("pack.zip").chars().take(200).collect::<String>();
                match field.bytes().await {
                    Ok(bytes) => upload = Some((name, bytes.to_vec())),
                    Err(_) => return plain_error(&AppError::PayloadTooLarge),
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => return plain_error(&AppError::BadRequest),
        }
    }
    let Some((file_name, bytes)) = upload.filter(|(_, b)| !b.is_empty()) else {
        return Redirect::to(&format!("{VERIFY_PATH}?missing=1")).into_response();
    };
    let own_key = state.keys.pack_public_key();
    let report = pack::verify(&bytes, Some(&own_key));
    let view = VerifyView {
        ok: report.ok,
        file_name,
        files_checked: report.files_checked,
        trusted: report.ok,
        problems: report.problems,
        pack_id: report.pack_id,
        key_id: report.key_id,
        checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let r = B64URL.encode(serde_json::to_vec(&view).unwrap_or_default());
    let m = service::verify_result_mac(&state.keys, &r);
    Redirect::to(&format!("{VERIFY_PATH}?r={r}&m={m}")).into_response()
}
