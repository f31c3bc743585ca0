//! Fresh databases for tests: an SQLite file in a temporary folder, and a new PostgreSQL database
//! when `ONEWINDOW_TEST_PG` names a server. Under `CI=true` PostgreSQL is required, so a CI run
//! can never pass by quietly testing SQLite alone.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, Connection};

use onewindow_domain::catalog::{ItemDoc, LegalBasis, Material, Step};
use onewindow_domain::ids::{AccountId, CentreId, DepartmentId, HallId};

use crate::org::{
    CentreInput, DepartmentInput, HallInput, NewStaff, RegionInput, Staff, StaffInput,
};
use crate::{Backend, Store};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs a store test, `async fn case(store: &Store)`, on a fresh database of every backend.
#[macro_export]
macro_rules! on_every_backend {
    ($case:ident) => {
        for backend in $crate::testing::backends() {
            let db = $crate::testing::TestDb::create(backend).await;
            let store = db.store().await;
            $case(&store).await;
            store.close().await;
            db.cleanup().await;
        }
    };
}

/// The backends this test run must cover.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match std::env::var("ONEWINDOW_TEST_PG") {
        Ok(url) if !url.is_empty() => list.push(Backend::Postgres),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but ONEWINDOW_TEST_PG is not set: PostgreSQL tests must run in CI")
        }
        _ => {}
    }
    list
}

/// A database that exists for one test. SQLite files live under the system temp folder;
/// PostgreSQL databases are dropped by `cleanup`, and leftovers older than an hour are swept
/// at the next creation.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pg_admin: Option<(String, String)>,
    dir: Option<PathBuf>,
}

fn unique_suffix() -> String {
    format!(
        "{}_{}_{}",
        chrono::Utc::now().timestamp(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    pub async fn create(backend: Backend) -> TestDb {
        sqlx::any::install_default_drivers();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("onewindow-test-{}", unique_suffix()));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                TestDb {
                    url: format!("sqlite://{}/test.db", dir.display()),
                    backend,
                    pg_admin: None,
                    dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("ONEWINDOW_TEST_PG")
                    .expect("ONEWINDOW_TEST_PG must name a PostgreSQL server for PostgreSQL tests");
                let name = format!("ow_t_{}", unique_suffix());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("connect to ONEWINDOW_TEST_PG");
                sweep_stale(&mut conn).await;
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let _ = conn.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .unwrap_or(admin.clone());
                TestDb {
                    url: format!("{base}/{name}"),
                    backend,
                    pg_admin: Some((admin, name)),
                    dir: None,
                }
            }
        }
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open test store")
    }

    /// A digest of every row of every table but those named, to show that a request wrote
    /// nothing: equal fingerprints, equal contents.
    pub async fn fingerprint(&self, except: &[&str]) -> Vec<(String, String)> {
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect for a fingerprint");
        let tables_sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            }
        };
        let tables: Vec<(String,)> = sqlx::query_as(tables_sql)
            .fetch_all(&mut conn)
            .await
            .expect("list tables");
        let mut out = Vec::new();
        for (table,) in tables {
            if except.contains(&table.as_str()) {
                continue;
            }
            let digest_sql = match self.backend {
                Backend::Sqlite => {
                    let columns: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(format!(
                        "SELECT name FROM pragma_table_info('{table}')"
                    )))
                    .fetch_all(&mut conn)
                    .await
                    .expect("list columns");
                    let row = columns
                        .iter()
                        .map(|(c,)| format!("quote(\"{c}\")"))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    format!(
                        "SELECT coalesce(group_concat(r, '|'), '') FROM \
                         (SELECT {row} AS r FROM \"{table}\" ORDER BY 1)"
                    )
                }
                Backend::Postgres => format!(
                    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) \
                     FROM \"{table}\" t"
                ),
            };
            let (digest,): (String,) = sqlx::query_as(AssertSqlSafe(digest_sql))
                .fetch_one(&mut conn)
                .await
                .expect("digest a table");
            out.push((table, digest));
        }
        let _ = conn.close().await;
        out
    }

    pub async fn cleanup(self) {
        if let Some((admin, name)) = &self.pg_admin
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn sweep_stale(conn: &mut sqlx::AnyConnection) {
    let cutoff = chrono::Utc::now().timestamp() - 3600;
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'ow_t_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let created: i64 = name
            .trim_start_matches("ow_t_")
            .split('_')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(i64::MAX);
        if created < cutoff {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

/// A valid item document of department `dept`, implementation code `0102001{code}`, with a
/// window among its handling forms.
pub fn item_doc(code: &str, name: &str, dept: DepartmentId) -> ItemDoc {
    ItemDoc {
        basic_code: "0102001".into(),
        implementation_code: format!("0102001{code}"),
        name: name.into(),
        aliases: vec![],
        item_type: "01".into(),
        exercise_level: "3".into(),
        legal_bases: vec![LegalBasis {
            law: "《中华人民共和国市场主体登记管理条例》".into(),
            article: "第三条".into(),
            text: String::new(),
        }],
        department_id: dept,
        body_nature: "1".into(),
        case_type: "2".into(),
        statutory_limit_days: 15,
        promised_limit_days: 3,
        acceptance_conditions: "申请材料齐全、符合法定形式".into(),
        steps: vec![
            Step {
                name: "受理".into(),
                role: "clerk".into(),
                department_id: dept,
                limit_days: 1,
                description: String::new(),
            },
            Step {
                name: "审批".into(),
                role: "approver".into(),
                department_id: dept,
                limit_days: 2,
                description: String::new(),
            },
        ],
        result_name: "营业执照".into(),
        result_type: "licence".into(),
        service_targets: vec!["1".into()],
        handling_forms: vec!["1".into()],
        topics: vec!["c_setup".into()],
        online_depth: "3".into(),
        max_visits: 1,
        location: "一楼".into(),
        hours: "工作日".into(),
        consult_phone: "0539-1".into(),
        supervise_phone: "12345".into(),
        materials: vec![Material {
            name: "营业执照".into(),
            originals: 1,
            copies: 1,
            requirement: "required".into(),
            source: "government".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The password of every account the fixtures create.
pub const PASSWORD: &str = "secret123";

/// The organisation most tests stand on: Shandong and Linyi, the Linyi centre with its
/// first-floor hall, and two departments (market regulation and public security).
#[derive(Debug, Clone, Copy)]
pub struct Org {
    pub centre: CentreId,
    pub hall: HallId,
    pub dept: DepartmentId,
    pub other_dept: DepartmentId,
}

/// Shandong and Linyi, and the Linyi centre with its hall: what every organisation fixture
/// starts from. Returns the centre's and the hall's ids.
pub async fn seed_centre(store: &Store) -> (CentreId, HallId) {
    let org = store.org();
    for (code, name, level, parent) in [
        ("370000000000", "山东省", 2, None),
        ("371300000000", "临沂市", 3, Some("370000000000")),
    ] {
        org.create_region(&RegionInput {
            code: code.into(),
            name: name.into(),
            level,
            parent_code: parent.map(str::to_owned),
        })
        .await
        .expect("region");
    }
    let centre = org
        .create_centre(&CentreInput {
            name: "临沂市政务服务中心".into(),
            kind: "main".into(),
            region_code: "371300000000".into(),
            parent_centre_id: None,
            address: "北城新区".into(),
            phone: "0539-12345".into(),
            hours: "工作日".into(),
        })
        .await
        .expect("centre");
    let hall = org
        .create_hall(
            centre.id,
            &HallInput {
                name: "一楼大厅".into(),
                floor: 1,
                description: "".into(),
            },
        )
        .await
        .expect("hall");
    (centre.id, hall.id)
}

/// The centre of `seed_centre` with its two departments.
pub async fn seed_org(store: &Store) -> Org {
    let (centre, hall) = seed_centre(store).await;
    let dept = |name: &str, short: &str, code: &str| DepartmentInput {
        centre_id: centre,
        name: name.into(),
        short_name: short.into(),
        credit_code: code.into(),
        phone: "".into(),
    };
    let org = store.org();
    let market = org
        .create_department(&dept(
            "临沂市市场监督管理局",
            "市场监管",
            "11371300004323789A",
        ))
        .await
        .expect("department");
    let police = org
        .create_department(&dept("临沂市公安局", "公安", "91350100M000100Y43"))
        .await
        .expect("department");
    Org {
        centre,
        hall,
        dept: market.id,
        other_dept: police.id,
    }
}

/// A staff member with these roles and an account that signs in as `login` with PASSWORD.
pub async fn seed_staff(
    store: &Store,
    login: &str,
    roles: &[&str],
    centre: Option<CentreId>,
    dept: Option<DepartmentId>,
) -> Staff {
    store
        .org()
        .create_staff(&NewStaff {
            staff: StaffInput {
                centre_id: centre,
                department_id: dept,
                name: format!("测试{login}"),
                mobile: "13800000000".into(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                backup_staff_id: None,
            },
            login: login.into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("staff")
}

/// The 食品经营许可 item of `dept` as the case engine sees it: 受理 (1 working day), 审查 (2),
/// 决定 (1) by that department; promised in 5 working days, 20 by law; on Linyi's calendar;
/// no fee and no materials (tests add what they need with `..`).
pub fn food_licence_ref(dept: DepartmentId) -> onewindow_domain::case::ItemRef {
    use onewindow_domain::case::{CaseType, ItemRef, StepRef};
    use onewindow_domain::org::Role;
    let step = |name: &str, role, limit_days| StepRef {
        name: name.into(),
        role,
        department_id: dept,
        limit_days,
    };
    ItemRef {
        item_id: onewindow_domain::ids::ItemId(1),
        version: 1,
        name: "食品经营许可".into(),
        department_id: dept,
        case_type: CaseType::Promised,
        promised_days: 5,
        statutory_days: 20,
        steps: vec![
            step("受理", Role::Clerk, 1),
            step("审查", Role::Reviewer, 2),
            step("决定", Role::Approver, 1),
        ],
        fee_standard_fen: 0,
        materials: vec![],
        region_code: "371300000000".into(),
        online_only: false,
        branches: vec![],
    }
}

/// An application for `item` by `name` (the test resident id and mobile) through `channel`,
/// with the materials named.
pub fn submission(
    channel: onewindow_domain::case::Channel,
    item: onewindow_domain::case::ItemRef,
    name: &str,
    materials: &[&str],
) -> onewindow_domain::case::Command {
    onewindow_domain::case::Command::Submit {
        application: None,
        channel,
        item: Box::new(item),
        applicant: onewindow_domain::case::Applicant {
            kind: "individual".into(),
            name: name.into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials: materials.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// An individual applicant who signs in with PASSWORD.
pub async fn register_applicant(
    store: &Store,
    name: &str,
    resident_id: &str,
    mobile: &str,
) -> AccountId {
    store
        .accounts()
        .register_individual(
            &crate::accounts::IndividualRegistration {
                name: name.into(),
                resident_id: resident_id.into(),
                mobile: mobile.into(),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .expect("applicant")
        .id
}

/// A valid unified social credit code numbered `n` (a company of Lanshan district, Linyi).
pub fn company_code(n: u32) -> String {
    let body: Vec<char> = format!("91371302{n:09}").chars().collect();
    let check = onewindow_domain::ids::credit_check_char(&body);
    format!("{}{check}", body.iter().collect::<String>())
}

/// A company's account (法人) with the credit code numbered `n`, who signs in with PASSWORD.
pub async fn register_company(store: &Store, name: &str, n: u32) -> AccountId {
    store
        .accounts()
        .register_company(
            &crate::accounts::CompanyRegistration {
                name: name.into(),
                credit_code: company_code(n),
                legal_representative: "张法人".into(),
                mobile: format!("139{n:08}"),
                password: PASSWORD.into(),
            },
            None,
        )
        .await
        .expect("company")
        .id
}

/// `n` individual applicants (王测试1, 王测试2, …) with valid resident ids — born 1980-01-01,
/// sequence numbers from `first` — who sign in with PASSWORD. One password hash serves them
/// all, so thousands are made in a moment (races and benchmarks need many people).
pub async fn seed_applicants(store: &Store, first: u32, n: u32) -> Vec<AccountId> {
    let hash = crate::accounts::hash_password(PASSWORD)
        .await
        .expect("hash");
    let mut ids = Vec::with_capacity(n as usize);
    let mut tx = store.pool.begin().await.expect("begin");
    for i in first..first + n {
        // 110105 19800101 + a 3-digit sequence in a 4-digit block per thousand (the day moves).
        let body = format!(
            "1101051980{:02}{:02}{:03}",
            1 + (i / 28_000) % 12,
            1 + (i / 1000) % 28,
            i % 1000
        );
        let chars: Vec<char> = body.chars().collect();
        let resident = format!(
            "{body}{}",
            onewindow_domain::ids::resident_check_char(&chars)
        );
        let (id,): (AccountId,) = sqlx::query_as(
            "INSERT INTO accounts (kind, login, display_name, password_hash, mobile, resident_id,
                                   disabled, failed_logins, created_at, updated_at)
             VALUES ('individual', $1, $2, $3, '13900000000', $1, 0, 0, $4, $4) RETURNING id",
        )
        .bind(&resident)
        .bind(format!("王测试{i}"))
        .bind(&hash)
        .bind(crate::now_ms())
        .fetch_one(&mut *tx)
        .await
        .expect("applicant");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids
}

/// `n` open windows of `dept` (None: comprehensive windows) in a new zone of `hall`, numbered
/// from `first`.
pub async fn seed_windows(
    store: &Store,
    centre: CentreId,
    hall: HallId,
    dept: Option<DepartmentId>,
    first: u32,
    n: u32,
) -> Vec<crate::org::Window> {
    let zone = store
        .org()
        .create_zone(
            hall,
            &crate::org::ZoneInput {
                name: format!("区域{first}"),
                purpose: String::new(),
            },
        )
        .await
        .expect("zone");
    let mut windows = Vec::new();
    for i in first..first + n {
        windows.push(
            store
                .org()
                .create_window(&crate::org::WindowInput {
                    centre_id: centre,
                    number: format!("{i:02}"),
                    name: format!("窗口{i}"),
                    department_id: dept,
                    zone_id: Some(zone.id),
                    is_open: true,
                })
                .await
                .expect("window"),
        );
    }
    windows
}

/// Checks an OCDS package file offline with the standard's 1.1.5 copy (`ONEWINDOW_OCDS_STANDARD`
/// names its folder, else `shared/reference/ocds-1.1.5` beside the checkout or under /work): a
/// release package by lib-cove-ocds (no validation errors, no values outside the closed
/// codelists), a record package by that folder's `validate_plain.py` against the record package
/// schema (lib-cove-ocds would fetch the versioned release schema from the network). Both run in
/// the virtual environment named by `ONEWINDOW_OCDS_VENV` (default `~/.cache/onewindow-ocds-venv`,
/// which `.ci/run` makes). Returns `Ok(false)` when either is missing, which under `CI=true` is a
/// failure.
pub fn validate_ocds(package: &std::path::Path, records: bool) -> Result<bool, String> {
    let venv = std::env::var("ONEWINDOW_OCDS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/onewindow-ocds-venv")
        });
    let folder = "shared/reference/ocds-1.1.5";
    let standard = std::env::var("ONEWINDOW_OCDS_STANDARD")
        .map(PathBuf::from)
        .ok()
        .into_iter()
        .chain([
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../..")
                .join(folder),
            PathBuf::from("/work").join(folder),
        ])
        .find(|p| p.join("standard-1__1__5.zip").exists())
        .unwrap_or_else(|| PathBuf::from(folder));
    let cove = venv.join("bin/libcoveocds");
    if !cove.exists() || !standard.join("standard-1__1__5.zip").exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            return Err(format!(
                "CI=true but the OCDS validator is missing ({} or {})",
                cove.display(),
                standard.display()
            ));
        }
        eprintln!("lib-cove-ocds not installed: the OCDS package is not validated");
        return Ok(false);
    }
    let run = |cmd: &mut std::process::Command| {
        cmd.output()
            .map_err(|e| format!("running the OCDS validator: {e}"))
    };
    if records {
        let out = run(std::process::Command::new(venv.join("bin/python"))
            .arg(standard.join("validate_plain.py"))
            .arg(standard.join("schema"))
            .arg(package)
            .arg("record-package-schema.json"))?;
        return if out.status.success() {
            Ok(true)
        } else {
            Err(format!(
                "OCDS record package {} is not valid: {}",
                package.display(),
                String::from_utf8_lossy(&out.stdout)
            ))
        };
    }
    let out = run(std::process::Command::new(&cove)
        .arg("--standard-zip")
        .arg(standard.join("standard-1__1__5.zip"))
        .arg(package))?;
    if !out.status.success() {
        return Err(format!(
            "lib-cove-ocds failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("lib-cove-ocds printed no JSON: {e}"))?;
    let errors = &report["validation_errors"];
    let closed = &report["additional_closed_codelist_values"];
    let empty = |v: &serde_json::Value| {
        v.is_null()
            || v.as_array().is_some_and(|a| a.is_empty())
            || v.as_object().is_some_and(|o| o.is_empty())
    };
    if empty(errors) && empty(closed) {
        Ok(true)
    } else {
        Err(format!(
            "OCDS package {} is not valid: validation_errors {errors:#}, additional_closed_codelist_values {closed:#}",
            package.display()
        ))
    }
}
