//! `tenantpilot`: the server binary and its command line.

use clap::Parser;
use server::{
    cli::{AuditCommand, Cli, Command, PackCommand, UserCommand},
    config::Config,
    graph_sim, startup, telemetry,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    release_large_allocations();
    telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tenantpilot: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::GraphSim(args)) = &cli.command {
        let config = graph_sim::SimConfig {
            seed: args.seed,
            tenants: args.tenants,
            policies: args.policies,
            page_size: args.page_size.max(1),
            throttling: if args.no_throttling {
                graph_sim::Throttling::off()
            } else {
                graph_sim::Throttling::default()
            },
            ..graph_sim::SimConfig::default()
        };
        return graph_sim::run(args.addr, config, startup::shutdown_signal()).await;
    }
    let mut config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve { demo: config.demo }) {
        Command::Serve { demo } => {
            config.demo |= demo;
            startup::serve(config).await
        }
        Command::Migrate => {
            let db = startup::open_database(&config.database_url).await?;
            println!("migrated {} database", db.engine());
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = startup::open_database(&config.database_url).await?;
            app::audit::server::install_checkpoint_key(std::sync::Arc::new(startup::load_keys(&config)?));
            let report = app::audit::server::verify(&db).await.map_err(|e| e.to_string())?;
            match (report.first_broken, report.head) {
                (None, None) => {
                    println!("audit chain intact: {} rows verified against the signed checkpoint", report.rows);
                    Ok(())
                }
                (Some(id), _) => Err(format!("audit chain broken at row {id} ({} rows read)", report.rows)),
                (None, Some(problem)) => Err(format!("audit chain not intact: {problem} ({} rows read)", report.rows)),
            }
        }
        Command::Pack(PackCommand::Verify(args)) => {
            let bytes = std::fs::read(&args.zip).map_err(|e| format!("{}: {e}", args.zip.display()))?;
            // The key to trust: the given one, else this installation's (never created here), else none.
            let (trusted, whose) = match args.public_key {
                Some(key) => (Some(key), "the given public key".to_string()),
                None if config.secret_key.is_some() || config.data_dir.join("secret.key").exists() => {
                    let keys = startup::load_keys(&config)?;
                    (Some(keys.pack_public_key()), format!("this installation's key {}", keys.key_id()))
                }
                None => (None, "the key embedded in the pack only (no installation key found)".to_string()),
            };
            let report = app::reviews::server::pack::verify(&bytes, trusted.as_deref());
            if report.ok {
                let key_id = report.key_id.unwrap_or_default();
                println!(
                    "ok: {} files verified, signed by key {key_id}, checked against {whose}",
                    report.files_checked
                );
                return Ok(());
            }
            for problem in &report.problems {
                println!("problem: {problem}");
            }
            Err(format!("pack not verified ({} problem(s), checked against {whose})", report.problems.len()))
        }
        Command::BenchSeed { tenants, audit } => {
            let db = startup::open_database(&config.database_url).await?;
            app::audit::server::install_checkpoint_key(std::sync::Arc::new(startup::load_keys(&config)?));
            let started = std::time::Instant::now();
            let (t, a) = server::seed::bench_fixture(&db, tenants, audit).await.map_err(|e| e.to_string())?;
            println!("contoso: {t} tenants, {a} audit rows ({:.1} s)", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::BenchSync { tenants, policies, workers, throttled } => {
            let db = startup::open_database(&config.database_url).await?;
            let opts = server::bench_sync::BenchSync { tenants, policies, workers, throttled };
            server::bench_sync::run(&db, opts).await
        }
        Command::BenchReviews { tenants, policies, findings, reps, reps_workspace } => {
            let db = startup::open_database(&config.database_url).await?;
            let keys = std::sync::Arc::new(startup::load_keys(&config)?);
            app::audit::server::install_checkpoint_key(keys.clone());
            let opts = server::bench_reviews::BenchReviews { tenants, policies, findings, reps, reps_workspace };
            server::bench_reviews::run(&db, keys, opts).await
        }
        Command::BenchGovernance { policies, reps, fleet_tenants, fleet_policies, workers, findings } => {
            let db = startup::open_database(&config.database_url).await?;
            let keys = std::sync::Arc::new(startup::load_keys(&config)?);
            app::audit::server::install_checkpoint_key(keys.clone());
            let opts = server::bench_governance::BenchGovernance {
                policies,
                reps,
                fleet_tenants,
                fleet_policies,
                workers,
                findings,
            };
            server::bench_governance::run(&db, keys, opts).await
        }
        // Runs before the configuration is read (it needs no database); see the top of this function.
        Command::GraphSim(_) => Err("graph-sim is started before the configuration is read".into()),
        Command::User(UserCommand::Create(args)) => {
            let db = startup::open_database(&config.database_url).await?;
            let id = app::auth::server::service::create_user(
                &db,
                &args.email,
                args.name.as_deref(),
                &args.password,
                args.platform_admin,
            )
            .await
            .map_err(|e| match e {
                app::error::AppError::Conflict(_) => "an account with this email already exists".to_string(),
                app::error::AppError::Validation(errs) => {
                    errs.iter().map(|f| format!("{}: {}", f.field, f.code)).collect::<Vec<_>>().join(", ")
                }
                other => other.to_string(),
            })?;
            println!("created user {id} <{}>", args.email.trim().to_lowercase());
            Ok(())
        }
    }
}

/// argon2id allocates 19 MiB per hash; glibc would keep those blocks after the demo seed or a burst of
/// sign-ins (idle RSS 130 MB instead of 15 MB, docs/perf.md). Serving blocks of 1 MiB and more with mmap
/// returns them to the OS as soon as they are freed.
fn release_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called once before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
