//! The simulated Microsoft Graph: a real HTTP server (axum on a loopback port) that the demo, the tests and
//! `tenantpilot graph-sim` run, so the one Graph client (`app::provider::server`) is exercised against the
//! shapes in `shared/domain/GRAPH.md` without a real tenant.
//!
//! - [`generator`] builds deterministic tenants from a seed: ids, the app credential, policies of every
//!   supported family with realistic payloads (settings-catalog trees, OMA-URI with base64 XML and an
//!   encrypted value, compliance with `scheduledActionsForRule`, ADMX values, conditional access, …).
//! - [`state`] holds the tenants at run time: the object store, tokens, throttling buckets, counters, and
//!   the write path (version bump, timestamps, audit events) shared by Graph writes and drift control.
//! - [`faults`] is the fault-injection table (per tenant and route).
//! - [`routes`] serves the token endpoint and `/v1.0` + `/beta`; [`control`] serves `/_sim/…`.
//!
//! Start it with [`spawn`] (tests, demo) or [`run`] (the CLI).

pub mod control;
pub mod faults;
pub mod generator;
pub mod routes;
pub mod state;

use std::{net::SocketAddr, sync::Arc};

use serde::Serialize;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use state::Sim;

/// Documented per-tenant Graph limits the simulator enforces (GRAPH.md §6). `None` disables a bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttling {
    /// Intune (device configuration, settings catalog, …): requests per 20 s per app and tenant.
    pub intune_per_20s: Option<u32>,
    /// Intune writes per 20 s per app and tenant.
    pub intune_writes_per_20s: Option<u32>,
    /// Conditional access: requests per second per tenant; answers 429 *without* Retry-After.
    pub conditional_access_per_s: Option<u32>,
}

impl Default for Throttling {
    fn default() -> Self {
        Self { intune_per_20s: Some(1000), intune_writes_per_20s: Some(100), conditional_access_per_s: Some(1) }
    }
}

impl Throttling {
    pub fn off() -> Self {
        Self { intune_per_20s: None, intune_writes_per_20s: None, conditional_access_per_s: None }
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub tenants: usize,
    /// Policies per tenant, spread over the families (foundations such as scope tags come on top).
    pub policies: usize,
    /// Items per page (a smaller `$top` wins).
    pub page_size: usize,
    /// `expires_in` of issued access tokens.
    pub token_lifetime_secs: u64,
    pub throttling: Throttling,
    /// Fixed identities for the first tenants (the demo's managed tenants); the rest are generated.
    pub identities: Vec<SimIdentity>,
}

/// A tenant identity the simulator must use instead of a generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimIdentity {
    pub tenant_id: String,
    pub display_name: String,
    pub domain: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            tenants: 3,
            policies: 200,
            page_size: 25,
            token_lifetime_secs: 3599,
            throttling: Throttling::default(),
            identities: Vec::new(),
        }
    }
}

/// The credentials a tenant accepts, as printed by the CLI and listed by `GET /_sim/tenants`.
#[derive(Debug, Clone, Serialize)]
pub struct TenantInfo {
    pub tenant_id: String,
    pub display_name: String,
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
}

impl TenantInfo {
    /// The credential the real client uses for this tenant (what the demo stores as its connection).
    pub fn credential(&self) -> app::provider::server::TenantCredential {
        app::provider::server::TenantCredential::new(
            &self.tenant_id,
            &self.client_id,
            app::provider::server::ClientSecret::new(&self.client_secret),
        )
    }
}

/// A running simulator: its address, its state (for in-process inspection) and a way to stop it.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` — both the authority and the Graph root for the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn tenants(&self) -> Vec<TenantInfo> {
        self.sim.tenant_infos()
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Builds the tenants, binds `addr` (port 0 = any free port) and serves in a background task.
pub async fn spawn(addr: SocketAddr, config: SimConfig) -> std::io::Result<(SocketAddr, SimHandle)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sim = Arc::new(Sim::new(config, format!("http://{addr}")));
    let (tx, rx) = oneshot::channel::<()>();
    let app = routes::router(sim.clone());
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::error!("graph-sim stopped: {e}");
        }
    });
    Ok((addr, SimHandle { addr, sim, shutdown: Some(tx), task }))
}

/// `tenantpilot graph-sim`: serve until `stop` resolves, after printing the address and credentials.
pub async fn run(
    addr: SocketAddr,
    config: SimConfig,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (addr, handle) = spawn(addr, config).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let tenants = handle.tenants();
    let policies = handle.sim.object_count();
    println!("graph-sim listening on http://{addr} ({} objects generated in {:.0?})", policies, started.elapsed());
    println!("authority: http://{addr}   graph root: http://{addr}   control: http://{addr}/_sim/tenants");
    for t in &tenants {
        println!(
            "tenant {} {:?} domain={} client_id={} client_secret={}",
            t.tenant_id, t.display_name, t.domain, t.client_id, t.client_secret
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    stop.await;
    handle.shutdown().await;
    Ok(())
}
