//! `onewindow bench joint`: joint cases (并联审批) through the case engine, against single-
//! department cases in the same run. A joint case has five co-departments, each with three steps
//! (会办审查, 会办复核, 会签) by its own staff, between the lead's acceptance and its decision: 20
//! commands, each a separate round trip as a web request makes it.

use std::time::Duration;

use onewindow_domain::case::{Actor, BranchRef, Command, StepRef};
use onewindow_domain::ids::{AccountId, DepartmentId, StaffId};
use onewindow_domain::org::Role;
use onewindow_store::Store;

use crate::bench::cases::{LIFECYCLE, actor, decision, drive, item, lifecycle, submission};
use crate::bench::{ScratchDb, percentile};

#[derive(Debug, clap::Args)]
pub struct Options {
    /// `sqlite` (a fresh temporary file) or a postgres:// URL (a fresh database beside it).
    #[arg(long, default_value = "sqlite")]
    pub database: String,
    /// SQLite: `normal` or `full` (fsync on every commit).
    #[arg(long, default_value = "normal")]
    pub synchronous: String,
    #[arg(long, default_value_t = 1)]
    pub clients: usize,
    /// Cases of each kind measured (single-department, then joint).
    #[arg(long, default_value_t = 1_000)]
    pub cases: usize,
    /// Applications of a four-item 一件事 bundle, each filed as one joint case (its items read
    /// from the catalogue, merged and submitted), one after another.
    #[arg(long, default_value_t = 500)]
    pub bundles: usize,
    /// Investment projects, each with a stage concluded this month, for the monthly bulletin.
    #[arg(long, default_value_t = 10_000)]
    pub projects: usize,
}

const BRANCHES: usize = 5;
const BRANCH_STEPS: usize = 3;
/// Submit, accept, the lead's review, five branches of three steps, decide, conclude.
const JOINT: usize = LIFECYCLE + BRANCHES * BRANCH_STEPS;

/// The co-department `i` (departments 11, 12, …).
fn department(i: usize) -> DepartmentId {
    DepartmentId(11 + i as i64)
}

fn co_staff(i: usize) -> Actor {
    let id = 100 + i as i64;
    Actor::staff(
        AccountId(id),
        StaffId(id),
        &[Role::Reviewer, Role::Approver],
        Some(department(i)),
    )
}

fn joint_lifecycle() -> Vec<(Actor, Command)> {
    let mut joint_item = item();
    joint_item.branches = (0..BRANCHES)
        .map(|i| {
            let step = |name: &str, role| StepRef {
                name: name.into(),
                role,
                department_id: department(i),
                limit_days: 0,
            };
            BranchRef {
                department_id: department(i),
                department_name: format!("会办部门{}", i + 1),
                steps: vec![
                    step("会办审查", Role::Reviewer),
                    step("会办复核", Role::Reviewer),
                    step("会签", Role::Approver),
                ],
                limit_days: 3,
                item: None,
            }
        })
        .collect();
    let mut plan = vec![
        (actor(), submission(joint_item)),
        (actor(), Command::Accept),
        (
            actor(),
            Command::CompleteStep {
                opinion: "经审查，申请人符合法定条件".into(),
            },
        ),
    ];
    for branch in 0..BRANCHES {
        for _ in 0..BRANCH_STEPS {
            plan.push((
                co_staff(branch),
                Command::CompleteBranchStep {
                    branch,
                    opinion: "同意".into(),
                },
            ));
        }
    }
    plan.extend(decision().map(|c| (actor(), c)));
    plan
}

/// Commands per second, p50 and p99 of one kind of case.
fn figures(latencies: &mut [Duration], elapsed: Duration) -> (f64, f64, f64) {
    latencies.sort();
    (
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
    )
}

pub async fn joint(opts: Options) -> anyhow::Result<()> {
    let (scratch, store, database) =
        ScratchDb::with_store(&opts.database, "bench_joint", &opts.synchronous).await?;
    let clients = opts.clients.max(1);
    let cases = opts.cases.max(1);
    println!(
        "bench joint: {database}, {clients} clients, {cases} cases of each kind: single-department ({LIFECYCLE} commands) and joint with {BRANCHES} co-departments of {BRANCH_STEPS} steps ({JOINT} commands)",
    );
    let (mut single, single_time) =
        drive(&store, clients, cases, LIFECYCLE, Some("单部门"), lifecycle).await?;
    let (mut joint, joint_time) = drive(
        &store,
        clients,
        cases,
        JOINT,
        Some("并联审批"),
        joint_lifecycle,
    )
    .await?;
    check(&store).await?;
    let (single_rate, single_p50, single_p99) = figures(&mut single, single_time);
    let (joint_rate, joint_p50, joint_p99) = figures(&mut joint, joint_time);
    println!(
        "single-department: {single_rate:.0} commands/s, p50 {single_p50:.3} ms, p99 {single_p99:.3} ms"
    );
    println!(
        "joint: {joint_rate:.0} commands/s, p50 {joint_p50:.3} ms, p99 {joint_p99:.3} ms; {:.0} joint cases/s",
        cases as f64 / joint_time.as_secs_f64()
    );
    println!(
        "cost per command, joint ÷ single-department: {:.2}× (target ≤ 1.5×)",
        single_rate / joint_rate
    );
    let (mut filed, bundle) = bundle_submissions(&store, opts.bundles.max(1)).await?;
    filed.sort();
    println!(
        "bundle of 4 items filed as one joint case: {} applications, p50 {:.3} ms, p99 {:.3} ms (target p99 ≤ 20 ms on SQLite FULL)",
        filed.len(),
        percentile(&filed, 0.50).as_secs_f64() * 1e3,
        percentile(&filed, 0.99).as_secs_f64() * 1e3,
    );
    let mut bulletins = bulletin(&store, bundle, opts.projects.max(1)).await?;
    bulletins.sort();
    println!(
        "monthly bulletin over {} projects: p50 {:.1} ms, p99 {:.1} ms over {} runs (target ≤ 50 ms)",
        opts.projects.max(1),
        percentile(&bulletins, 0.50).as_secs_f64() * 1e3,
        percentile(&bulletins, 0.99).as_secs_f64() * 1e3,
        bulletins.len()
    );
    store.close().await;
    scratch.remove().await
}

/// Times `n` window applications of a four-item bundle over published catalogue items: the
/// bundle's items read and merged into one joint case (`joint().case_item`), then submitted.
async fn bundle_submissions(
    store: &Store,
    n: usize,
) -> anyhow::Result<(Vec<Duration>, onewindow_domain::ids::BundleId)> {
    let org = onewindow_store::testing::seed_org(store).await;
    let docs: Vec<_> = (0..4)
        .map(|i| {
            let dept = if i % 2 == 0 { org.dept } else { org.other_dept };
            onewindow_store::testing::item_doc(&format!("90000000{i}"), &format!("事项{i}"), dept)
        })
        .collect();
    store.catalog().import_items(docs, AccountId(1)).await?;
    let mut item_ids = Vec::new();
    for i in 0..4 {
        item_ids.push(
            store
                .catalog()
                .item_by_code(&format!("010200190000000{i}"))
                .await?
                .id,
        );
    }
    let bundle = store
        .joint()
        .create_bundle(
            &onewindow_domain::joint::BundleInput {
                name: "开办餐饮店".into(),
                description: String::new(),
                item_ids,
                field_map: vec![],
            },
            AccountId(1),
        )
        .await?;
    let clerk = Actor::staff(AccountId(1), StaffId(1), &[Role::Clerk], Some(org.dept));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 9, 24).expect("date");
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let t = std::time::Instant::now();
        let joint = store
            .joint()
            .case_item(bundle.id, "11010519491231002X")
            .await?;
        store
            .cases()
            .execute(onewindow_store::case::commands::CommandRequest {
                case_id: None,
                expected_version: None,
                command: submission(joint),
                actor: clerk.clone(),
                idempotency_key: None,
                today,
                at: onewindow_store::now_ms(),
            })
            .await?;
        latencies.push(t.elapsed());
    }
    Ok((latencies, bundle.id))
}

/// `n` projects whose first stage is one of the run's concluded cases (they are shared among
/// projects when there are fewer), then the month's bulletin timed 20 times.
async fn bulletin(
    store: &Store,
    bundle: onewindow_domain::ids::BundleId,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let concluded: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM cases WHERE stage = 'concluded' ORDER BY id")
            .fetch_all(store.pool())
            .await?;
    anyhow::ensure!(!concluded.is_empty(), "no concluded cases to link");
    let mut tx = store.pool().begin().await?;
    for i in 0..n {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO projects (code, name, investor, investor_code, location, investment,
                 industry, kind, region, created_on, created_at)
             VALUES ($1, $2, '临沂市沂蒙建设集团有限公司', '91371302MA3C7Q5K8E', '兰山区', $3,
                 '房地产业', '03', '371302', '2026-09-01', 0) RETURNING id",
        )
        .bind(format!("2026-371302-70-03-{:06}", i + 1))
        .bind(format!("项目{i}"))
        .bind(5_000_000 + i as i64)
        .fetch_one(&mut *tx)
        .await?;
        // The stage as the case projection leaves it once its case concluded.
        sqlx::query(
            "INSERT INTO project_stages (project_id, stage, name, bundle_id, case_id, started_on,
                 items, departments, concluded_on, days_used, on_time)
             SELECT $1, 1, '立项用地规划许可', $2, c.id, '2026-09-24', 4, '[7,11,12,13,14,15]',
                 c.concluded_on, COALESCE(c.days_used, 0),
                 CASE WHEN c.due IS NULL OR c.concluded_on <= c.due THEN 1 ELSE 0 END
             FROM cases c WHERE c.id = $3",
        )
        .bind(id)
        .bind(bundle)
        .bind(concluded[i % concluded.len()].0)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = std::time::Instant::now();
        let b = store.joint().bulletin("2026-09").await?;
        times.push(t.elapsed());
        anyhow::ensure!(
            b.projects as usize == n,
            "bulletin counted {} projects",
            b.projects
        );
    }
    Ok(times)
}

/// Every joint case ended concluded with all its branches signed, and no task is left open.
async fn check(store: &Store) -> anyhow::Result<()> {
    let (open,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_tasks WHERE slot > 0")
        .fetch_one(store.pool())
        .await?;
    let (unfinished,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM cases WHERE stage <> 'concluded'")
            .fetch_one(store.pool())
            .await?;
    anyhow::ensure!(
        open == 0 && unfinished == 0,
        "{open} branch tasks open, {unfinished} cases not concluded"
    );
    Ok(())
}
