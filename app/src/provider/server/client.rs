//! [`GraphClient`] and [`TenantGraph`]: every HTTP request to Microsoft Graph and its token endpoint.
//! One attempt loop ([`GraphClient::retrying`]) serves both: 429/503/504 and transport failures are
//! retried, honouring `Retry-After` or backing off with jitter, up to `max_attempts`; a 401 from Graph drops
//! the cached token and retries once with a fresh one. Each Graph request first passes the tenant's
//! [`RequestBudget`]. Paging follows `@odata.nextLink` verbatim, but only on the configured Graph host (the
//! bearer token is never sent elsewhere).

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use reqwest::{header, Method, StatusCode, Url};
use serde_json::Value;

use super::{
    error::{from_graph_body, from_token_body},
    retry::{self, backoff, parse_retry_after, TenantBudget},
    token::TokenCache,
    AccessToken, GraphError, RequestBudget, TenantCredential,
};
use crate::provider::ReasonCode;

/// Where Graph is and how patient the client is. [`GraphConfig::microsoft`] for production;
/// [`GraphConfig::at`] points the same client at the simulator.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// `https://login.microsoftonline.com` (token URL: `{authority}/{tenant}/oauth2/v2.0/token`).
    pub authority_url: String,
    /// `https://graph.microsoft.com` (paths start with `/v1.0/` or `/beta/`).
    pub graph_url: String,
    /// Whole-request timeout (connect, send, read the body).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests per call, the first included.
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A Retry-After longer than this ends the call as `graph.throttled` (the run is rescheduled instead).
    pub max_retry_after: Duration,
    /// Tokens are renewed this long before they expire (at most half their lifetime).
    pub token_refresh_margin: Duration,
    pub budget: RequestBudget,
}

impl GraphConfig {
    pub fn microsoft() -> Self {
        Self::at("https://login.microsoftonline.com", "https://graph.microsoft.com")
    }

    pub fn at(authority_url: &str, graph_url: &str) -> Self {
        Self {
            authority_url: authority_url.trim_end_matches('/').to_string(),
            graph_url: graph_url.trim_end_matches('/').to_string(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            token_refresh_margin: Duration::from_secs(300),
            budget: RequestBudget::default(),
        }
    }
}

/// OData query options for a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub select: Vec<String>,
    pub expand: Option<String>,
    pub filter: Option<String>,
    pub top: Option<u32>,
}

impl Query {
    pub fn select(mut self, fields: &[&str]) -> Self {
        self.select = fields.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn expand(mut self, expand: &str) -> Self {
        self.expand = Some(expand.to_string());
        self
    }

    pub fn filter(mut self, filter: &str) -> Self {
        self.filter = Some(filter.to_string());
        self
    }

    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    fn apply(&self, url: &mut Url) {
        if self == &Query::default() {
            return;
        }
        let mut pairs = url.query_pairs_mut();
        if !self.select.is_empty() {
            pairs.append_pair("$select", &self.select.join(","));
        }
        if let Some(e) = &self.expand {
            pairs.append_pair("$expand", e);
        }
        if let Some(f) = &self.filter {
            pairs.append_pair("$filter", f);
        }
        if let Some(t) = self.top {
            pairs.append_pair("$top", &t.to_string());
        }
    }
}

/// What one attempt produced.
enum Step<T> {
    Done(Result<T, GraphError>),
    /// Worth another attempt after `wait` (from Retry-After) or after back-off.
    Retry {
        error: GraphError,
        wait: Option<Duration>,
    },
}

/// The process-wide Graph client: cheap to clone, shares the connection pool, token cache and budgets.
#[derive(Clone, Debug)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: GraphConfig,
    tokens: TokenCache,
    budgets: Mutex<HashMap<String, Arc<TenantBudget>>>,
}

impl GraphClient {
    pub fn new(config: GraphConfig) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("TenantPilot/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| GraphError::new(ReasonCode::Unavailable, format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner { http, config, tokens: TokenCache::default(), budgets: Mutex::new(HashMap::new()) }),
        })
    }

    pub fn config(&self) -> &GraphConfig {
        &self.inner.config
    }

    /// The client for one tenant and credential. All handles for one tenant share its request budget.
    pub fn tenant(&self, credential: TenantCredential) -> TenantGraph {
        let budget = {
            let mut budgets = self.inner.budgets.lock().unwrap_or_else(|p| p.into_inner());
            budgets
                .entry(credential.tenant_id.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(TenantBudget::new(self.inner.config.budget)))
                .clone()
        };
        TenantGraph { client: self.clone(), credential: Arc::new(credential), budget }
    }

    /// Runs `attempt` until it is done, retrying as the policy allows. Counts attempts into the error.
    async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T, GraphError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Step<T>>,
    {
        let cfg = &self.inner.config;
        let mut n = 0;
        loop {
            n += 1;
            let mut error = match attempt().await {
                Step::Done(Ok(v)) => return Ok(v),
                Step::Done(Err(e)) => e,
                Step::Retry { error, wait } => {
                    let too_long = wait.is_some_and(|w| w > cfg.max_retry_after);
                    if n >= cfg.max_attempts.max(1) || too_long {
                        error
                    } else {
                        let wait = wait
                            .unwrap_or_else(|| backoff(n, cfg.backoff_base, cfg.backoff_cap, rand::random::<f64>()));
                        tracing::debug!(reason = %error.reason, attempt = n, wait_ms = wait.as_millis() as u64, "graph: retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                }
            };
            error.attempts = n;
            return Err(error);
        }
    }

    /// Acquires (or reuses) the token for `cred`.
    async fn token(&self, cred: &TenantCredential) -> Result<AccessToken, GraphError> {
        self.inner.tokens.get_or_fetch(cred, || self.retrying(|| self.fetch_token(cred))).await
    }

    async fn fresh_token(&self, cred: &TenantCredential) -> Result<AccessToken, GraphError> {
        self.inner.tokens.refresh(cred, || self.retrying(|| self.fetch_token(cred))).await
    }

    async fn fetch_token(&self, cred: &TenantCredential) -> Step<AccessToken> {
        let cfg = &self.inner.config;
        let valid_tenant = !cred.tenant_id.is_empty()
            && cred.tenant_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid_tenant {
            return Step::Done(Err(GraphError::new(ReasonCode::AuthFailed, "tenant id is not a GUID or domain")));
        }
        let url = format!("{}/{}/oauth2/v2.0/token", cfg.authority_url, cred.tenant_id);
        let form = [
            ("client_id", cred.client_id.as_str()),
            ("client_secret", cred.secret.expose()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ];
        let resp = self.inner.http.post(&url).form(&form).send().await;
        let (status, retry_after, body) = match read(resp).await {
            Ok(r) => r,
            Err(step) => return step,
        };
        tracing::debug!(tenant = %cred.tenant_id, status = status.as_u16(), "graph: token request");
        if status.is_success() {
            #[derive(serde::Deserialize)]
            struct TokenResponse {
                access_token: String,
                expires_in: u64,
            }
            return Step::Done(match serde_json::from_slice::<TokenResponse>(&body) {
                Ok(t) => {
                    Ok(AccessToken::new(t.access_token, Duration::from_secs(t.expires_in), cfg.token_refresh_margin))
                }
                Err(e) => Err(GraphError::new(ReasonCode::BadResponse, format!("unreadable token response: {e}"))
                    .with_status(status.as_u16())),
            });
        }
        match status.as_u16() {
            429 | 503 | 504 => {
                let mut error = from_graph_body(status.as_u16(), &body);
                error.retry_after = retry_after;
                Step::Retry { error, wait: retry_after }
            }
            400 | 401 | 403 => Step::Done(Err(from_token_body(status.as_u16(), &body))),
            s => Step::Done(Err(from_graph_body(s, &body))),
        }
    }
}

/// Reads a response completely. Transport failures become a retryable step with the right reason.
async fn read<T>(
    resp: Result<reqwest::Response, reqwest::Error>,
) -> Result<(StatusCode, Option<Duration>, bytes::Bytes), Step<T>> {
    let transport = |e: reqwest::Error, reading: bool| {
        let reason = if e.is_timeout() {
            ReasonCode::Timeout
        } else if reading {
            ReasonCode::BadResponse
        } else {
            ReasonCode::Unavailable
        };
        // reqwest's message names the URL (no credentials in it) and the cause.
        Step::Retry { error: GraphError::new(reason, e.to_string()), wait: None }
    };
    let resp = resp.map_err(|e| transport(e, false))?;
    let status = resp.status();
    let retry_after = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    let body = resp.bytes().await.map_err(|e| transport(e, true))?;
    Ok((status, retry_after, body))
}

/// Graph for one tenant: the handle an inventory sync or a verification run holds.
#[derive(Clone, Debug)]
pub struct TenantGraph {
    client: GraphClient,
    credential: Arc<TenantCredential>,
    budget: Arc<TenantBudget>,
}

impl TenantGraph {
    pub fn tenant_id(&self) -> &str {
        &self.credential.tenant_id
    }

    /// A valid access token (acquired or cached): "can we sign in to this tenant at all?".
    pub async fn token(&self) -> Result<AccessToken, GraphError> {
        self.client.token(&self.credential).await
    }

    /// A newly acquired token (the cache is refreshed, or emptied when sign-in fails): what verification
    /// uses, so consent, secret and permission changes show at once.
    pub async fn fresh_token(&self) -> Result<AccessToken, GraphError> {
        self.client.fresh_token(&self.credential).await
    }

    /// `GET path` (`/beta/deviceManagement/deviceConfigurations/{id}`).
    pub async fn get(&self, path: &str, query: &Query) -> Result<Value, GraphError> {
        let url = self.url(path, query)?;
        self.send(Method::GET, url, None).await
    }

    /// Every item of a collection, following `@odata.nextLink` until it is absent.
    pub async fn list_all(&self, path: &str, query: &Query) -> Result<Vec<Value>, GraphError> {
        let mut all = Vec::new();
        self.list_pages(path, query, |page| all.extend(page)).await?;
        Ok(all)
    }

    /// Like [`Self::list_all`] but hands over each page as it arrives; returns the number of pages.
    pub async fn list_pages(
        &self,
        path: &str,
        query: &Query,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<u32, GraphError> {
        let mut url = self.url(path, query)?;
        let mut pages = 0;
        loop {
            let mut body = self.send(Method::GET, url, None).await?;
            pages += 1;
            let items = match body.get_mut("value").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => return Err(GraphError::new(ReasonCode::BadResponse, "list response has no \"value\" array")),
            };
            on_page(items);
            match body.get("@odata.nextLink") {
                None | Some(Value::Null) => return Ok(pages),
                Some(Value::String(next)) => url = self.next_link(next)?,
                Some(_) => return Err(GraphError::new(ReasonCode::BadResponse, "@odata.nextLink is not a string")),
            }
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, GraphError> {
        let url = self.url(path, &Query::default())?;
        self.send(Method::POST, url, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, GraphError> {
        let url = self.url(path, &Query::default())?;
        self.send(Method::PATCH, url, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), GraphError> {
        let url = self.url(path, &Query::default())?;
        self.send(Method::DELETE, url, None).await.map(drop)
    }

    fn url(&self, path: &str, query: &Query) -> Result<Url, GraphError> {
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(GraphError::new(ReasonCode::BadRequest, "Graph paths start with a single '/'"));
        }
        let mut url = Url::parse(&format!("{}{path}", self.client.inner.config.graph_url))
            .map_err(|e| GraphError::new(ReasonCode::BadRequest, format!("invalid Graph path: {e}")))?;
        query.apply(&mut url);
        Ok(url)
    }

    /// The next page's URL, verbatim — provided it is on the configured Graph host.
    fn next_link(&self, next: &str) -> Result<Url, GraphError> {
        let root = format!("{}/", self.client.inner.config.graph_url);
        if !next.starts_with(&root) {
            return Err(GraphError::new(ReasonCode::BadResponse, "@odata.nextLink points outside the Graph root"));
        }
        Url::parse(next).map_err(|e| GraphError::new(ReasonCode::BadResponse, format!("invalid @odata.nextLink: {e}")))
    }

    async fn send(&self, method: Method, url: Url, body: Option<&Value>) -> Result<Value, GraphError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| GraphError::new(ReasonCode::BadRequest, format!("request body is not serializable: {e}")))?;
        let refreshed = AtomicBool::new(false);
        self.client
            .retrying(|| async {
                let token = match self.client.token(&self.credential).await {
                    Ok(t) => t,
                    Err(e) => return Step::Done(Err(e)),
                };
                let resp = {
                    let _permit = self.budget.acquire(retry::is_conditional_access(url.path())).await;
                    let mut req = self
                        .client
                        .inner
                        .http
                        .request(method.clone(), url.clone())
                        .bearer_auth(token.secret())
                        .header(header::ACCEPT, "application/json");
                    if let Some(b) = &body {
                        req = req.header(header::CONTENT_TYPE, "application/json").body(b.clone());
                    }
                    read(req.send().await).await
                };
                let (status, retry_after, bytes) = match resp {
                    Ok(r) => r,
                    Err(step) => return step,
                };
                tracing::debug!(%method, path = url.path(), status = status.as_u16(), "graph: request");
                if status.is_success() {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        return Step::Done(Ok(Value::Null));
                    }
                    return Step::Done(serde_json::from_slice(&bytes).map_err(|e| {
                        GraphError::new(ReasonCode::BadResponse, format!("malformed JSON from Graph: {e}"))
                            .with_status(status.as_u16())
                    }));
                }
                let mut error = from_graph_body(status.as_u16(), &bytes);
                error.retry_after = retry_after;
                match status.as_u16() {
                    429 | 503 | 504 => Step::Retry { error, wait: retry_after },
                    // An expired or revoked token: fetch a new one once, then give up.
                    401 if !refreshed.swap(true, Ordering::SeqCst) => {
                        self.client.inner.tokens.invalidate(&self.credential, &token).await;
                        Step::Retry { error, wait: Some(Duration::ZERO) }
                    }
                    _ => Step::Done(Err(error)),
                }
            })
            .await
    }
}
