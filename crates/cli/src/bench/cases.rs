//! `onewindow bench cases`: the case engine's round trip under load. Each command is a separate
//! request to the store (load the case, decide, append events and read models, commit), as a
//! web request makes it; concurrent clients share the group-commit writer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use onewindow_domain::case::{
    Actor, Applicant, CaseType, Channel, Command, Decision, ItemRef, MaterialRef, StepRef,
};
use onewindow_domain::ids::{AccountId, CaseId, DepartmentId, ItemId, StaffId};
use onewindow_domain::org::Role;
use onewindow_store::Store;
use onewindow_store::case::commands::CommandRequest;

use crate::bench::{ScratchDb, percentile};

pub struct Options {
    /// sqlite (a fresh file in a temporary folder) or a postgres:// URL (a fresh database is
    /// created beside it and dropped afterwards).
    pub database: String,
    /// SQLite only: normal or full.
    pub synchronous: String,
    pub clients: usize,
    /// Lifecycles (`LIFECYCLE` commands each) measured.
    pub lifecycles: usize,
    /// Cases put in the database before measuring.
    pub seed: usize,
}

pub(crate) fn item() -> ItemRef {
    let step = |name: &str, role| StepRef {
        name: name.into(),
        role,
        department_id: DepartmentId(7),
        limit_days: 2,
    };
    ItemRef {
        item_id: ItemId(1),
        version: 1,
        name: "食品经营许可".into(),
        department_id: DepartmentId(7),
        case_type: CaseType::Promised,
        promised_days: 5,
        statutory_days: 20,
        steps: vec![
            step("受理", Role::Clerk),
            step("审查", Role::Reviewer),
            step("决定", Role::Approver),
        ],
        fee_standard_fen: 0,
        materials: vec![MaterialRef {
            name: "申请书".into(),
            required: true,
            deficiency_allowed: false,
        }],
        region_code: "371300000000".into(),
        online_only: false,
        branches: vec![],
    }
}

pub(crate) fn actor() -> Actor {
    Actor::staff(
        AccountId(1),
        StaffId(1),
        &[Role::Clerk, Role::Reviewer, Role::Approver],
        Some(DepartmentId(7)),
    )
}

/// Commands in one lifecycle: submit, accept (which ends the 受理 step), review, decide, conclude.
pub(crate) const LIFECYCLE: usize = 5;

/// Who gives which command, in order, for one case.
pub(crate) type Plan = fn() -> Vec<(Actor, Command)>;

/// A window application of `item` with its application form.
pub(crate) fn submission(item: ItemRef) -> Command {
    Command::Submit {
        application: None,
        channel: Channel::Window,
        item: Box::new(item),
        applicant: Applicant {
            kind: "individual".into(),
            name: "张伟".into(),
            id_number: "11010519491231002X".into(),
            mobile: "13800000000".into(),
        },
        materials: vec!["申请书".into()],
    }
}

/// The approver's decision and conclusion that end a lifecycle.
pub(crate) fn decision() -> [Command; 2] {
    [
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合法定条件、标准".into(),
                legal_basis: "《中华人民共和国行政许可法》第三十八条".into(),
            },
        },
        Command::Conclude,
    ]
}

pub(crate) fn lifecycle() -> Vec<(Actor, Command)> {
    let [decide, conclude] = decision();
    [
        submission(item()),
        Command::Accept,
        Command::CompleteStep {
            opinion: "经审查，申请人符合法定条件".into(),
        },
        decide,
        conclude,
    ]
    .into_iter()
    .map(|c| (actor(), c))
    .collect()
}

async fn run_command(
    store: &Store,
    case_id: Option<CaseId>,
    version: Option<u64>,
    (actor, command): (Actor, Command),
    today: NaiveDate,
) -> anyhow::Result<(CaseId, u64)> {
    let out = store
        .cases()
        .execute(CommandRequest {
            case_id,
            expected_version: version,
            command,
            actor,
            idempotency_key: None,
            today,
            at: onewindow_store::now_ms(),
        })
        .await?;
    Ok((out.case_id, out.version))
}

/// Runs `n` lifecycles (or only the first `steps` commands of each) on this client; returns
/// per-command latencies.
async fn client(
    store: Store,
    n: usize,
    steps: usize,
    done: Arc<AtomicU64>,
    plan: Plan,
) -> anyhow::Result<Vec<Duration>> {
    let today = NaiveDate::from_ymd_opt(2026, 9, 24).expect("date");
    let mut latencies = Vec::with_capacity(n * steps);
    for _ in 0..n {
        let (mut id, mut version) = (None, None);
        for command in plan().into_iter().take(steps) {
            let t = Instant::now();
            let (case_id, v) = run_command(&store, id, version, command, today).await?;
            latencies.push(t.elapsed());
            id = Some(case_id);
            version = Some(v);
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(latencies)
}

/// Runs `total` lifecycles of `plan` over `clients` concurrent clients.
pub(crate) async fn drive(
    store: &Store,
    clients: usize,
    total: usize,
    steps: usize,
    progress: Option<&str>,
    plan: Plan,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let share = total / clients + usize::from(c < total % clients);
        handles.push(tokio::spawn(client(
            store.clone(),
            share,
            steps,
            done.clone(),
            plan,
        )));
    }
    let ticker = progress.map(|label| {
        let done = done.clone();
        let label = label.to_owned();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let d = done.load(Ordering::Relaxed) as usize;
                let filled = d * 40 / total.max(1);
                eprint!(
                    "\r{label} [{}{}] {d}/{total}",
                    "#".repeat(filled),
                    ".".repeat(40 - filled)
                );
                if d >= total {
                    eprintln!();
                    break;
                }
            }
        })
    });
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await??);
    }
    let elapsed = start.elapsed();
    if let Some(t) = ticker {
        t.abort();
        eprintln!(
            "\r{} [{}] {total}/{total}",
            progress.unwrap_or(""),
            "#".repeat(40)
        );
    }
    Ok((latencies, elapsed))
}

/// Bytes written so far: for SQLite, what this process handed to `write` (database, WAL and
/// checkpoints, from /proc/self/io); for PostgreSQL, the database's size.
async fn database_bytes(store: &Store, sqlite: bool) -> u64 {
    if sqlite {
        std::fs::read_to_string("/proc/self/io")
            .ok()
            .and_then(|io| {
                io.lines()
                    .find_map(|l| l.strip_prefix("wchar: "))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    } else {
        sqlx::query_as::<_, (i64,)>("SELECT pg_database_size(current_database())")
            .fetch_one(store.pool())
            .await
            .map(|(n,)| n as u64)
            .unwrap_or(0)
    }
}

pub async fn cases(opts: Options) -> anyhow::Result<()> {
    let (scratch, store, database) =
        ScratchDb::with_store(&opts.database, "bench_cases", &opts.synchronous).await?;
    let sqlite_path = scratch.sqlite_path.clone();
    println!(
        "bench cases: {database}, {} clients, {} lifecycles of {LIFECYCLE} commands, {} cases seeded",
        opts.clients, opts.lifecycles, opts.seed
    );
    if opts.seed > 0 {
        // Submitted and accepted cases, as a busy centre's database holds.
        let t = Instant::now();
        drive(&store, 32, opts.seed, 2, Some("seeding"), lifecycle).await?;
        println!(
            "seeded {} cases in {:.1} s",
            opts.seed,
            t.elapsed().as_secs_f64()
        );
    }
    let before = database_bytes(&store, sqlite_path.is_some()).await;
    let (mut latencies, elapsed) = drive(
        &store,
        opts.clients,
        opts.lifecycles,
        LIFECYCLE,
        Some("measuring"),
        lifecycle,
    )
    .await?;
    let after = database_bytes(&store, sqlite_path.is_some()).await;
    latencies.sort();
    let commands = latencies.len() as f64;
    println!(
        "{} commands in {:.2} s: {:.0} commands/s; per command p50 {:.3} ms, p99 {:.3} ms; {:.0} bytes written per command",
        latencies.len(),
        elapsed.as_secs_f64(),
        commands / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        after.saturating_sub(before) as f64 / commands
    );
    // The checkpointer's work every ten minutes: verify the whole log, then place the new events
    // in the tree and sign it. The first places every event; the second only verifies and signs.
    let key = onewindow_store::case::checkpoints::AuditKey::from_seed([8; 32]);
    for round in ["first", "next"] {
        let t = Instant::now();
        let signed = store.cases().checkpoint(&key).await?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        match signed {
            Ok(cp) => println!(
                "audit: verify and sign the {round} checkpoint over {} log entries in {ms:.0} ms",
                cp.tree_size.unwrap_or(0)
            ),
            Err(problems) => anyhow::bail!("audit verify: {} problems", problems.len()),
        }
    }
    store.close().await;
    scratch.remove().await
}
