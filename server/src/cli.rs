//! The command line: `tenantpilot [serve]`, `tenantpilot migrate`, `tenantpilot user create …`,
//! `tenantpilot audit verify`, `tenantpilot pack verify <zip>`, `tenantpilot graph-sim …` (and the hidden `bench-seed`, `bench-sync` and
//! `bench-governance` of `scripts/bench-tenancy`, `scripts/bench-sync` and `scripts/bench-governance`).

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "tenantpilot", version, about = "TenantPilot: governance of record for Microsoft 365 tenants")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (the default).
    Serve {
        /// Seed demo data into an empty database (also `TENANTPILOT_DEMO=1`).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Review pack tools.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Benchmark fixture for `scripts/bench-tenancy`: the demo plus many tenants and audit rows in Contoso.
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 1000)]
        tenants: usize,
        #[arg(long, default_value_t = 100_000)]
        audit: usize,
    },
    /// Inventory sync benchmark for `scripts/bench-sync` (simulated Graph in-process, `DATABASE_URL`).
    #[command(hide = true)]
    BenchSync {
        #[arg(long, default_value_t = 1)]
        tenants: usize,
        #[arg(long, default_value_t = 2000)]
        policies: usize,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Enforce the documented per-tenant Graph limits in the simulator.
        #[arg(long)]
        throttled: bool,
    },
    /// Reviews benchmark for `scripts/bench-reviews` (`DATABASE_URL`): pack generation for a tenant with
    /// many findings and policies, and the customer review workspace over many tenants.
    #[command(hide = true)]
    BenchReviews {
        #[arg(long, default_value_t = 200)]
        tenants: usize,
        #[arg(long, default_value_t = 2000)]
        policies: usize,
        #[arg(long, default_value_t = 5000)]
        findings: usize,
        /// Packs generated (timed).
        #[arg(long, default_value_t = 10)]
        reps: usize,
        /// Workspace reads (timed).
        #[arg(long, default_value_t = 200)]
        reps_workspace: usize,
    },
    /// Governance benchmark for `scripts/bench-governance` (simulated Graph in-process, `DATABASE_URL`):
    /// baseline compare of one tenant, "compare all assigned", and a findings fixture for the HTTP part.
    #[command(hide = true)]
    BenchGovernance {
        /// Policies of the single tenant (0: skip that part).
        #[arg(long, default_value_t = 2000)]
        policies: usize,
        /// Timed repetitions of the single tenant's compare.
        #[arg(long, default_value_t = 20)]
        reps: usize,
        /// Tenants of "compare all assigned" (0: skip that part).
        #[arg(long, default_value_t = 200)]
        fleet_tenants: usize,
        #[arg(long, default_value_t = 75)]
        fleet_policies: usize,
        /// Workers executing the runs (the server's default: 2).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Findings Contoso holds afterwards (0: no fixture).
        #[arg(long, default_value_t = 100_000)]
        findings: usize,
    },
    /// Run the simulated Microsoft Graph alone (token endpoint, /v1.0, /beta, /_sim control API) and print
    /// the tenant ids and the app credentials it accepts. Needs no database.
    GraphSim(GraphSimArgs),
}

#[derive(Debug, Args)]
pub struct GraphSimArgs {
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8089")]
    pub addr: std::net::SocketAddr,
    /// Seed: the same seed gives the same tenants, credentials and payloads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 3)]
    pub tenants: usize,
    /// Policies per tenant.
    #[arg(long, default_value_t = 200)]
    pub policies: usize,
    /// Items per page.
    #[arg(long, default_value_t = 25)]
    pub page_size: usize,
    /// Turn off the documented per-tenant throttling (Intune 1,000 / 20 s, conditional access 1 / s).
    #[arg(long)]
    pub no_throttling: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exits non-zero and names the first broken row if it was tampered with.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Verify a review pack ZIP: every file against the signed manifest (SHA-256), no unlisted file, and the
    /// Ed25519 signature by this installation's key (or `--public-key`). Exits non-zero and names each problem.
    Verify(VerifyPack),
}

#[derive(Debug, Args)]
pub struct VerifyPack {
    /// The pack file.
    pub zip: std::path::PathBuf,
    /// The signer's public key (base64, as in the pack's manifest.json) to trust instead of this
    /// installation's key.
    #[arg(long)]
    pub public_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create(CreateUser),
}

#[derive(Debug, Args)]
pub struct CreateUser {
    #[arg(long)]
    pub email: String,
    /// The initial password (at least 8 characters). Also read from TENANTPILOT_PASSWORD.
    #[arg(long, env = "TENANTPILOT_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Display name (defaults to the part of the email before the @).
    #[arg(long)]
    pub name: Option<String>,
    /// Make the account a platform operator (the /system plane).
    #[arg(long)]
    pub platform_admin: bool,
}
