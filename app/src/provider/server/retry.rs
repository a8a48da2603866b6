//! Retry policy and request budgets: parsing `Retry-After` (integer, fractional or HTTP-date), exponential
//! back-off with jitter when the service gives none (conditional access never does), and the per-tenant
//! [`RequestBudget`] — a token bucket plus a cap on requests in flight — that every Graph call passes.

use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Semaphore, SemaphorePermit};

/// The wait a `Retry-After` header asks for: delta-seconds (Graph sends fractions such as `2.128`) or an
/// HTTP-date. Negative, non-finite or unparsable values are ignored (`None`), dates in the past are zero.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        return Duration::try_from_secs_f64(secs.min(86_400.0)).ok();
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Exponential back-off with "equal jitter" for retry number `attempt` (1 = first retry): the nominal wait
/// `min(cap, base·2^(attempt-1))`, of which the upper half is random (`jitter` in `[0, 1]`). Bounds:
/// `nominal/2 ≤ wait ≤ nominal`.
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let nominal = base.saturating_mul(1u32 << exp).min(cap);
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
    nominal.mul_f64(0.5 + 0.5 * jitter)
}

/// How much one tenant may ask of Graph from this process. Defaults stay inside Intune's documented
/// 1,000 requests / 20 s per app and tenant: a burst of 900, then 45 per second (the documented window
/// allows 50), at most 4 in flight; conditional access (documented: 1 request per second per tenant, no
/// `Retry-After` on 429) additionally paced at 1 per second, so a sync waits its turn instead of
/// provoking 429s and backing off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestBudget {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests that may be made at once after an idle period.
    pub burst: u32,
    /// Requests in flight at the same time.
    pub concurrency: usize,
    /// Sustained conditional-access requests per second (burst 1).
    pub conditional_access_per_second: f64,
}

impl Default for RequestBudget {
    fn default() -> Self {
        Self { per_second: 45.0, burst: 900, concurrency: 4, conditional_access_per_second: 1.0 }
    }
}

/// Whether a request path is a conditional-access one (its own, much smaller, limit).
pub fn is_conditional_access(path: &str) -> bool {
    path.contains("/identity/conditionalAccess")
}

/// A token bucket: (tokens, last refill).
type Bucket = Mutex<(f64, Instant)>;

/// Takes one token from `bucket` (refilled at `rate` per second up to `burst`), sleeping until there is one.
async fn take(bucket: &Bucket, rate: f64, burst: f64) {
    let rate = rate.max(0.001);
    loop {
        let wait = {
            let mut b = bucket.lock().await;
            let now = Instant::now();
            b.0 = (b.0 + now.duration_since(b.1).as_secs_f64() * rate).min(burst);
            b.1 = now;
            if b.0 >= 1.0 {
                b.0 -= 1.0;
                None
            } else {
                Some(Duration::from_secs_f64((1.0 - b.0) / rate))
            }
        };
        match wait {
            None => return,
            Some(w) => tokio::time::sleep(w).await,
        }
    }
}

/// The live state of one tenant's budget.
#[derive(Debug)]
pub struct TenantBudget {
    budget: RequestBudget,
    bucket: Bucket,
    conditional_access: Bucket,
    in_flight: Semaphore,
}

impl TenantBudget {
    pub fn new(budget: RequestBudget) -> Self {
        let burst = f64::from(budget.burst.max(1));
        Self {
            budget,
            bucket: Mutex::new((burst, Instant::now())),
            conditional_access: Mutex::new((1.0, Instant::now())),
            in_flight: Semaphore::new(budget.concurrency.max(1)),
        }
    }

    /// Waits for a conditional-access token (for such requests), then a free slot and a token; the permit
    /// is held for the duration of one request.
    pub async fn acquire(&self, conditional_access: bool) -> SemaphorePermit<'_> {
        if conditional_access {
            take(&self.conditional_access, self.budget.conditional_access_per_second, 1.0).await;
        }
        // The semaphore is never closed, so acquire cannot fail.
        let permit = self.in_flight.acquire().await.expect("budget semaphore is never closed");
        take(&self.bucket, self.budget.per_second, f64::from(self.budget.burst.max(1))).await;
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_integer_fractional_and_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 2.128 "), Some(Duration::from_millis(2128)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("1e300"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let future = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = parse_retry_after(&future).unwrap();
        assert!(d > Duration::from_secs(28) && d <= Duration::from_secs(30), "{d:?}");
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for attempt in 1..=40 {
            let nominal = base.saturating_mul(1 << (attempt - 1).min(20)).min(cap);
            let lo = backoff(attempt, base, cap, 0.0);
            let hi = backoff(attempt, base, cap, 1.0);
            assert_eq!(lo, nominal / 2);
            assert_eq!(hi, nominal);
            let mid = backoff(attempt, base, cap, 0.37);
            assert!(lo <= mid && mid <= hi);
        }
        assert_eq!(backoff(1, base, cap, 1.0), base);
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_millis(400));
        assert_eq!(backoff(30, base, cap, 1.0), cap);
        assert_eq!(backoff(2, base, cap, f64::NAN), Duration::from_millis(100));
        assert_eq!(backoff(2, base, cap, 7.0), Duration::from_millis(200));
    }

    #[tokio::test]
    async fn budget_spaces_requests_after_the_burst() {
        let b = TenantBudget::new(RequestBudget {
            per_second: 50.0,
            burst: 2,
            concurrency: 1,
            conditional_access_per_second: 20.0,
        });
        let start = Instant::now();
        for _ in 0..5 {
            drop(b.acquire(false).await);
        }
        // 2 from the burst, 3 more at 50/s ≈ 60 ms.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_millis(500), "{took:?}");
        // Conditional access: 1 at once, then 20/s (≈ 150 ms for 4 in all), besides the general budget.
        let start = Instant::now();
        for _ in 0..4 {
            drop(b.acquire(true).await);
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(140), "{took:?}");
        assert!(took < Duration::from_millis(600), "{took:?}");
        assert!(is_conditional_access("/v1.0/identity/conditionalAccess/policies"));
        assert!(!is_conditional_access("/beta/deviceManagement/deviceConfigurations"));
    }
}
