//! The supervision sweeper on every backend, with injected dates across the 2026 Mid-Autumn and
//! National Day holidays: each threshold raises one alert, paused clocks stay quiet, the right
//! people are notified, and racing sweepers raise nothing twice.

use chrono::NaiveDate;
use onewindow_domain::case::*;
use onewindow_domain::exchange::{AcceptRecord, ProcessRecord, Report, ResultRecord};
use onewindow_domain::ids::{AccountId, CaseId, WindowId};
use onewindow_domain::org::{Power, Role};
use onewindow_domain::supervision::AlertLevel;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::on_every_backend;
use onewindow_store::org::*;
use onewindow_store::supervision::assessment::{Assessment, CardRuleChange, Period, Target};
use onewindow_store::supervision::reported::ReportOutcome;
use onewindow_store::supervision::{SupervisionSettings, SweepReport};
use onewindow_store::testing::{TestDb, backends, seed_org, seed_staff};
use onewindow_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct World {
    item: ItemRef,
    clerk: Actor,
    reviewer_account: AccountId,
    chief_account: AccountId,
    supervisor_account: AccountId,
    clerk_account: AccountId,
}

async fn world(store: &Store) -> World {
    let org = seed_org(store).await;
    let dept = org.dept;
    let centre = Some(org.centre);
    let clerk = seed_staff(store, "clerk", &["clerk"], centre, Some(dept)).await;
    let reviewer = seed_staff(store, "rev", &["reviewer"], centre, Some(dept)).await;
    let chief = seed_staff(
        store,
        "chief",
        &["chief_representative"],
        centre,
        Some(dept),
    )
    .await;
    let supervisor = seed_staff(store, "jiancha", &["supervisor"], centre, None).await;
    let step = |name: &str, role, limit_days| StepRef {
        name: name.into(),
        role,
        department_id: dept,
        limit_days,
    };
    World {
        item: ItemRef {
            item_id: ItemId(1),
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
        },
        clerk: Actor::staff(clerk.account_id, clerk.id, &[Role::Clerk], Some(dept))
            .with_powers(&[Power::SupplementVerification]),
        reviewer_account: reviewer.account_id,
        chief_account: chief.account_id,
        supervisor_account: supervisor.account_id,
        clerk_account: clerk.account_id,
    }
}

async fn run(
    store: &Store,
    w: &World,
    case: Option<CaseId>,
    day: &str,
    command: Command,
) -> Result<CaseId, StoreError> {
    store
        .cases()
        .execute(CommandRequest {
            case_id: case,
            expected_version: None,
            command,
            actor: w.clerk.clone(),
            idempotency_key: None,
            today: d(day),
            at: 1,
        })
        .await
        .map(|o| o.case_id)
}

/// A case submitted at the window on 24 September, not yet accepted.
async fn submit_case(store: &Store, w: &World, name: &str) -> CaseId {
    run(
        store,
        w,
        None,
        "2026-09-24",
        Command::Submit {
            channel: Channel::Window,
            item: Box::new(w.item.clone()),
            applicant: Applicant {
                kind: "individual".into(),
                name: name.into(),
                id_number: "11010519491231002X".into(),
                mobile: "13800000000".into(),
            },
            materials: vec![],
        },
    )
    .await
    .unwrap()
}

async fn open_case(store: &Store, w: &World, name: &str) -> CaseId {
    let id = submit_case(store, w, name).await;
    run(store, w, Some(id), "2026-09-24", Command::Accept)
        .await
        .unwrap();
    id
}

fn report(yellow: u64, red: u64) -> (u64, u64) {
    (yellow, red)
}

fn levels(r: &SweepReport) -> (u64, u64) {
    (r.yellow, r.red)
}

async fn sweeps_across_the_holidays(store: &Store) {
    let w = world(store).await;
    // Case A: accepted Thursday 24 September, due Friday 9 October (5 working days across the
    // Mid-Autumn Festival on the 25th and National Day). The clerk's step is done the same day,
    // so 审查 runs from the 24th with 2 working days: 28 and 29 September.
    let a = open_case(store, &w, "张伟").await;
    run(
        store,
        &w,
        Some(a),
        "2026-09-24",
        Command::CompleteStep {
            opinion: "材料齐全".into(),
        },
    )
    .await
    .unwrap();
    // Case B: waiting for a supplement from the day of acceptance — its clock is stopped.
    let b = open_case(store, &w, "李娜").await;
    run(
        store,
        &w,
        Some(b),
        "2026-09-24",
        Command::RequestSupplement {
            missing: vec![Missing {
                material: "健康证明".into(),
                reason: "已过期".into(),
            }],
            reason: String::new(),
        },
    )
    .await
    .unwrap();

    let sweep = |day: &'static str| async move {
        levels(&store.supervision().sweep(d(day)).await.unwrap())
    };
    assert_eq!(
        sweep("2026-09-25").await,
        report(0, 0),
        "a holiday, nothing due"
    );
    assert_eq!(
        sweep("2026-09-28").await,
        report(1, 0),
        "审查 has one day left"
    );
    assert_eq!(sweep("2026-09-28").await, report(0, 0), "raised once");
    assert_eq!(
        sweep("2026-09-29").await,
        report(0, 0),
        "the step's last day"
    );
    assert_eq!(
        sweep("2026-09-30").await,
        report(0, 1),
        "the step is overdue"
    );
    assert_eq!(sweep("2026-10-05").await, report(0, 0), "National Day");
    assert_eq!(
        sweep("2026-10-08").await,
        report(1, 0),
        "the case has one day left"
    );
    assert_eq!(sweep("2026-10-09").await, report(0, 0), "its last day");
    assert_eq!(
        sweep("2026-10-10").await,
        report(0, 1),
        "the make-up Saturday: overdue"
    );
    assert_eq!(sweep("2026-10-12").await, report(0, 0));
    let alerts = store.supervision().alerts(None, 100).await.unwrap();
    assert_eq!(alerts.len(), 4);

    // Both reds are findings under their rules, proved by their alerts; closing needs a
    // disposition, and a closed finding stays closed.
    let findings = store.supervision().findings(true, 100).await.unwrap();
    let mut codes: Vec<&str> = findings.iter().map(|f| f.rule_code.as_str()).collect();
    codes.sort();
    assert_eq!(codes, vec!["case_overdue", "step_overdue"]);
    assert!(findings.iter().all(|f| f.alert_id.is_some()));
    let f = findings[0].id;
    assert!(matches!(
        store
            .supervision()
            .close_finding(f, w.supervisor_account, " ")
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .supervision()
        .close_finding(f, w.supervisor_account, "已约谈经办人，纳入月度考核")
        .await
        .unwrap();
    assert!(matches!(
        store
            .supervision()
            .close_finding(f, w.supervisor_account, "再次")
            .await,
        Err(StoreError::Rejected(_))
    ));
    assert_eq!(
        store.supervision().findings(true, 100).await.unwrap().len(),
        1
    );

    // Red on the case limit issued one urging notice (the step's red did not), due back two
    // working days later: Monday 12 and Tuesday 13 October.
    let urgings = store.supervision().urgings(None, 10).await.unwrap();
    assert_eq!(urgings.len(), 1);
    let u = &urgings[0];
    assert_eq!(
        (u.case_id, u.reply_by.as_str(), u.issued_by),
        (a, "2026-10-13", None)
    );
    // Only the urged unit explains; a rejection needs a note; a rejected explanation is filed
    // again and then accepted.
    let supervisor = Actor::staff(w.supervisor_account, StaffId(99), &[Role::Supervisor], None);
    assert!(matches!(
        store
            .supervision()
            .explain_urging(u.id, &supervisor, "x")
            .await,
        Err(StoreError::Rejected(CaseError::NotAllowed(_)))
    ));
    assert!(matches!(
        store
            .supervision()
            .decide_urging(u.id, w.supervisor_account, true, "")
            .await,
        Err(StoreError::Rejected(CaseError::Rule(_)))
    ));
    store
        .supervision()
        .explain_urging(u.id, &w.clerk, "国庆假期后现场核查排期延误")
        .await
        .unwrap();
    assert!(matches!(
        store
            .supervision()
            .decide_urging(u.id, w.supervisor_account, false, " ")
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .supervision()
        .decide_urging(u.id, w.supervisor_account, false, "未说明整改措施")
        .await
        .unwrap();
    store
        .supervision()
        .explain_urging(
            u.id,
            &w.clerk,
            "核查排期延误；已调整为当日核查并于 10 月 12 日办结",
        )
        .await
        .unwrap();
    let done = store
        .supervision()
        .decide_urging(u.id, w.supervisor_account, true, "")
        .await
        .unwrap();
    assert_eq!(done.decision.as_deref(), Some("accepted"));
    // A supervisor may urge any case by hand.
    let manual = store
        .supervision()
        .issue_urging(
            b,
            w.supervisor_account,
            "申请人反映补正后无人联系",
            1,
            d("2026-10-12"),
        )
        .await
        .unwrap();
    assert_eq!(
        (manual.reply_by.as_str(), manual.issued_by),
        ("2026-10-13", Some(w.supervisor_account))
    );
    assert!(matches!(
        store
            .supervision()
            .issue_urging(b, AccountId(1), " ", 0, d("2026-10-12"))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        alerts.iter().all(|x| x.case_id == a),
        "the paused case never warns"
    );

    // The reviewer (whose step it is), the chief representative and the supervisor are told;
    // the clerk, whose work is done, is not.
    let count = |account| async move {
        store
            .supervision()
            .notifications(account, 100)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(count(w.reviewer_account).await, 4);
    assert_eq!(count(w.chief_account).await, 4);
    assert_eq!(count(w.supervisor_account).await, 4);
    assert_eq!(count(w.clerk_account).await, 0);
    let n = store
        .supervision()
        .notifications(w.supervisor_account, 1)
        .await
        .unwrap();
    assert_eq!(n[0].title, "办件超期");
    assert!(n[0].body.contains("已超过期限 2026-10-09"), "{}", n[0].body);

    // Once the supplement arrives the clock runs again: the 7 working days it stood still
    // extend both the case (due 19 October) and its 受理 step (due 13 October).
    run(
        store,
        &w,
        Some(b),
        "2026-10-12",
        Command::SupplementReceived,
    )
    .await
    .unwrap();
    assert_eq!(
        sweep("2026-10-12").await,
        report(1, 0),
        "the step's last day but one"
    );
    assert_eq!(
        sweep("2026-10-14").await,
        report(0, 1),
        "the step is overdue"
    );
}

#[tokio::test]
async fn supervision_sweeps_across_the_holidays() {
    on_every_backend!(sweeps_across_the_holidays);
}

/// The supervisor was told once, by the sweep that raised them, of all `alerts` (red ones).
async fn supervisor_told(store: &Store, w: &World, alerts: usize) {
    let told = store
        .supervision()
        .notifications(w.supervisor_account, 1000)
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "one message per sweep and person: {told:?}");
    assert_eq!(told[0].title, "办件超期");
    assert!(
        told[0].body.starts_with(&format!("{alerts} 件超期：")) && told[0].body.ends_with(" 等"),
        "{}",
        told[0].body
    );
    assert_eq!(told[0].case_id, None, "several cases: no one case to open");
}

/// A sweep reads the timers due or warning since the day the sweeps reached, and those written
/// since the last sweep: a case put on the books after the day's sweep, with its warning day
/// already past, is found by the next sweep that day; nothing is raised twice.
async fn sweeps_look_at_what_changed(store: &Store) {
    let w = world(store).await;
    let case_alerts = |level: &'static str| async move {
        let mut ids: Vec<CaseId> = store
            .supervision()
            .alerts(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|x| x.timer_kind == "case" && x.level.key() == level)
            .map(|x| x.case_id)
            .collect();
        ids.sort();
        ids
    };
    let a = open_case(store, &w, "张伟").await;
    store.supervision().sweep(d("2026-10-08")).await.unwrap();
    assert_eq!(case_alerts("yellow").await, vec![a]);
    let b = open_case(store, &w, "李娜").await;
    assert!(
        store
            .supervision()
            .sweep(d("2026-10-08"))
            .await
            .unwrap()
            .yellow
            >= 1
    );
    assert_eq!(case_alerts("yellow").await, vec![a, b]);
    assert_eq!(
        levels(&store.supervision().sweep(d("2026-10-08")).await.unwrap()),
        (0, 0)
    );
    store.supervision().sweep(d("2026-10-12")).await.unwrap();
    assert_eq!(case_alerts("red").await, vec![a, b]);
    assert_eq!(
        levels(&store.supervision().sweep(d("2026-10-12")).await.unwrap()),
        (0, 0)
    );
}

#[tokio::test]
async fn supervision_sweeps_look_at_what_changed() {
    on_every_backend!(sweeps_look_at_what_changed);
}

async fn racing_sweepers(store: &Store) {
    let w = world(store).await;
    for n in 0..20 {
        open_case(store, &w, &format!("申请人{n}")).await;
    }
    // Two sweepers (as two server instances would) at once, twice over.
    let (x, y) = tokio::join!(
        store.supervision().sweep(d("2026-10-10")),
        store.supervision().sweep(d("2026-10-10"))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(
        x.red + y.red,
        40,
        "each case's limit and first step, once: {x:?} {y:?}"
    );
    let again = store.supervision().sweep(d("2026-10-10")).await.unwrap();
    assert_eq!(levels(&again), (0, 0));
    supervisor_told(store, &w, 40).await;
    assert_eq!(
        urged_on(store, &w, "2026-10-10").await,
        20,
        "each notice counted once"
    );
}

/// The urging notices the indicators count for the world's department on one day.
async fn urged_on(store: &Store, w: &World, day: &str) -> i64 {
    let figures = store.supervision().indicators(day, day).await.unwrap();
    figures
        .iter()
        .find(|f| f.department_id == w.item.department_id)
        .unwrap()
        .urged
}

#[tokio::test]
async fn supervision_racing_sweepers_raise_once() {
    on_every_backend!(racing_sweepers);
}

/// A server that dies in the middle of a sweep loses nothing and repeats nothing: the sweep is
/// one transaction, so the next one raises every threshold the dead one had reached, once. On
/// PostgreSQL the sweep is really killed: it is held by a lock on notifications, after its
/// alerts are written and before its urging notices, findings and messages (one statement),
/// and its connection is terminated there.
async fn crash_mid_sweep(store: &Store) {
    let w = world(store).await;
    for n in 0..20 {
        open_case(store, &w, &format!("申请人{n}")).await;
    }
    let mut locker = store.pool().begin().await.unwrap();
    sqlx::query("LOCK TABLE notifications IN EXCLUSIVE MODE")
        .execute(&mut *locker)
        .await
        .unwrap();
    let sweeping = tokio::spawn({
        let store = store.clone();
        async move { store.supervision().sweep(d("2026-10-10")).await }
    });
    // Wait until the sweep, having written (it holds a transaction id), is blocked at its
    // notifications; then kill its session. Asked outside the locker's transaction, which
    // would keep seeing the server's activity as it first read it; pg_locks alone is enough.
    let mut killed = 0;
    for _ in 0..200 {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(pg_terminate_backend(l.pid)) FROM pg_locks l
             WHERE NOT l.granted AND l.relation = 'notifications'::regclass
               AND EXISTS (SELECT 1 FROM pg_locks x WHERE x.pid = l.pid
                   AND x.locktype = 'transactionid' AND x.granted)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        if n > 0 {
            killed = n;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(killed, 1, "the sweep was caught mid-way");
    assert!(sweeping.await.unwrap().is_err(), "the killed sweep fails");
    locker.rollback().await.unwrap();
    let count = |table: &'static str| async move {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(store.pool())
                .await
                .unwrap();
        n
    };
    assert_eq!(
        count("supervision_alerts").await,
        0,
        "nothing of it was kept"
    );
    assert_eq!(count("urgings").await, 0);

    // The next sweep (a restarted server's) raises all of it, once.
    let report = store.supervision().sweep(d("2026-10-10")).await.unwrap();
    assert_eq!((report.red, report.urged), (40, 20));
    assert_eq!(
        levels(&store.supervision().sweep(d("2026-10-10")).await.unwrap()),
        (0, 0)
    );
    assert_eq!(count("supervision_alerts").await, 40);
    assert_eq!(count("urgings").await, 20);
    supervisor_told(store, &w, 40).await;
}

#[tokio::test]
async fn supervision_crash_mid_sweep_loses_and_repeats_nothing() {
    for backend in backends() {
        if backend != onewindow_store::Backend::Postgres {
            // SQLite's atomic commit gives the same guarantee, but a sweep cannot be held
            // mid-way there: its first write waits for the lock instead.
            continue;
        }
        let db = TestDb::create(backend).await;
        let store = db.store().await;
        crash_mid_sweep(&store).await;
        store.close().await;
        db.cleanup().await;
    }
}

async fn event_findings(store: &Store) {
    let mut w = world(store).await;
    w.item.fee_standard_fen = 1000;
    let notice = |reason: &str| Command::RequestSupplement {
        missing: vec![Missing {
            material: "健康证明".into(),
            reason: "已过期".into(),
        }],
        reason: reason.into(),
    };
    let a = open_case(store, &w, "张伟").await;
    run(store, &w, Some(a), "2026-09-24", notice(""))
        .await
        .unwrap();
    assert!(
        store
            .supervision()
            .findings(false, 10)
            .await
            .unwrap()
            .is_empty(),
        "a first notice is fine"
    );
    run(
        store,
        &w,
        Some(a),
        "2026-09-28",
        Command::SupplementReceived,
    )
    .await
    .unwrap();
    run(
        store,
        &w,
        Some(a),
        "2026-09-28",
        notice("申请人补交的证明仍已过期"),
    )
    .await
    .unwrap();
    let found = store.supervision().findings(false, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].rule_code.as_str(), found[0].event_seq),
        ("second_supplement", Some(5)),
        "proved by the fifth event"
    );
    // Switched off, the rule raises nothing more.
    store
        .supervision()
        .set_finding_rule("second_supplement", false)
        .await
        .unwrap();
    run(
        store,
        &w,
        Some(a),
        "2026-09-29",
        Command::SupplementReceived,
    )
    .await
    .unwrap();
    run(store, &w, Some(a), "2026-09-29", notice("第三次"))
        .await
        .unwrap();
    assert_eq!(
        store.supervision().findings(false, 10).await.unwrap().len(),
        1
    );
    assert!(matches!(
        store
            .supervision()
            .set_finding_rule("no_such_rule", true)
            .await,
        Err(StoreError::NotFound(_))
    ));

    // A fee at the standard is fine; above it (with the required reason) is a finding.
    let b = open_case(store, &w, "李娜").await;
    run(
        store,
        &w,
        Some(b),
        "2026-09-24",
        Command::CollectFee {
            amount_fen: 1000,
            override_reason: None,
        },
    )
    .await
    .unwrap();
    let c = open_case(store, &w, "王芳").await;
    run(
        store,
        &w,
        Some(c),
        "2026-09-24",
        Command::CollectFee {
            amount_fen: 1500,
            override_reason: Some("加急制证费".into()),
        },
    )
    .await
    .unwrap();
    let found = store.supervision().findings(false, 10).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].rule_code.as_str(), found[0].case_id),
        ("fee_override", Some(c))
    );
    assert!(found[0].detail.contains("实收 15.00 元，标准 10.00 元"));
}

#[tokio::test]
async fn supervision_findings_on_the_event_stream() {
    on_every_backend!(event_findings);
}

/// A clerk who may also review and approve (to take a case through quickly).
fn all_roles(w: &World) -> Actor {
    Actor {
        roles: vec![Role::Clerk, Role::Reviewer, Role::Approver],
        ..w.clerk.clone()
    }
}

async fn conclude_quickly(store: &Store, w: &World, id: CaseId, day: &str) {
    let commands = [
        Command::CompleteStep {
            opinion: "材料齐全".into(),
        },
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
        Command::Decide {
            decision: Decision {
                approved: true,
                reasons: "符合法定条件".into(),
                legal_basis: "《中华人民共和国行政许可法》第三十八条".into(),
            },
        },
        Command::Conclude,
    ];
    for command in commands {
        store
            .cases()
            .execute(CommandRequest {
                case_id: Some(id),
                expected_version: None,
                command,
                actor: all_roles(w),
                idempotency_key: None,
                today: d(day),
                at: 1,
            })
            .await
            .unwrap();
    }
}

fn settings(warn_percent: i64, warn_min_days: i64, red_flag_score: i64) -> SupervisionSettings {
    SupervisionSettings {
        warn_percent,
        warn_min_days,
        red_flag_score,
    }
}

fn field_of(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(f) => f.0.into_iter().map(|(k, _)| k).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn thresholds_cards_and_assessment(store: &Store) {
    let w = world(store).await;
    let by = w.supervisor_account;
    let department = w.item.department_id;

    // Thresholds that make no sense are refused, and nothing changes.
    for (bad, field) in [
        (settings(-5, 1, 95), "warn_percent"),
        (settings(100, 1, 95), "warn_percent"),
        (settings(20, -1, 95), "warn_min_days"),
        (settings(0, 0, 95), "min_days"),
        (settings(20, 1, 30), "red_flag_score"),
    ] {
        let fields = field_of(store.supervision().set_settings(bad, by).await.unwrap_err());
        assert!(
            fields.iter().any(|f| f.contains(field)),
            "{bad:?}: {fields:?}"
        );
    }
    assert_eq!(
        store.supervision().settings().await.unwrap(),
        settings(20, 1, 95)
    );

    // The clerk sits at window 1: the cases they accept count for it.
    let centre = store.org().list_centres().await.unwrap()[0].id;
    let window = store
        .org()
        .create_window(&WindowInput {
            centre_id: centre,
            number: "1".into(),
            name: "市场监管综合窗口".into(),
            department_id: Some(department),
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap();
    let clerk_staff = w.clerk.staff_id.unwrap();
    store
        .supervision()
        .seat_staff(clerk_staff, Some(window.id), by)
        .await
        .unwrap();
    assert!(matches!(
        store
            .supervision()
            .seat_staff(clerk_staff, Some(WindowId(9999)), by)
            .await,
        Err(StoreError::Invalid(_))
    ));
    // A case accepted on Thursday 24 September is due Friday 9 October. With the default
    // threshold it turns yellow on 8 October; with 60% (three of its five days) on 29 September,
    // and the running timer moves at once.
    let a = open_case(store, &w, "张伟").await;
    let b = open_case(store, &w, "李娜").await;
    let moved = store
        .supervision()
        .set_settings(settings(60, 1, 90), by)
        .await
        .unwrap();
    assert!(moved >= 2, "both cases' limits moved: {moved}");
    store.supervision().sweep(d("2026-09-29")).await.unwrap();
    let case_yellow = |alerts: &[onewindow_store::supervision::Alert]| {
        alerts
            .iter()
            .filter(|x| x.timer_kind == "case" && x.level == AlertLevel::Yellow)
            .count()
    };
    assert_eq!(
        case_yellow(&store.supervision().alerts(None, 100).await.unwrap()),
        2
    );
    // A case accepted after the change gets the new threshold too.
    let c = open_case(store, &w, "王芳").await;
    store
        .supervision()
        .set_settings(settings(20, 1, 90), by)
        .await
        .unwrap();
    store.supervision().sweep(d("2026-09-30")).await.unwrap();
    assert_eq!(
        case_yellow(&store.supervision().alerts(None, 100).await.unwrap()),
        2,
        "back at the default, the third case is not yellow yet"
    );

    // Case C is concluded promptly: it counts as accurate, two working days used against five
    // promised.
    conclude_quickly(store, &w, c, "2026-09-29").await;
    let sept = store
        .supervision()
        .indicators("2026-09-01", "2026-09-30")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.department_id == department)
        .unwrap();
    assert_eq!(sept.concluded, 1);
    assert_eq!(sept.accuracy_rate, Some(100.0));
    assert_eq!(sept.avg_days_used, Some(2.0));
    assert_eq!(sept.avg_days_promised, Some(5.0));
    let september = Period::parse("2026-09").unwrap();
    let by_window = store
        .supervision()
        .unit_indicators(Target::Window, &september)
        .await
        .unwrap();
    let win = by_window
        .iter()
        .find(|u| u.unit_id == window.id.get())
        .unwrap();
    assert_eq!((win.received, win.accepted, win.concluded), (3, 3, 1));
    assert_eq!(win.accuracy_rate, Some(100.0));
    // Moved to another window (轮岗), the clerk leaves their earlier cases with window 1.
    let window2 = store
        .org()
        .create_window(&WindowInput {
            centre_id: centre,
            number: "2".into(),
            name: "市场监管二号窗口".into(),
            department_id: Some(department),
            zone_id: None,
            is_open: true,
        })
        .await
        .unwrap();
    store
        .supervision()
        .seat_staff(clerk_staff, Some(window2.id), by)
        .await
        .unwrap();
    let by_window = store
        .supervision()
        .unit_indicators(Target::Window, &september)
        .await
        .unwrap();
    let accepted = |id: i64| {
        by_window
            .iter()
            .find(|u| u.unit_id == id)
            .map(|u| u.accepted)
    };
    assert_eq!(
        (accepted(window.id.get()), accepted(window2.id.get())),
        (Some(3), Some(0))
    );
    store
        .supervision()
        .seat_staff(clerk_staff, Some(window.id), by)
        .await
        .unwrap();

    // A and B go overdue in October: cards for the department, the window and the clerk, each
    // rule once a month.
    store.supervision().sweep(d("2026-10-12")).await.unwrap();
    let issued = store
        .supervision()
        .issue_cards(d("2026-10-12"))
        .await
        .unwrap();
    assert_eq!(
        issued,
        6,
        "{:?}",
        store.supervision().cards(None, 50).await.unwrap()
    );
    assert_eq!(
        store
            .supervision()
            .issue_cards(d("2026-10-13"))
            .await
            .unwrap(),
        0
    );
    let cards = store
        .supervision()
        .cards(Some("2026-10"), 50)
        .await
        .unwrap();
    let card = |rule: &str| cards.iter().find(|c| c.rule_code == rule).unwrap().clone();
    assert_eq!(card("department_red").count, 2);
    assert_eq!(card("window_red").target_id, window.id.get());
    assert_eq!(card("staff_red").target_id, clerk_staff.get());
    assert!(
        store
            .supervision()
            .notifications(w.clerk_account, 100)
            .await
            .unwrap()
            .iter()
            .any(|n| n.title == "红牌警示")
    );

    // Appeals: only the unit answers; once; a decision needs a note.
    let staff_red = card("staff_red");
    let supervisor = Actor::staff(
        w.supervisor_account,
        StaffId(9999),
        &[Role::Supervisor],
        None,
    );
    assert!(matches!(
        store
            .supervision()
            .appeal_card(staff_red.id, &supervisor, "不服")
            .await,
        Err(StoreError::Rejected(CaseError::NotAllowed(_)))
    ));
    assert!(matches!(
        store
            .supervision()
            .appeal_card(staff_red.id, &w.clerk, "  ")
            .await,
        Err(StoreError::Invalid(_))
    ));
    let appealed = store
        .supervision()
        .appeal_card(staff_red.id, &w.clerk, "国庆假期系统停机，已补正")
        .await
        .unwrap();
    assert_eq!(
        appealed.status,
        onewindow_domain::supervision::CardStatus::Appealed
    );
    assert!(matches!(
        store
            .supervision()
            .appeal_card(staff_red.id, &w.clerk, "再申诉")
            .await,
        Err(StoreError::Rejected(CaseError::Rule(_)))
    ));
    assert!(matches!(
        store
            .supervision()
            .decide_card_appeal(staff_red.id, by, true, "")
            .await,
        Err(StoreError::Invalid(_))
    ));

    // The assessment: 100 less the scheme's deductions; revoking the red card gives its points
    // back.
    let october = Period::parse("2026-10").unwrap();
    let score_of =
        |rows: Vec<Assessment>, id: i64| rows.into_iter().find(|a| a.target_id == id).unwrap();
    let before = score_of(
        store
            .supervision()
            .assessment(Target::Staff, &october)
            .await
            .unwrap(),
        clerk_staff.get(),
    );
    assert_eq!(
        before.score,
        (100 - before.deductions.iter().map(|l| l.points).sum::<i64>()).max(0)
    );
    assert_eq!(
        before.stars,
        onewindow_store::supervision::assessment::stars(before.score)
    );
    store
        .supervision()
        .decide_card_appeal(staff_red.id, by, true, "情况属实，撤销")
        .await
        .unwrap();
    let after = score_of(
        store
            .supervision()
            .assessment(Target::Staff, &october)
            .await
            .unwrap(),
        clerk_staff.get(),
    );
    assert_eq!(after.score, (before.score + 10).min(100));
    let windows = store
        .supervision()
        .assessment(Target::Window, &october)
        .await
        .unwrap();
    assert!(
        !score_of(windows, window.id.get()).red_flag,
        "a carded window is no red-flag window"
    );

    // Card rules change only from the start of a later month.
    let change = |from: &str| CardRuleChange {
        enabled: false,
        threshold: 2,
        from: from.into(),
    };
    assert_eq!(
        field_of(
            store
                .supervision()
                .change_card_rule("department_red", &change("2026-10-20"), d("2026-10-12"))
                .await
                .unwrap_err()
        ),
        vec!["from"]
    );
    assert!(matches!(
        store
            .supervision()
            .change_card_rule("department_red", &change("2026-11-01"), d("2026-10-12"))
            .await
            .unwrap()
            .pending_from
            .as_deref(),
        Some("2026-11-01")
    ));
    store
        .supervision()
        .issue_cards(d("2026-10-31"))
        .await
        .unwrap();
    let rule = |rules: Vec<onewindow_store::supervision::assessment::CardRule>| {
        rules
            .into_iter()
            .find(|r| r.code == "department_red")
            .unwrap()
    };
    assert!(
        rule(store.supervision().card_rules().await.unwrap())
            .enabled
            .get(),
        "still October"
    );
    store
        .supervision()
        .issue_cards(d("2026-11-02"))
        .await
        .unwrap();
    assert!(
        !rule(store.supervision().card_rules().await.unwrap())
            .enabled
            .get()
    );
    let _ = (a, b);
}

#[tokio::test]
async fn supervision_thresholds_cards_and_assessment() {
    on_every_backend!(thresholds_cards_and_assessment);
}

async fn unanswered_urgings(store: &Store) {
    let w = world(store).await;
    let silent = open_case(store, &w, "张伟").await;
    let answered = open_case(store, &w, "李娜").await;
    for case in [silent, answered] {
        store
            .supervision()
            .issue_urging(case, w.supervisor_account, "请加快办理", 1, d("2026-09-28"))
            .await
            .unwrap();
    }
    let urgings = store.supervision().urgings(None, 10).await.unwrap();
    let of = |case: CaseId| urgings.iter().find(|u| u.case_id == case).unwrap().id;
    assert_eq!(urged_on(store, &w, "2026-09-28").await, 2);
    assert_eq!(urged_on(store, &w, "2026-09-29").await, 0);
    store
        .supervision()
        .explain_urging(of(answered), &w.clerk, "申请人补充材料，已加快办理")
        .await
        .unwrap();
    let unanswered = |findings: Vec<onewindow_store::supervision::Finding>| {
        findings
            .into_iter()
            .filter(|f| f.rule_code == "urging_unanswered")
            .map(|f| f.case_id)
            .collect::<Vec<_>>()
    };
    // The reply is due on 29 September: nothing on that day, the silent one the day after, once.
    store.supervision().sweep(d("2026-09-29")).await.unwrap();
    assert!(unanswered(store.supervision().findings(false, 100).await.unwrap()).is_empty());
    store.supervision().sweep(d("2026-09-30")).await.unwrap();
    store.supervision().sweep(d("2026-09-30")).await.unwrap();
    assert_eq!(
        unanswered(store.supervision().findings(false, 100).await.unwrap()),
        vec![Some(silent)]
    );
}

#[tokio::test]
async fn supervision_unanswered_urgings_are_findings() {
    on_every_backend!(unanswered_urgings);
}

/// 容缺 materials and 告知承诺 verification past their dates are findings; supplied or verified
/// in time, they are not.
async fn deficiency_and_pledge_findings(store: &Store) {
    let mut w = world(store).await;
    w.item.materials = vec![MaterialRef {
        name: "健康证明".into(),
        required: false,
        deficiency_allowed: true,
    }];
    let all = all_roles(&w);
    let as_all = |case: CaseId, day: &'static str, command: Command| {
        let actor = all.clone();
        async move {
            store
                .cases()
                .execute(CommandRequest {
                    case_id: Some(case),
                    expected_version: None,
                    command,
                    actor,
                    idempotency_key: None,
                    today: d(day),
                    at: 1,
                })
                .await
                .unwrap();
        }
    };
    // Two cases accepted with 健康证明 to follow by Monday 12 October; one brings it on the 9th.
    let mut deficient = vec![];
    for name in ["张伟", "李娜"] {
        let id = submit_case(store, &w, name).await;
        run(
            store,
            &w,
            Some(id),
            "2026-09-24",
            Command::AcceptWithDeficiencies {
                pending: vec!["健康证明".into()],
                supply_by: d("2026-10-12"),
                commitment: "本人承诺于 10 月 12 日前补交健康证明".into(),
            },
        )
        .await
        .unwrap();
        deficient.push(id);
    }
    let [silent, supplied] = deficient[..] else {
        unreachable!()
    };
    as_all(
        supplied,
        "2026-10-09",
        Command::SupplyDeficiency {
            material: "健康证明".into(),
        },
    )
    .await;

    // Two cases approved on pledge, to be verified by 12 October, and concluded; one is
    // verified on the 9th.
    let mut pledged = vec![];
    for name in ["王芳", "陈静"] {
        let id = open_case(store, &w, name).await;
        for command in [
            Command::CompleteStep {
                opinion: "材料齐全".into(),
            },
            Command::CompleteStep {
                opinion: "符合条件".into(),
            },
            Command::ApproveOnPledge {
                pledge: "申请人承诺经营场所符合食品安全要求".into(),
                verify_by: d("2026-10-12"),
            },
            Command::Conclude,
        ] {
            as_all(id, "2026-09-24", command).await;
        }
        pledged.push(id);
    }
    let [unverified, verified] = pledged[..] else {
        unreachable!()
    };
    as_all(
        verified,
        "2026-10-09",
        Command::VerifyPledge {
            truthful: true,
            notes: "现场核查，经营场所与承诺一致".into(),
        },
    )
    .await;
    let due = store
        .cases()
        .pledges_to_verify(w.item.department_id, 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|p| (p.case_id, p.verify_by.as_str()))
            .collect::<Vec<_>>(),
        [(unverified, "2026-10-12")],
        "the department's inbox lists the pledge still to verify"
    );

    let found = |code: &'static str| async move {
        let mut cases: Vec<CaseId> = store
            .supervision()
            .findings(false, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|f| f.rule_code == code)
            .filter_map(|f| f.case_id)
            .collect();
        cases.sort();
        cases
    };
    // On the deadline day itself nothing is missed yet; the day after, the two left alone are.
    store.supervision().sweep(d("2026-10-12")).await.unwrap();
    assert!(found("deficiency_not_supplied").await.is_empty());
    assert!(found("pledge_not_verified").await.is_empty());
    store.supervision().sweep(d("2026-10-13")).await.unwrap();
    store.supervision().sweep(d("2026-10-13")).await.unwrap();
    assert_eq!(found("deficiency_not_supplied").await, [silent]);
    assert_eq!(found("pledge_not_verified").await, [unverified]);

    // Verified late, the pledge leaves the list; the finding of its lateness stays.
    as_all(
        unverified,
        "2026-10-14",
        Command::VerifyPledge {
            truthful: false,
            notes: "经营场所与承诺不符，已责令限期整改并纳入信用记录".into(),
        },
    )
    .await;
    assert!(
        store
            .cases()
            .pledges_to_verify(w.item.department_id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(found("pledge_not_verified").await, [unverified]);
}

#[tokio::test]
async fn supervision_deficiency_and_pledge_deadlines_are_findings() {
    on_every_backend!(deficiency_and_pledge_findings);
}

fn accept(no: &str, guid: &str, task_code: &str, apply_type: &str, at: &str) -> AcceptRecord {
    AcceptRecord {
        row_guid: guid.into(),
        project_no: no.into(),
        task_code: task_code.into(),
        task_name: "个体工商户设立登记".into(),
        project_type: "2".into(),
        applyer_name: "张伟".into(),
        applyer_type: "1".into(),
        applyer_page_code: "11010519491231002X".into(),
        apply_date: "2026-11-02 08:30:00".into(),
        apply_type: apply_type.into(),
        handle_user_name: "李娜".into(),
        accept_date: at.into(),
        promise_date: None,
    }
}

fn result(no: &str, guid: &str, kind: &str, at: &str, explain: &str) -> ResultRecord {
    ResultRecord {
        row_guid: guid.into(),
        project_no: no.into(),
        result_date: at.into(),
        result_type: kind.into(),
        result_explain: explain.into(),
        is_delivery_results: "0".into(),
        ..Default::default()
    }
}

fn raised(o: &ReportOutcome) -> Vec<(&str, &str)> {
    o.findings
        .iter()
        .map(|f| (f.rule_code.as_str(), f.project_no.as_str()))
        .collect()
}

async fn reported_and_online_only(store: &Store) {
    let mut w = world(store).await;
    let dept = w.item.department_id;
    let by = w.clerk_account;
    let today = d("2026-11-04");
    let send = |r: Report| store.supervision().report_cases(dept, by, r, today);

    // An item that must be handled online, taken at the window, is a finding proved by the
    // submission; applied for online, or an item with a window, is not.
    let window_only = open_case(store, &w, "王芳").await;
    w.item.online_only = true;
    let online = run(
        store,
        &w,
        None,
        "2026-09-24",
        Command::Submit {
            channel: Channel::Online,
            item: Box::new(w.item.clone()),
            applicant: Applicant {
                kind: "individual".into(),
                name: "赵敏".into(),
                id_number: "11010519491231002X".into(),
                mobile: "13800000000".into(),
            },
            materials: vec![],
        },
    )
    .await
    .unwrap();
    assert!(
        store
            .supervision()
            .findings(false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let at_window = open_case(store, &w, "陈静").await;
    let found = store.supervision().findings(false, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].rule_code.as_str(),
            found[0].case_id,
            found[0].event_seq
        ),
        ("online_only_at_window", Some(at_window), Some(1))
    );
    assert!(window_only != online);

    // A department's own system reports. A case accepted and then concluded: nothing.
    let ok = Report {
        accept: vec![accept("BJ001", "a-1", "X1", "2", "2026-11-02 09:00:00")],
        process: vec![ProcessRecord {
            row_guid: "p-1".into(),
            project_no: "BJ001".into(),
            process_name: "审查".into(),
            event_name: "1".into(),
            event_start_time: "2026-11-02 09:00:00".into(),
            event_end_time: "2026-11-03 10:00:00".into(),
            handle_user_name: "李娜".into(),
            handle_explain: "同意".into(),
        }],
        result: vec![result(
            "BJ001",
            "r-1",
            "1",
            "2026-11-03 16:00:00",
            "准予登记",
        )],
    };
    let o = send(ok.clone()).await.unwrap();
    assert_eq!((o.stored, o.duplicates, o.findings.len()), (3, 0, 0));
    // Sent again: stored once, nothing raised twice.
    let o = send(ok).await.unwrap();
    assert_eq!((o.stored, o.duplicates, o.findings.len()), (0, 3, 0));

    // 体外循环: a result with no acceptance; a result dated before its acceptance (in one
    // report, and across two); a refusal without reasons (and one with them, which is fine).
    let o = send(Report {
        accept: vec![accept("BJ003", "a-3", "X1", "2", "2026-11-03 10:00:00")],
        result: vec![
            result("BJ002", "r-2", "1", "2026-11-03 16:00:00", ""),
            result("BJ003", "r-3", "1", "2026-11-02 15:00:00", ""),
            result("BJ004", "r-4", "1", "2026-11-01 15:00:00", ""),
            result("BJ005", "r-5", "3", "2026-11-02 15:00:00", " "),
            result(
                "BJ006",
                "r-6",
                "3",
                "2026-11-02 15:00:00",
                "经营场所不符合要求",
            ),
        ],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        raised(&o),
        [
            ("result_without_case", "BJ002"),
            ("decision_before_acceptance", "BJ003"),
            ("result_without_case", "BJ004"),
            ("refused_without_reasons", "BJ005"),
        ]
    );
    let late = Report {
        accept: vec![accept("BJ004", "a-4", "X1", "2", "2026-11-02 09:00:00")],
        ..Default::default()
    };
    let o = send(late).await.unwrap();
    assert_eq!(raised(&o), [("decision_before_acceptance", "BJ004")]);

    // A result for a case accepted on the platform (外网受理、内网办理) is not without a case.
    let case_no = store
        .cases()
        .case_view(at_window)
        .await
        .unwrap()
        .row
        .case_no
        .unwrap();
    let o = send(Report {
        result: vec![result(&case_no, "r-7", "1", "2026-09-25 10:00:00", "")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(o.findings.is_empty(), "{:?}", o.findings);

    // An online-only catalogue item reported as applied for at a window.
    let mut doc = onewindow_store::testing::item_doc("09", "网上申领", dept);
    doc.handling_forms = vec!["2".into(), "3".into()];
    doc.online_depth = "4".into();
    doc.max_visits = 0;
    let item = store.catalog().create_item(doc, by).await.unwrap();
    store.catalog().publish(item.id, by).await.unwrap();
    let code = item.implementation_code.clone();
    let o = send(Report {
        accept: vec![
            accept("BJ008", "a-8", &code, "2", "2026-11-03 09:00:00"),
            accept("BJ009", "a-9", &code, "1", "2026-11-03 09:00:00"),
            accept("BJ010", "a-10", "X1", "1", "2026-11-03 09:00:00"),
        ],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(raised(&o), [("online_only_at_window", "BJ009")]);

    // Switched off, a rule raises nothing.
    store
        .supervision()
        .set_finding_rule("result_without_case", false)
        .await
        .unwrap();
    let o = send(Report {
        result: vec![result("BJ011", "r-11", "1", "2026-11-03 16:00:00", "")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(o.findings.is_empty());

    // Bad records: every problem named, nothing stored.
    let mut bad = accept("BJ012", "a-12", "X1", "2", "2026-11-03 09:00:00");
    bad.applyer_page_code = "110105194912310021".into();
    let before = store
        .supervision()
        .reported_cases(Some(dept), 100)
        .await
        .unwrap()
        .len();
    let e = send(Report {
        accept: vec![bad],
        result: vec![result("BJ013", "r-13", "7", "2026-11-03", "")],
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(
        field_of(e),
        [
            "accept[0].applyer_page_code",
            "result[0].result_date",
            "result[0].result_type"
        ]
    );
    let cases = store
        .supervision()
        .reported_cases(Some(dept), 100)
        .await
        .unwrap();
    assert_eq!(cases.len(), before);

    // Findings link to the reported case and its record; they count for the department.
    let all = store.supervision().findings(false, 100).await.unwrap();
    let f = all
        .iter()
        .find(|f| f.rule_code == "refused_without_reasons")
        .unwrap();
    assert_eq!((f.case_id, f.case_no.as_deref()), (None, Some("BJ005")));
    let (case, records) = store
        .supervision()
        .reported_case(f.report_id.unwrap())
        .await
        .unwrap();
    assert_eq!((case.project_no.as_str(), case.findings), ("BJ005", 1));
    assert_eq!(records[0].id, f.record_id.unwrap());
    let (bj4, records) = store
        .supervision()
        .reported_case(cases.iter().find(|c| c.project_no == "BJ004").unwrap().id)
        .await
        .unwrap();
    assert_eq!(
        (bj4.findings, records.len(), bj4.accepted_at.as_deref()),
        (2, 2, Some("2026-11-02 09:00:00"))
    );
    let period = Period::parse("2026-11").unwrap();
    let a = store
        .supervision()
        .assessment(Target::Department, &period)
        .await
        .unwrap();
    let ours = a.iter().find(|x| x.target_id == dept.get()).unwrap();
    let majors = ours
        .deductions
        .iter()
        .find(|l| l.code == "major_findings")
        .map(|l| l.count);
    assert_eq!(majors, Some(5), "{ours:?}");
    store
        .supervision()
        .close_finding(f.id, w.supervisor_account, "已约谈部门，补录不予受理理由")
        .await
        .unwrap();
}

#[tokio::test]
async fn supervision_reported_cases_and_online_only() {
    on_every_backend!(reported_and_online_only);
}
