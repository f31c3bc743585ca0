//! The supervision sweeper on every backend, with injected dates across the 2026 Mid-Autumn and
//! National Day holidays: each threshold raises one alert, paused clocks stay quiet, the right
//! people are notified, and racing sweepers raise nothing twice.

use onewindow_domain::case::*;
use onewindow_domain::ids::{AccountId, CaseId};
use onewindow_domain::org::Role;
use onewindow_store::on_every_backend;
use onewindow_store::testing::{TestDb, backends};
use onewindow_store::{Store, StoreError};

mod supervision_support;
use supervision_support::*;

async fn sweeps_across_the_holidays(store: &Store) {
    let w = world(store).await;
    // Case A: accepted Thursday 24 September, due Friday 9 October (5 working days across the
    // Mid-Autumn Festival on the 25th and National Day). Acceptance ends the clerk's step,
    // so 审查 runs from the 24th with 2 working days: 28 and 29 September.
    let a = open_case(store, &w, "张伟").await;
    // Case B: waiting for a supplement from the day of acceptance — its clock is stopped.
    let b = open_case(store, &w, "李娜").await;
    run(
        store,
        &w,
        Some(b),
        "2026-09-24",
        Command::RequestSupplement {
            missing: vec![Missing::material("健康证明", "已过期")],
            reason: String::new(),
            supply_by: None,
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
    let alerts = store.supervision().alerts(None, false, 100).await.unwrap();
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
            .outbox()
            .messages(account, None, 100)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(count(w.reviewer_account).await, 4);
    assert_eq!(count(w.chief_account).await, 4);
    assert_eq!(count(w.supervisor_account).await, 4);
    assert_eq!(count(w.clerk_account).await, 0);
    let n = store
        .outbox()
        .messages(w.supervisor_account, None, 1)
        .await
        .unwrap();
    assert_eq!(n[0].title, "办件超期");
    assert!(n[0].body.contains("已超过期限 2026-10-09"), "{}", n[0].body);

    // Once the supplement arrives the clock runs again: the 7 working days it stood still
    // extend both the case (due 19 October) and its 审查 step (due 14 October).
    run(
        store,
        &w,
        Some(b),
        "2026-10-12",
        Command::SupplementReceived {
            materials: vec![],
            application: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(sweep("2026-10-12").await, report(0, 0));
    assert_eq!(
        sweep("2026-10-13").await,
        report(1, 0),
        "the step's last day but one"
    );
    assert_eq!(
        sweep("2026-10-15").await,
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
        .outbox()
        .messages(w.supervisor_account, None, 1000)
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
            .alerts(None, false, 100)
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
        missing: vec![Missing::material("健康证明", "已过期")],
        reason: reason.into(),
        supply_by: None,
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
        Command::SupplementReceived {
            materials: vec![],
            application: None,
        },
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
        ("second_supplement", Some(6)),
        "proved by the sixth event"
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
        Command::SupplementReceived {
            materials: vec![],
            application: None,
        },
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

/// The dashboard lists the alerts of running cases only: a concluded case leaves the list, its
/// alerts stay on record.
async fn concluded_cases_leave_the_running_alerts(store: &Store) {
    let w = world(store).await;
    let id = open_case(store, &w, "赵敏").await;
    store.supervision().sweep(d("2026-10-12")).await.unwrap();
    let running = |alerts: Vec<onewindow_store::supervision::Alert>| {
        alerts.iter().filter(|a| a.case_id == id).count()
    };
    let listed = store.supervision().alerts(None, true, 100).await.unwrap();
    assert!(running(listed) > 0, "overdue and running");
    conclude_quickly(store, &w, id, "2026-10-12").await;
    let listed = store.supervision().alerts(None, true, 100).await.unwrap();
    assert_eq!(running(listed), 0, "concluded: off the dashboard");
    let all = store.supervision().alerts(None, false, 100).await.unwrap();
    assert!(running(all) > 0, "still on record");
}

#[tokio::test]
async fn supervision_concluded_cases_leave_the_running_alerts() {
    on_every_backend!(concluded_cases_leave_the_running_alerts);
}
