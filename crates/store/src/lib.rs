//! Persistence for OneWindow on SQLite (the embedded default) and PostgreSQL (production),
//! from one codebase: the same migrations and the same SQL text, bound with `$N` placeholders
//! that both databases understand, through sqlx's runtime-chosen `Any` driver.

// One folder per bounded context, each the only writer of its tables; `infra` is what they
// stand on; `projections` are the read models the case writer feeds.
pub mod accounts;
pub mod calendar;
pub mod case;
pub mod catalog;
mod error;
pub mod hall;
mod infra;
pub mod joint;
pub mod org;
mod projections;
pub mod reviews;
pub mod supervision;
pub mod testing;
pub mod trading;

pub use infra::{attempts, blobs, messages, outbox, search, spreadsheet};

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use error::{StoreError, StoreResult};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL (use sqlite://… or postgres://…): {url}"
            )))
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The handle every layer above uses. Cheap to clone: one shared reference, since every
/// request clones it a few times.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

/// What a store and its clones share; reached through `Store`'s `Deref`.
pub struct Shared {
    pool: AnyPool,
    backend: Backend,
    /// The catalogue's search index, kept in step with publishing; a server swaps in its
    /// on-disk index at start.
    search: std::sync::RwLock<Arc<search::CatalogIndex>>,
    /// The working-day calendars with the administrators' corrections.
    calendars: Arc<calendar::Calendars>,
    /// The group-commit writer for case commands, started on first use.
    writer: Arc<case::commands::Writer>,
    /// The warning threshold as the centre set it (loaded on first use).
    warn: Arc<std::sync::RwLock<Option<onewindow_domain::case::WarnThreshold>>>,
    /// The centre's review deadlines and reasons in force, and when they were read (kept for a
    /// few seconds: a review is given far more often than they change).
    review_settings: Arc<std::sync::RwLock<Option<reviews::Settings>>>,
    /// SQLite: the database file and its `synchronous` setting, for the case writer's own
    /// connection.
    sqlite_file: Option<(std::path::PathBuf, &'static str)>,
    /// The key the case writer authenticates events with (`set_event_key`); none in tests
    /// that do not ask for one.
    event_key: std::sync::OnceLock<case::checkpoints::EventKey>,
    /// One security-log writer at a time in this process (the chain takes one entry per place;
    /// writers in other processes retry on the unique place).
    security_writer: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: one bid transaction at a time in this process, so that concurrent bidders queue
    /// here (their sealing and file writes go on in parallel) instead of contending for the
    /// database's write lock.
    bid_writer: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the booking writer, started on first use (`hall::bookings`).
    booking_writer: std::sync::OnceLock<tokio::sync::mpsc::Sender<hall::bookings::Queued>>,
    /// Counts the changes to what the public pages show (catalogue, synonyms, organisation)
    /// made through this store; pages rendered before a change are stale.
    public_revision: std::sync::atomic::AtomicU64,
}

impl Store {
    /// Opens the database, creating an SQLite file when absent. Does not migrate.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        // `synchronous=normal|full` is ours (SQLite only): FULL, the default, fsyncs every
        // commit so that an acknowledged case survives a power cut; group commit keeps it fast.
        let (url, synchronous) = take_param(url, "synchronous");
        let synchronous = match synchronous.as_deref() {
            None | Some("full") | Some("FULL") => "FULL",
            Some("normal") | Some("NORMAL") => "NORMAL",
            Some(other) => {
                return Err(StoreError::Config(format!(
                    "synchronous={other}: use normal or full"
                )));
            }
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url,
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let sqlite_file = match backend {
            Backend::Sqlite => Some((
                sqlx::sqlite::SqliteConnectOptions::from_str(&url)?
                    .get_filename()
                    .to_path_buf(),
                synchronous,
            )),
            Backend::Postgres => None,
        };
        if let Some((path, _)) = &sqlite_file {
            owner_only(path)?;
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            // SQLite has one writer at a time but WAL lets readers run beside it; each query
            // waits on a hand-off to its connection's thread, so a few more connections than
            // cores keep the cores busy.
            .max_connections(match backend {
                Backend::Sqlite => cores.max(2) * 4,
                Backend::Postgres => cores * 4 + 2,
            });
        let pool = match backend {
            Backend::Sqlite => {
                pool_options
                    // A connection to a local file does not go stale: no ping (a round trip
                    // to the connection's thread) before every query.
                    .test_before_acquire(false)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = {synchronous}; \
                                 PRAGMA wal_autocheckpoint = 10000;"
                            )))
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => pool_options.connect_with(options).await?,
        };
        let search = Arc::new(search::CatalogIndex::open(None)?);
        Ok(Store::from(Shared {
            pool,
            backend,
            search: std::sync::RwLock::new(search),
            calendars: Arc::new(calendar::Calendars::new()?),
            writer: case::commands::new_writer(),
            warn: Arc::default(),
            review_settings: Arc::default(),
            sqlite_file,
            event_key: std::sync::OnceLock::new(),
            security_writer: Arc::default(),
            bid_writer: Arc::default(),
            booking_writer: std::sync::OnceLock::new(),
            public_revision: Default::default(),
        }))
    }

    /// Connects and brings the schema up to date. The search index starts empty in memory and
    /// follows every publish; a server swaps in its on-disk index with `use_search_dir`, which
    /// rebuilds it when out of step, so start-up builds it at most once.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Keeps the search index in `dir` (a server's data folder) instead of memory; it is
    /// rebuilt from the database when it does not hold exactly the published items.
    pub async fn use_search_dir(&mut self, dir: &std::path::Path) -> StoreResult<()> {
        *self.search.write().expect("search index lock") =
            Arc::new(search::CatalogIndex::open(Some(dir))?);
        self.catalog().load_synonyms().await?;
        let published = self.catalog().count_active_items().await?;
        if self.search().num_docs() != published {
            self.catalog().reindex_catalog().await?;
        }
        Ok(())
    }

    /// From now on every appended event carries this key's MAC, and `audit verify` requires a
    /// valid one on every event. A key made by this start first authenticates the events already
    /// stored, once, and only when their chains verify.
    pub async fn set_event_key(&mut self, key: case::checkpoints::EventKey) -> StoreResult<()> {
        if key.fresh {
            self.cases().adopt_events(&key).await?;
        }
        self.accounts().seal_security_log(&key).await?;
        self.event_key
            .set(key)
            .map_err(|_| StoreError::Config("the event key is set once, at start".into()))
    }

    pub(crate) fn event_key(&self) -> Option<&case::checkpoints::EventKey> {
        self.event_key.get()
    }

    /// Changes with every change to what the public pages show: the published catalogue, the
    /// synonyms and the organisation (centres, halls, departments, windows). Only changes made
    /// through this process count; other processes' changes are for the reader to bound (the web
    /// layer's page cache also expires entries after a few seconds).
    pub fn public_revision(&self) -> u64 {
        self.public_revision
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Marks the public pages stale; called by the store after each change they show.
    pub(crate) fn public_changed(&self) {
        self.public_revision
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub fn search(&self) -> Arc<search::CatalogIndex> {
        self.search.read().expect("search index lock").clone()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations; returns how many ran.
    pub async fn migrate(&self) -> StoreResult<usize> {
        infra::migrate::run(&self.pool, self.backend).await
    }

    /// Whether the database answers, for `/readyz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl From<Shared> for Store {
    fn from(shared: Shared) -> Store {
        Store {
            shared: Arc::new(shared),
        }
    }
}

impl std::ops::Deref for Store {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// One handle per context, each with that context's methods (`store.cases().execute(…)`,
/// `store.catalog().publish(…)`), so that a context's names never collide with another's and
/// its methods are found in its own folder. A handle is a borrowed view of the store.
macro_rules! handles {
    ($($(#[$doc:meta])* $name:ident => $handle:ident,)*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $handle<'a> {
                pub(crate) store: &'a Store,
            }
        )*
        impl Store {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> $handle<'_> {
                    $handle { store: self }
                }
            )*
        }
    };
}

handles! {
    /// Regions, centres, halls, departments, windows and staff (`org`).
    org => OrgStore,
    /// Accounts, sessions, API tokens and the security log (`accounts`).
    accounts => AccountStore,
    /// The service-item catalogue: items, versions, publishing, synonyms, exchange (`catalog`).
    catalog => CatalogStore,
    /// The working-day calendars and their corrections (`calendar`).
    calendar => CalendarStore,
    /// Case handling: commands, the event log, lists and views, checkpoints (`case`).
    cases => CaseStore,
    /// Electronic supervision: sweeps, alerts, urgings, findings, cards, assessment, reported
    /// cases (`supervision`).
    supervision => SupervisionStore,
    /// The online hall: drafts, uploads, online submission, messages (`hall`).
    hall => HallStore,
    /// Joint approval beyond one item: 一件事一次办 bundles (`joint`).
    joint => JointStore,
    /// 好差评: reviews of cases and visits, their answers and appeals, the figures (`reviews`).
    reviews => ReviewStore,
    /// 公共资源交易: projects, lots, announcements, sealed bids, openings, expert draws
    /// (`trading`).
    trading => TradingStore,
    /// The notification outbox and the accounts' message centre (`infra::outbox`,
    /// `infra::messages`).
    outbox => OutboxStore,
}

/// A yes/no column, stored as 0/1 on every database and shown as a JSON boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag(pub bool);

impl Flag {
    pub fn get(self) -> bool {
        self.0
    }
}

/// Read through `#[sqlx(try_from = "i64")]`, which the blanket `TryFrom` from this provides.
impl From<i64> for Flag {
    fn from(v: i64) -> Self {
        Flag(v != 0)
    }
}

impl std::ops::Not for Flag {
    type Output = bool;
    fn not(self) -> bool {
        !self.0
    }
}

/// Removes `name=value` from a URL's query, returning the URL and the value.
fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some((k, v)) if k == name => {
                value = Some(v.to_owned());
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        (base.to_owned(), value)
    } else {
        (format!("{base}?{}", kept.join("&")), value)
    }
}

/// `n` random bytes as lowercase hex: secrets, command ids, form tokens.
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Current time as stored: UTC milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A local time (Asia/Shanghai, the business time) as stored: UTC milliseconds.
pub fn utc_ms(local: chrono::NaiveDateTime) -> i64 {
    (local - chrono::Duration::hours(8))
        .and_utc()
        .timestamp_millis()
}

/// A stored time (UTC milliseconds) as local time (Asia/Shanghai).
pub fn local(ms: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc()
        + chrono::Duration::hours(8)
}

/// The SQLite file holds password hashes and applicants' personal data: it is created readable
/// and writable by the server's user only (0600), and an existing one is narrowed to that. SQLite
/// gives its -wal and -shm files the database file's permissions.
fn owner_only(path: &std::path::Path) -> StoreResult<()> {
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let config = |e: std::io::Error| StoreError::Config(format!("{}: {e}", path.display()));
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(config)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(config)?;
    }
    Ok(())
}
