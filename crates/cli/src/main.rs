//! The `onewindow` binary: run the platform, load demo data, migrate, and manage accounts and
//! API tokens from the shell.

/// mimalloc hands large freed blocks back to the system: each password check's 19 MiB (argon2id)
/// would otherwise stay in glibc's per-thread arenas after a burst of logins.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod demo;
mod hotline;
mod settings;
mod trading;

use onewindow_domain::ids::{AccountId, CentreId, DepartmentId};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use onewindow_domain::auth::TokenScope;
use onewindow_store::Store;
use onewindow_store::org::{NewStaff, StaffInput};
use onewindow_web::AppState;
use rand::Rng;

use settings::{LogFormat, Settings};

#[derive(Parser)]
#[command(
    name = "onewindow",
    version,
    about = "一窗通办 OneWindow：政务服务平台"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// Settings shared by every command. Each comes from its flag, else its ONEWINDOW_*
/// environment variable, else the TOML file named by --config, else the default.
#[derive(Args, Clone, Default)]
pub struct Common {
    /// TOML settings file (keys: database_url, listen, data_dir, secure_cookies, log_format,
    /// today, sms_gateway, email_gateway, event_key_file, audit_public_key, witness_urls,
    /// trusted_proxies, ocid_prefix, public_url).
    #[arg(long, global = true, env = "ONEWINDOW_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://DATA_DIR/onewindow.db]
    #[arg(long, global = true, env = "ONEWINDOW_DATABASE_URL")]
    database_url: Option<String>,
    /// Folder for the embedded database, keys and uploaded files [default: ./onewindow-data]
    #[arg(long, global = true, env = "ONEWINDOW_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to serve on [default: 127.0.0.1:8080]
    #[arg(long, global = true, env = "ONEWINDOW_LISTEN")]
    listen: Option<String>,
    /// Mark cookies Secure (when served behind TLS).
    #[arg(long, global = true, env = "ONEWINDOW_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
    /// Log lines as `json` (one object per line) or `text` [default: json for serve, text otherwise]
    #[arg(long, global = true, env = "ONEWINDOW_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    /// Handle cases as if today were this date (training and demonstrations) [default: the
    /// date in Asia/Shanghai]
    #[arg(long, global = true, env = "ONEWINDOW_TODAY")]
    today: Option<chrono::NaiveDate>,
    /// SMS gateway (http://…): every in-app notification is also posted there as JSON for the
    /// staff member's mobile [default: none]
    #[arg(long, global = true, env = "ONEWINDOW_SMS_GATEWAY")]
    sms_gateway: Option<String>,
    /// E-mail gateway (http://…), posted to like the SMS gateway [default: none]
    #[arg(long, global = true, env = "ONEWINDOW_EMAIL_GATEWAY")]
    email_gateway: Option<String>,
    /// The case writer's event key (HMAC over every event), made on first start. In production
    /// keep it outside the data folder, readable by the server's user only [default:
    /// DATA_DIR/audit-event-key]
    #[arg(long, global = true, env = "ONEWINDOW_EVENT_KEY_FILE")]
    event_key_file: Option<PathBuf>,
    /// The public key (hex) `audit verify` trusts for checkpoints, recorded when the server first
    /// started (`audit public-key`); never read from the data folder [default: none]
    #[arg(long, global = true, env = "ONEWINDOW_AUDIT_PUBLIC_KEY")]
    audit_public_key: Option<String>,
    /// Witnesses (http://…, comma-separated) each new checkpoint is posted to, such as an
    /// upper-level platform or the supervisors' system [default: none]
    #[arg(
        long,
        global = true,
        env = "ONEWINDOW_WITNESS_URLS",
        value_delimiter = ','
    )]
    witness_urls: Option<Vec<String>>,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the
    /// client; lockouts and throttles key on the client's address, so list the proxy when there
    /// is one [default: none: the peer's address is the client's]
    #[arg(
        long,
        global = true,
        env = "ONEWINDOW_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Option<Vec<String>>,
    /// The deployment's OCDS ocid prefix, as the Open Contracting Partnership assigned it
    /// (`ocds-` and six letters or digits) [default: ocds-onewin]
    #[arg(long, global = true, env = "ONEWINDOW_OCID_PREFIX")]
    ocid_prefix: Option<String>,
    /// The address the public reaches this deployment at, used in published links such as the
    /// OCDS packages [default: http:// and the listen address]
    #[arg(long, global = true, env = "ONEWINDOW_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data folder with an SQLite database and demo data (a city centre with halls,
    /// departments, windows, staff and applicants), print the demo logins, and serve.
    Demo,
    /// Serve the platform; migrations run on start.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage login accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import, export and re-index the service-item catalogue.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The tamper-evident case event log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The working-day calendar (statutory holidays and make-up workdays).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The 12345 hotline's call records.
    #[command(subcommand)]
    Hotline(hotline::HotlineCommand),
    /// 公共资源交易: re-derive a published expert draw, export the OCDS releases.
    #[command(subcommand)]
    Trading(trading::TradingCommand),
    /// Benchmarks for the performance targets (build with --release for real figures).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every case's hash chain with the writer's MAC on every event, the case columns
    /// authorisation reads, and every signed checkpoint against the trusted public key (never a
    /// key found beside the database); exit 1 naming the first bad event of each case.
    Verify {
        /// Checkpoints a witness saved earlier (the JSON of GET /api/v1/audit/checkpoints): each
        /// must still be stored unchanged, which catches a history rewritten and re-signed with a
        /// stolen key.
        #[arg(long)]
        witness: Vec<PathBuf>,
    },
    /// Sign a checkpoint of every case's head now (the server also does so every ten minutes).
    Checkpoint,
    /// Print the checkpoint signing key's public half (made on first use), to record outside
    /// this machine and give to `audit verify` as ONEWINDOW_AUDIT_PUBLIC_KEY.
    PublicKey,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// The day a limit of N working days ends, counted from the day after --from.
    Deadline {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        working_days: u32,
        /// Apply this region's corrections too (6 or 12 digits).
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Whether a day is a working day, and why.
    IsWorkday {
        date: chrono::NaiveDate,
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Correct a day (a holiday announced late, a local closure, next year's arrangement):
    /// cases accepted afterwards follow it.
    SetDay {
        date: chrono::NaiveDate,
        /// `true`: worked (调休上班); `false`: a day off.
        #[arg(long, action = clap::ArgAction::Set)]
        workday: bool,
        /// The holiday or the reason.
        #[arg(long)]
        name: String,
        /// 6- or 12-digit region code; empty for everywhere.
        #[arg(long, default_value = "")]
        region: String,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Pages under load: starts `onewindow demo` as its own process and loads each page with
    /// keep-alive connections for a bounded time; throughput, p50/p99 and the server's memory
    /// per page, next to `/healthz` in the same run.
    Http {
        #[arg(long, default_value_t = 200)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// A path to load (repeatable); default: health, home, item list, a guide, search.
        #[arg(long = "path")]
        paths: Vec<String>,
        /// Connections for the window clerk's inbox, loaded signed in (0 skips it).
        #[arg(long, default_value_t = 50)]
        staff_connections: usize,
        /// A page to load signed in as the window clerk (repeatable); default: the inbox.
        #[arg(long = "staff-path")]
        staff_paths: Vec<String>,
    },
    /// Catalogue search and guide rendering over generated items, in process.
    Catalog {
        #[arg(long, default_value_t = 10_000)]
        items: usize,
        #[arg(long, default_value_t = 3_000)]
        runs: usize,
    },
    /// Case commands as stateless round trips (load, decide, append with read models, commit),
    /// 6-command lifecycles from concurrent clients through the group-commit writer.
    Cases {
        /// `sqlite` (a fresh temporary file) or a postgres:// URL (a fresh database beside it).
        #[arg(long, default_value = "sqlite")]
        database: String,
        /// SQLite: `normal` or `full` (fsync on every commit).
        #[arg(long, default_value = "normal")]
        synchronous: String,
        #[arg(long, default_value_t = 1)]
        clients: usize,
        #[arg(long, default_value_t = 2_000)]
        lifecycles: usize,
        /// Cases put in the database (submitted and accepted) before measuring.
        #[arg(long, default_value_t = 0)]
        seed: usize,
    },
    /// The online hall: draft autosave, and applications of five 1 MB uploads submitted
    /// through the case engine (SQLite FULL by default).
    Hall(bench::hall::Options),
    /// Joint cases (并联审批) of five co-departments against single-department cases, in the
    /// same run.
    Joint(bench::joint::Options),
    /// 好差评: submitting reviews of concluded cases (SQLite FULL by default), and the 满意率
    /// of every department for a year over 10,000,000 reviews from the rollups.
    Reviews(bench::reviews::Options),
    /// 公共资源交易: sealed bids of 1 MB taken concurrently (SQLite FULL by default), the
    /// opening of them all, and the expert draw from a 100,000-expert pool.
    Trading(bench::trading::Options),
    /// The supervision sweep over a large open caseload: with nothing due, and with many cases
    /// overdue at once.
    Supervision {
        /// `sqlite` (a fresh temporary file) or a postgres:// URL (a fresh database beside it).
        #[arg(long, default_value = "sqlite")]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        #[arg(long, default_value_t = 10_000)]
        due: usize,
        /// Alerts and notifications raised before (years of them), which a sweep must not scan.
        #[arg(long, default_value_t = 1_000_000)]
        history: usize,
        /// Mornings on which `due` more cases are newly overdue (at most 5), each sweep measured;
        /// those of earlier mornings stay open and overdue.
        #[arg(long, default_value_t = 5)]
        mornings: usize,
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import a catalogue file (.json in our exchange format, or .csv): all or nothing;
    /// new items are created and changed ones get a new published version.
    Import { file: PathBuf },
    /// Export the published catalogue (.json or .csv by the file's extension).
    Export { file: PathBuf },
    /// Rebuild the search index from the database.
    Reindex,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account (a platform administrator needs no centre).
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        mobile: String,
        /// Role key, repeatable: clerk, reviewer, approver, chief_representative, centre_admin, supervisor
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        centre: Option<CentreId>,
        #[arg(long)]
        department: Option<DepartmentId>,
        /// Initial password; a random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a new password (also lifts a lockout and ends the account's sessions).
    Passwd {
        login: String,
        /// A random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Disable a login; its sessions end at once.
    Disable { login: String },
    /// Re-enable a disabled login.
    Enable { login: String },
    /// List every account.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for an account and print it (it is shown only once).
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// read or write
        #[arg(long, default_value = "read")]
        scope: String,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
    /// List tokens (never their values).
    List,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve | Command::Demo);
    let settings = Settings::resolve(&cli.common)?;
    if matches!(cli.command, Command::Demo) {
        init_demo_logging(&settings.data_dir)?;
    } else {
        init_logging(
            settings
                .log_format
                .unwrap_or(if matches!(cli.command, Command::Serve) {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                }),
            serving,
        );
    }
    match cli.command {
        Command::Demo => run_demo(settings).await,
        Command::Serve => {
            let store = open_store(&settings).await?;
            serve(store, &settings).await
        }
        Command::Migrate => {
            let store = Store::connect(&settings.database_url).await?;
            let ran = store.migrate().await?;
            println!("已执行 {ran} 个迁移；数据库结构为最新。");
            Ok(())
        }
        Command::User(cmd) => user_command(&open_store(&settings).await?, cmd).await,
        Command::Token(cmd) => token_command(&open_store(&settings).await?, cmd).await,
        Command::Catalog(cmd) => catalog_command(&settings, cmd).await,
        Command::Hotline(cmd) => hotline::run(open_store(&settings).await?, cmd).await,
        Command::Trading(cmd) => trading::run(&settings, cmd).await,
        Command::Bench(BenchCommand::Trading(o)) => bench::trading::trading(o).await,
        Command::Bench(BenchCommand::Catalog { items, runs }) => bench::catalog(items, runs),
        Command::Bench(BenchCommand::Http {
            connections,
            seconds,
            paths,
            staff_connections,
            staff_paths,
        }) => {
            bench::http::http(bench::http::Options {
                connections: connections.clamp(1, 10_000),
                seconds: seconds.clamp(1, 600),
                paths,
                staff_connections: staff_connections.min(10_000),
                staff_paths,
            })
            .await
        }
        Command::Bench(BenchCommand::Supervision {
            database,
            cases,
            due,
            history,
            mornings,
            runs,
        }) => {
            let mornings = mornings.clamp(1, bench::supervision::MORNINGS.len());
            bench::supervision::supervision(bench::supervision::Options {
                database,
                cases,
                due: due.min(cases / mornings),
                history,
                mornings,
                runs: runs.max(1),
            })
            .await
        }
        Command::Bench(BenchCommand::Hall(o)) => bench::hall::hall(o).await,
        Command::Bench(BenchCommand::Joint(o)) => bench::joint::joint(o).await,
        Command::Bench(BenchCommand::Reviews(o)) => bench::reviews::reviews(o).await,
        Command::Bench(BenchCommand::Cases {
            database,
            synchronous,
            clients,
            lifecycles,
            seed,
        }) => {
            bench::cases::cases(bench::cases::Options {
                database,
                synchronous,
                clients: clients.max(1),
                lifecycles,
                seed,
            })
            .await
        }
        Command::Calendar(cmd) => calendar_command(cmd, &settings).await,
        Command::Audit(AuditCommand::Verify { witness }) => {
            let Some(trusted) = settings.audit_public_key.clone() else {
                eprintln!(
                    "请用 --audit-public-key 或 ONEWINDOW_AUDIT_PUBLIC_KEY 给出检查点签名公钥（首次启动时由 `onewindow audit public-key` 打印并另行保存）；校验不信任数据目录中的密钥。"
                );
                std::process::exit(2);
            };
            if !settings.event_key_file.exists() {
                eprintln!(
                    "找不到事件认证密钥 {}，无法校验事件的写入者认证码。",
                    settings.event_key_file.display()
                );
                std::process::exit(2);
            }
            let store = open_store(&settings).await?;
            let mut problems = store.cases().verify_log(&trusted).await?;
            for file in &witness {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading witness file {}", file.display()))?;
                let saved: Vec<onewindow_store::case::checkpoints::PublishedCheckpoint> =
                    serde_json::from_str(&text)
                        .with_context(|| format!("parsing witness file {}", file.display()))?;
                problems.extend(store.cases().verify_witnessed(&trusted, &saved).await?);
            }
            if problems.is_empty() {
                println!(
                    "事件日志完整：所有办件的哈希链、写入者认证码、权限字段、安全日志和全部签名检查点校验通过。"
                );
                return Ok(());
            }
            print_problems(&problems);
            std::process::exit(1);
        }
        Command::Audit(AuditCommand::PublicKey) => {
            let key = onewindow_store::case::checkpoints::AuditKey::load_or_create(
                &settings.data_dir.join("audit-key"),
            )?;
            println!("{}", key.public_key_hex());
            Ok(())
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let store = open_store(&settings).await?;
            let key = onewindow_store::case::checkpoints::AuditKey::load_or_create(
                &settings.data_dir.join("audit-key"),
            )?;
            let cp = match store.cases().checkpoint(&key).await? {
                Ok(cp) => cp,
                Err(problems) => {
                    print_problems(&problems);
                    eprintln!("事件日志校验未通过，未签发检查点。");
                    std::process::exit(1);
                }
            };
            println!(
                "已签发检查点 {}：{} 个办件，Merkle 根 {}",
                cp.id, cp.case_count, cp.merkle_root
            );
            Ok(())
        }
    }
}

/// The demo keeps its console for the address and the logins: only warnings show there, and the
/// whole log goes to `onewindow.log` in the data folder.
fn init_demo_logging(data_dir: &std::path::Path) -> anyhow::Result<()> {
    use tracing_subscriber::prelude::*;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = data_dir.join(DEMO_LOG);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let to_file = tracing_subscriber::EnvFilter::try_from_env("ONEWINDOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(tracing_subscriber::filter::LevelFilter::WARN),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .with_filter(to_file),
        )
        .init();
    Ok(())
}

/// The demo's log file in its data folder.
const DEMO_LOG: &str = "onewindow.log";

fn init_logging(format: LogFormat, serving: bool) {
    let default = if serving { "info,sqlx=warn" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONEWINDOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

/// Each problem of the log on a line: a checkpoint's, a case's or the security log's first bad
/// entry.
fn print_problems(problems: &[onewindow_store::case::log::AuditProblem]) {
    for p in problems {
        println!("{p}");
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data folder {}", settings.data_dir.display()))?;
    }
    let mut store = Store::open(&settings.database_url)
        .await
        .with_context(|| format!("opening database {}", settings.redacted_url()))?;
    let key =
        onewindow_store::case::checkpoints::EventKey::load_or_create(&settings.event_key_file)?;
    store
        .set_event_key(key)
        .await
        .context("authenticating the case events with the event key")?;
    Ok(store)
}

async fn serve(mut store: Store, settings: &Settings) -> anyhow::Result<()> {
    store
        .use_search_dir(&settings.data_dir.join("search-index"))
        .await
        .context("opening the search index")?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = store.backend().name(), "serving");
    let blobs = onewindow_store::blobs::BlobStore::new(settings.data_dir.join("files"));
    let audit_key = std::sync::Arc::new(
        onewindow_store::case::checkpoints::AuditKey::load_or_create(
            &settings.data_dir.join("audit-key"),
        )?,
    );
    // The address comes last: scripts read up to it and may close the pipe after.
    println!(
        "检查点签名公钥（请另行保存，`onewindow audit verify --audit-public-key …` 用它校验）：{}",
        audit_key.public_key_hex()
    );
    println!("OneWindow 一窗通办 已启动：http://{addr}/");
    let mut notifiers: onewindow_web::notify::Notifiers = Vec::new();
    for (channel, url) in [
        ("sms", &settings.sms_gateway),
        ("email", &settings.email_gateway),
    ] {
        if let Some(url) = url {
            notifiers.push(std::sync::Arc::new(
                onewindow_web::notify::WebhookNotifier::new(channel, url)?,
            ));
            tracing::info!(channel, "notifications also go to a gateway");
        }
    }
    onewindow_web::serve(
        listener,
        AppState::from(onewindow_web::Services {
            store,
            blobs,
            audit_key,
            secure_cookies: settings.secure_cookies,
            trusted_proxies: onewindow_web::auth::TrustedProxies::parse(&settings.trusted_proxies)
                .map_err(anyhow::Error::msg)?,
            clock: onewindow_web::case::Clock {
                fixed: settings.today,
                time: None,
            },
            ocds: trading::publication(settings),
            auctions: Default::default(),
        }),
        notifiers,
        settings
            .witness_urls
            .iter()
            .map(|url| onewindow_web::audit::Witness::new(url))
            .collect::<anyhow::Result<_>>()?,
    )
    .await
}

async fn run_demo(settings: Settings) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let today = settings
        .today
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive());
    let logins = demo::load(&store, today, &settings.data_dir).await?;
    println!(
        "演示数据目录：{}（运行日志在其中的 {DEMO_LOG}）",
        settings.data_dir.display()
    );
    if logins.is_empty() {
        println!("数据库中已有数据，未重复载入演示数据。");
    } else {
        println!("演示账号（登录名 / 密码 / 身份）：");
        for (login, password, role) in &logins {
            println!("  {login:<20} {password:<12} {role}");
        }
    }
    serve(store, &settings).await
}

fn random_password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    loop {
        let p: String = (0..12)
            .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
            .collect();
        if p.chars().any(|c| c.is_ascii_digit()) && p.chars().any(|c| c.is_ascii_alphabetic()) {
            return p;
        }
    }
}

fn show_invalid(e: onewindow_store::StoreError) -> anyhow::Error {
    match e {
        onewindow_store::StoreError::Invalid(fields) => {
            let lines: Vec<String> = fields
                .0
                .iter()
                .map(|(f, m)| format!("  {f}: {m}"))
                .collect();
            anyhow::anyhow!("输入有误：\n{}", lines.join("\n"))
        }
        other => other.into(),
    }
}

async fn user_command(store: &Store, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            login,
            name,
            mobile,
            roles,
            centre,
            department,
            password,
        } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            let staff = store
                .org()
                .create_staff(&NewStaff {
                    staff: StaffInput {
                        centre_id: centre,
                        department_id: department,
                        name,
                        mobile,
                        roles,
                        backup_staff_id: None,
                    },
                    login,
                    password: password.clone(),
                })
                .await
                .map_err(show_invalid)?;
            println!("已创建账号 {}（人员编号 {}）", staff.login, staff.id);
            if generated {
                println!("初始密码：{password}");
            }
        }
        UserCommand::Passwd { login, password } => {
            let account = store
                .accounts()
                .find_account(&login)
                .await
                .context("no such login")?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(random_password);
            store
                .accounts()
                .set_password(account.id, &password)
                .await
                .map_err(show_invalid)?;
            store
                .accounts()
                .record_security_event(
                    "password_changed",
                    Some(account.id),
                    Some(&login),
                    None,
                    "命令行",
                )
                .await?;
            println!("已重设 {login} 的密码，原有会话已注销。");
            if generated {
                println!("新密码：{password}");
            }
        }
        UserCommand::Disable { login } => {
            let account = store
                .accounts()
                .find_account(&login)
                .await
                .context("no such login")?;
            store
                .accounts()
                .set_account_disabled(account.id, true)
                .await?;
            store
                .accounts()
                .record_security_event(
                    "account_disabled",
                    Some(account.id),
                    Some(&login),
                    None,
                    "命令行",
                )
                .await?;
            println!("已停用 {login}。");
        }
        UserCommand::Enable { login } => {
            let account = store
                .accounts()
                .find_account(&login)
                .await
                .context("no such login")?;
            store
                .accounts()
                .set_account_disabled(account.id, false)
                .await?;
            println!("已启用 {login}。");
        }
        UserCommand::List => {
            println!(
                "{:<6} {:<10} {:<22} {:<16} 状态",
                "编号", "类型", "登录名", "姓名/名称"
            );
            for a in store.accounts().list_accounts().await? {
                let status = if a.disabled.get() {
                    "停用"
                } else if a
                    .locked_until
                    .is_some_and(|u| u > onewindow_store::now_ms())
                {
                    "锁定中"
                } else {
                    "正常"
                };
                println!(
                    "{:<6} {:<10} {:<22} {:<16} {status}",
                    a.id, a.kind, a.login, a.display_name
                );
            }
        }
    }
    Ok(())
}

async fn token_command(store: &Store, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { login, name, scope } => {
            let Some(scope) = TokenScope::parse(&scope) else {
                bail!("scope must be read or write");
            };
            let account = store
                .accounts()
                .find_account(&login)
                .await
                .context("no such login")?;
            let (token, plain) = store
                .accounts()
                .create_token(account.id, &name, scope)
                .await
                .map_err(show_invalid)?;
            store
                .accounts()
                .record_security_event("token_created", Some(account.id), Some(&login), None, &name)
                .await?;
            println!(
                "令牌 {}（{}，{}）已创建，只显示这一次：",
                token.id, token.name, token.scope
            );
            println!("{plain}");
        }
        TokenCommand::Revoke { id } => {
            let token = store.accounts().revoke_token(id).await?;
            store
                .accounts()
                .record_security_event(
                    "token_revoked",
                    Some(token.account_id),
                    None,
                    None,
                    &format!("令牌 {id}（命令行）"),
                )
                .await?;
            println!("已吊销令牌 {id}。");
        }
        TokenCommand::List => {
            for t in store.accounts().list_tokens(None).await? {
                let state = if t.revoked_at.is_some() {
                    "已吊销"
                } else {
                    "有效"
                };
                println!(
                    "{:<6} 账号 {:<6} {:<8} {:<20} {state}",
                    t.id, t.account_id, t.scope, t.name
                );
            }
        }
    }
    Ok(())
}

fn is_csv(file: &std::path::Path) -> bool {
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

async fn catalog_command(settings: &Settings, cmd: CatalogCommand) -> anyhow::Result<()> {
    let mut store = open_store(settings).await?;
    match cmd {
        CatalogCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let docs = if is_csv(&file) {
                onewindow_store::catalog::csv::parse(&bytes)
            } else {
                match std::str::from_utf8(&bytes) {
                    Ok(text) => onewindow_store::catalog::parse_catalog_json(text),
                    Err(_) => Err(onewindow_domain::org::FieldErrors::single(
                        "file",
                        "文件不是 UTF-8 编码",
                    )),
                }
            }
            .map_err(|e| show_invalid(e.into()))?;
            store
                .use_search_dir(&settings.data_dir.join("search-index"))
                .await?;
            let report = store
                .catalog()
                .import_items(docs, AccountId(0))
                .await
                .map_err(show_invalid)?;
            println!(
                "导入完成：新增 {} 项，更新 {} 项，未变 {} 项。",
                report.created, report.updated, report.unchanged
            );
        }
        CatalogCommand::Export { file } => {
            let text = if is_csv(&file) {
                store.catalog().export_csv().await?
            } else {
                store.catalog().export_json().await?
            };
            std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
            println!("已导出到 {}", file.display());
        }
        CatalogCommand::Reindex => {
            store
                .use_search_dir(&settings.data_dir.join("search-index"))
                .await?;
            let n = store.catalog().reindex_catalog().await?;
            println!("搜索索引已重建：{n} 个在办事项。");
        }
    }
    Ok(())
}

/// The calendar commands answer from the official data plus the corrections stored in the
/// database (for `--region`, or nationwide ones only).
async fn calendar_command(cmd: CalendarCommand, settings: &Settings) -> anyhow::Result<()> {
    // Without a database yet (a fresh machine), the official data alone answers.
    let sqlite_missing = settings
        .database_url
        .strip_prefix("sqlite://")
        .is_some_and(|path| !std::path::Path::new(path.split('?').next().unwrap_or(path)).exists());
    if sqlite_missing && !matches!(cmd, CalendarCommand::SetDay { .. }) {
        let official = onewindow_domain::calendar::WorkCalendar::official()?;
        return answer_calendar(cmd, &official);
    }
    let store = open_store(settings).await?;
    let region = match &cmd {
        CalendarCommand::Deadline { region, .. }
        | CalendarCommand::IsWorkday { region, .. }
        | CalendarCommand::SetDay { region, .. } => region.clone(),
    };
    let calendar = store.calendar().calendar_for(&region).await?;
    match cmd {
        CalendarCommand::SetDay {
            date,
            workday,
            name,
            region,
        } => {
            let day = store
                .calendar()
                .set_calendar_day(&region, &date.to_string(), workday, &name, AccountId(0))
                .await
                .map_err(|e| match e {
                    onewindow_store::StoreError::Invalid(f) => anyhow::anyhow!(
                        "{}",
                        f.0.into_iter()
                            .map(|(k, m)| format!("{k}: {m}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    other => other.into(),
                })?;
            println!(
                "{} {} {}（{}）",
                day.day,
                if workday { "上班" } else { "休息" },
                if day.region_code.is_empty() {
                    "全国"
                } else {
                    &day.region_code
                },
                day.name
            );
        }
        other => answer_calendar(other, &calendar)?,
    }
    Ok(())
}

fn answer_calendar(
    cmd: CalendarCommand,
    calendar: &onewindow_domain::calendar::WorkCalendar,
) -> anyhow::Result<()> {
    match cmd {
        CalendarCommand::SetDay { .. } => {}
        CalendarCommand::Deadline {
            from, working_days, ..
        } => {
            let deadline = calendar.add_working_days(from, working_days)?;
            println!("{deadline}");
            eprintln!("自 {from} 次日起计 {working_days} 个工作日，{deadline} 下班前届满。");
        }
        CalendarCommand::IsWorkday { date, .. } => {
            let day = calendar.day(date)?;
            println!("{}", if day.workday { "yes" } else { "no" });
            eprintln!("{date}：{}", day.reason);
        }
    }
    Ok(())
}
