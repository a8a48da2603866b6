//! Credentials and access tokens: [`TenantCredential`] (tenant id, app id, client secret), the redacting
//! [`ClientSecret`] and [`AccessToken`] wrappers (their `Debug` never shows the value), and the
//! [`TokenCache`] — one slot per tenant and credential, refreshed shortly before expiry, with at most one
//! refresh in flight per slot (concurrent callers wait for it instead of asking the token endpoint too).

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

use super::GraphError;

/// An app's client secret. Shown by `Debug` as `ClientSecret(***)`; read it only to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// The app registration TenantPilot uses in one customer tenant (client-credentials flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantCredential {
    /// Directory (tenant) id or verified domain.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    pub secret: ClientSecret,
}

impl TenantCredential {
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self { tenant_id: tenant_id.into(), client_id: client_id.into(), secret }
    }
}

/// A bearer token for Graph. `Debug` shows only when it expires.
#[derive(Clone)]
pub struct AccessToken {
    value: Arc<str>,
    expires_in: Duration,
    refresh_at: Instant,
}

impl AccessToken {
    /// A token valid for `expires_in`; it is refreshed `margin` before that (at most half its lifetime).
    pub fn new(value: String, expires_in: Duration, margin: Duration) -> Self {
        let lead = margin.min(expires_in / 2);
        Self { value: value.into(), expires_in, refresh_at: Instant::now() + (expires_in - lead) }
    }

    pub fn secret(&self) -> &str {
        &self.value
    }

    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("value", &"***").field("expires_in", &self.expires_in).finish()
    }
}

/// Identifies a cache slot: tenant, app and a digest of the secret (a rotated secret gets a new token).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SlotKey {
    tenant_id: String,
    client_id: String,
    secret_digest: [u8; 32],
}

impl SlotKey {
    fn of(cred: &TenantCredential) -> Self {
        Self {
            tenant_id: cred.tenant_id.to_ascii_lowercase(),
            client_id: cred.client_id.to_ascii_lowercase(),
            secret_digest: Sha256::digest(cred.secret.expose().as_bytes()).into(),
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

#[derive(Debug, Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<SlotKey, Slot>>,
}

impl TokenCache {
    fn slot(&self, cred: &TenantCredential) -> Slot {
        // A poisoned map only means another thread panicked mid-insert; the map itself is still usable.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(SlotKey::of(cred)).or_default().clone()
    }

    /// The cached token, or the result of `fetch` (stored on success). Callers for the same slot wait for
    /// one fetch rather than starting their own.
    pub async fn get_or_fetch<F, Fut>(&self, cred: &TenantCredential, fetch: F) -> Result<AccessToken, GraphError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, GraphError>>,
    {
        let slot = self.slot(cred);
        let mut guard = slot.lock().await;
        if let Some(t) = guard.as_ref().filter(|t| t.is_fresh()) {
            return Ok(t.clone());
        }
        let token = fetch().await?;
        *guard = Some(token.clone());
        Ok(token)
    }

    /// Always runs `fetch` (waiting for a fetch in flight) and caches its token: a verification must see
    /// the permissions granted now, not those of a cached token.
    pub async fn refresh<F, Fut>(&self, cred: &TenantCredential, fetch: F) -> Result<AccessToken, GraphError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, GraphError>>,
    {
        let slot = self.slot(cred);
        let mut guard = slot.lock().await;
        let token = fetch().await;
        *guard = token.as_ref().ok().cloned();
        token
    }

    /// Drops `rejected` from the cache (Graph answered 401) unless a newer token already replaced it.
    pub async fn invalidate(&self, cred: &TenantCredential, rejected: &AccessToken) {
        let slot = self.slot(cred);
        let mut guard = slot.lock().await;
        if guard.as_ref().is_some_and(|t| Arc::ptr_eq(&t.value, &rejected.value)) {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(secret: &str) -> TenantCredential {
        TenantCredential::new("t1", "app", ClientSecret::new(secret))
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let c = cred("hunter2-very-secret");
        let t = AccessToken::new("eyJ.secret.token".into(), Duration::from_secs(3599), Duration::from_secs(300));
        let shown = format!("{c:?} {t:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn refresh_margin_is_at_most_half_the_lifetime() {
        let t = AccessToken::new("x".into(), Duration::from_secs(2), Duration::from_secs(300));
        assert!(t.is_fresh());
        let stale = AccessToken::new("x".into(), Duration::ZERO, Duration::from_secs(300));
        assert!(!stale.is_fresh());
    }

    #[tokio::test]
    async fn one_fetch_for_concurrent_callers_and_a_new_slot_per_secret() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(&cred("a"), || async {
                        fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(AccessToken::new("tok".into(), Duration::from_secs(3600), Duration::from_secs(300)))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().secret(), "tok");
        }
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1);
        let other = cache
            .get_or_fetch(&cred("b"), || async {
                Ok(AccessToken::new("tok-b".into(), Duration::from_secs(3600), Duration::from_secs(300)))
            })
            .await
            .unwrap();
        assert_eq!(other.secret(), "tok-b");
        let cached = cache.get_or_fetch(&cred("a"), || async { unreachable!() }).await.unwrap();
        cache.invalidate(&cred("a"), &cached).await;
        let again = cache
            .get_or_fetch(&cred("a"), || async {
                Ok(AccessToken::new("tok2".into(), Duration::from_secs(3600), Duration::from_secs(300)))
            })
            .await
            .unwrap();
        assert_eq!(again.secret(), "tok2");
    }
}
