//! Supervision settings, yellow and red cards and the departments' assessment; unanswered
//! urgings, and the deficiency (容缺) and pledge (告知承诺) deadlines as findings.

use onewindow_domain::case::*;
use onewindow_domain::ids::{CaseId, WindowId};
use onewindow_domain::org::Role;
use onewindow_domain::supervision::AlertLevel;
use onewindow_store::case::commands::CommandRequest;
use onewindow_store::on_every_backend;
use onewindow_store::org::*;
use onewindow_store::supervision::assessment::{Assessment, CardRuleChange, Period, Target};
use onewindow_store::{Store, StoreError};

mod supervision_support;
use supervision_support::*;

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
        case_yellow(&store.supervision().alerts(None, false, 100).await.unwrap()),
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
        case_yellow(&store.supervision().alerts(None, false, 100).await.unwrap()),
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
            .outbox()
            .messages(w.clerk_account, None, 100)
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
